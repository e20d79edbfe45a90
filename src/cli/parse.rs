//! Parsers for the command line's small languages: `--arch 64-32-10`, `--select best_of:100`,
//! `--optim sgd:lr=0.1,momentum=0.9`, `--shard 2/8`, `--init kaiming_normal`, `--act relu`,
//! `--loss ce`. Each is a pure function from text to a value or a [`UsageError`] that names the
//! flag, the value and what is accepted; none panics on any input (property-tested).

use std::fmt;

use crate::init::{FanMode, InitPlan, Nonlinearity, Scheme};
use crate::nn::{Activation, Loss, ModelSpec, OptimizerConfig};

/// A bad command-line value: the flag, the value given, what is wrong and what is accepted.
/// The binary exits with status 2 on it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct UsageError {
    /// The flag, e.g. `--arch`.
    pub flag: String,
    /// The value given.
    pub value: String,
    /// What is wrong with it.
    pub reason: String,
    /// What would be accepted.
    pub accepted: String,
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} `{}`: {}", self.flag, self.value, self.reason)?;
        if !self.accepted.is_empty() {
            write!(f, "; accepted: {}", self.accepted)?;
        }
        Ok(())
    }
}

impl UsageError {
    /// A usage error for `flag` given `value`.
    pub fn new(
        flag: &str,
        value: impl fmt::Display,
        reason: impl Into<String>,
        accepted: impl Into<String>,
    ) -> Self {
        Self {
            flag: flag.to_string(),
            value: value.to_string(),
            reason: reason.into(),
            accepted: accepted.into(),
        }
    }
}

/// Parser result.
pub type Parsed<T> = Result<T, UsageError>;

/// The most parameters a model given on the command line may have (2²⁸, 1 GiB of f32): far
/// beyond what initsift's CPU paths are for, and a guard against typos like `6400000-10`.
pub const MAX_PARAMS: usize = 1 << 28;

const ARCH_ACCEPTED: &str = "two or more positive widths joined by '-', input first, e.g. 64-32-10";

/// Layer widths, input first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arch(pub Vec<usize>);

impl fmt::Display for Arch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&arch_string(&self.0))
    }
}

/// `--arch`: layer widths, input first (`64-32-10`).
pub fn parse_arch(text: &str) -> Parsed<Arch> {
    let bad = |reason: String| UsageError::new("--arch", text, reason, ARCH_ACCEPTED);
    let mut widths = Vec::new();
    for part in text.split('-') {
        let part = part.trim();
        match part.parse::<usize>() {
            Ok(0) => return Err(bad("a width of 0".into())),
            Ok(w) => widths.push(w),
            Err(_) => return Err(bad(format!("`{part}` is not a positive whole number"))),
        }
    }
    if widths.len() < 2 {
        return Err(bad("needs an input and an output width".into()));
    }
    let params = widths.windows(2).try_fold(0usize, |total, pair| {
        pair[0]
            .checked_add(1)
            .and_then(|i| i.checked_mul(pair[1]))
            .and_then(|layer| total.checked_add(layer))
    });
    match params {
        Some(p) if p <= MAX_PARAMS => Ok(Arch(widths)),
        _ => Err(bad(format!("more than {MAX_PARAMS} parameters"))),
    }
}

/// Activation names the command line accepts (those with an `nn.Sequential` module).
pub const ACT_ACCEPTED: &str = "relu, tanh, sigmoid, identity, leaky_relu[:slope], elu[:alpha]";

/// `--act`: an activation that PyTorch has as a module.
pub fn parse_act(text: &str) -> Parsed<Activation> {
    let act: Activation = text.parse().map_err(|e: crate::nn::Error| {
        UsageError::new("--act", text, e.to_string(), ACT_ACCEPTED)
    })?;
    if act == Activation::Abs {
        return Err(UsageError::new(
            "--act",
            text,
            "has no torch.nn module, so its init could not be loaded into nn.Sequential",
            ACT_ACCEPTED,
        ));
    }
    Ok(act)
}

/// The MLP `widths` with `act` between layers.
pub fn model(widths: &[usize], act: Activation) -> Parsed<ModelSpec> {
    let arch = arch_string(widths);
    ModelSpec::mlp(&arch, act)
        .map_err(|e| UsageError::new("--arch", &arch, e.to_string(), ARCH_ACCEPTED))
}

/// `64-32-10` from the widths.
pub fn arch_string(widths: &[usize]) -> String {
    widths
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join("-")
}

/// The losses by their command-line names.
pub const LOSS_ACCEPTED: &str = "ce (softmax cross-entropy), bce (sigmoid + binary cross-entropy, \
    one output), mse";

/// `--loss`.
pub fn parse_loss(text: &str) -> Parsed<Loss> {
    match text.trim().to_ascii_lowercase().as_str() {
        "ce" | "cross_entropy" => Ok(Loss::CrossEntropy),
        "bce" | "bce_with_logits" => Ok(Loss::BceWithLogits),
        "mse" => Ok(Loss::Mse),
        _ => Err(UsageError::new(
            "--loss",
            text,
            "unknown loss",
            LOSS_ACCEPTED,
        )),
    }
}

/// The command-line name of a loss.
pub fn loss_name(loss: Loss) -> &'static str {
    match loss {
        Loss::CrossEntropy => "ce",
        Loss::BceWithLogits => "bce",
        Loss::Mse => "mse",
    }
}

/// The init schemes by name, with one line each (`initsift schemes` prints these).
pub const SCHEMES: [(&str, &str); 9] = [
    (
        "torch_default",
        "nn.Linear's own reset_parameters: weight and bias U(±1/√fan_in)",
    ),
    (
        "xavier_uniform",
        "Glorot: U(±gain·√(6/(fan_in+fan_out))), bias 0",
    ),
    (
        "xavier_normal",
        "Glorot: N(0, gain²·2/(fan_in+fan_out)), bias 0",
    ),
    (
        "kaiming_uniform",
        "He: U(±gain·√(3/fan_in)), gain of --act, bias 0",
    ),
    (
        "kaiming_normal",
        "He: N(0, gain²/fan_in), gain of --act, bias 0",
    ),
    ("lecun_uniform", "LeCun (Keras): U(±√(3/fan_in)), bias 0"),
    (
        "lecun_normal",
        "LeCun (Keras): truncated normal with std √(1/fan_in), bias 0",
    ),
    ("orthogonal", "orthogonal_(gain of --act), bias 0"),
    (
        "normal:STD",
        "N(0, STD²) weights, bias 0 (e.g. normal:0.05)",
    ),
];

fn scheme_names() -> String {
    SCHEMES.map(|(n, _)| n).join(", ")
}

/// The gain PyTorch's `calculate_gain` uses for an activation.
fn nonlinearity(act: Activation) -> (Nonlinearity, f64) {
    match act {
        Activation::Relu => (Nonlinearity::Relu, 0.0),
        Activation::Tanh => (Nonlinearity::Tanh, 0.0),
        Activation::Sigmoid => (Nonlinearity::Sigmoid, 0.0),
        Activation::LeakyRelu { slope } => (Nonlinearity::LeakyRelu, slope),
        _ => (Nonlinearity::Linear, 0.0),
    }
}

/// `--init`: a scheme for every Linear layer of `spec` (weights; biases per [`SCHEMES`]).
pub fn parse_init(text: &str, spec: &ModelSpec, act: Activation) -> Parsed<InitPlan> {
    let name = text.trim().to_ascii_lowercase();
    let bad = |reason: &str| UsageError::new("--init", text, reason, scheme_names());
    if name == "torch_default" {
        return Ok(InitPlan::torch_default(spec));
    }
    let (nl, a) = nonlinearity(act);
    let gain = nl.gain(Some(a)).map_err(|e| bad(&e.to_string()))?;
    let weight = match name.as_str() {
        "xavier_uniform" => Scheme::XavierUniform { gain },
        "xavier_normal" => Scheme::XavierNormal { gain },
        "kaiming_uniform" => Scheme::KaimingUniform {
            a,
            mode: FanMode::FanIn,
            nonlinearity: nl,
        },
        "kaiming_normal" => Scheme::KaimingNormal {
            a,
            mode: FanMode::FanIn,
            nonlinearity: nl,
        },
        "lecun_uniform" => Scheme::LecunUniform,
        "lecun_normal" => Scheme::LecunNormal,
        "orthogonal" => Scheme::Orthogonal { gain },
        other => match other.strip_prefix("normal:").map(str::parse::<f64>) {
            Some(Ok(std)) if std.is_finite() && std > 0.0 => Scheme::Normal { mean: 0.0, std },
            Some(_) => return Err(bad("normal:STD needs a positive finite STD")),
            None => return Err(bad("unknown scheme")),
        },
    };
    let plan = InitPlan::same_for_all(name.as_str(), spec, weight, Scheme::Zeros);
    plan.validate(spec).map_err(|e| bad(&e.to_string()))?;
    Ok(plan)
}

/// How `search` chooses among its candidates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SelectSpec {
    /// The lowest initial loss of `--samples` candidates.
    Best,
    /// The lowest initial loss of K candidates (overrides `--samples`).
    BestOf(u64),
    /// A uniformly drawn member of the bottom P % of `--samples` candidates.
    Percentile(f64),
    /// The first candidate (in stream order) whose loss is below X, within `--samples` draws.
    Threshold(f64),
    /// The first candidate below the best loss of a pilot of K candidates from an independent
    /// stream, within `--samples` draws.
    AdaptivePilot(u64),
}

/// What `--select` accepts.
pub const SELECT_ACCEPTED: &str =
    "best, best_of:K, percentile:P (0<P<100), threshold:X, adaptive:pilot=K";

/// `--select`.
pub fn parse_select(text: &str) -> Parsed<SelectSpec> {
    let bad = |reason: &str| UsageError::new("--select", text, reason, SELECT_ACCEPTED);
    let lower = text.trim().to_ascii_lowercase();
    let (name, arg) = match lower.split_once(':') {
        Some((n, a)) => (n, Some(a.trim())),
        None => (lower.as_str(), None),
    };
    let count = |a: &str| match a.parse::<u64>() {
        Ok(k) if k >= 1 => Ok(k),
        _ => Err(bad("the count must be a whole number ≥ 1")),
    };
    let real = |a: &str| match a.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(x),
        _ => Err(bad("needs a finite number")),
    };
    match (name, arg) {
        ("best", None) => Ok(SelectSpec::Best),
        ("best_of", Some(k)) => Ok(SelectSpec::BestOf(count(k)?)),
        ("percentile", Some(p)) => match real(p)? {
            p if p > 0.0 && p < 100.0 => Ok(SelectSpec::Percentile(p)),
            _ => Err(bad("the percentile must lie strictly between 0 and 100")),
        },
        ("threshold", Some(x)) => Ok(SelectSpec::Threshold(real(x)?)),
        ("adaptive", Some(a)) => match a.strip_prefix("pilot=") {
            Some(k) => Ok(SelectSpec::AdaptivePilot(count(k)?)),
            None => Err(bad("adaptive takes pilot=K")),
        },
        ("best" | "best_of" | "percentile" | "threshold" | "adaptive", _) => {
            Err(bad("wrong form for this strategy"))
        }
        _ => Err(bad("unknown selection")),
    }
}

impl fmt::Display for SelectSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SelectSpec::Best => write!(f, "best"),
            SelectSpec::BestOf(k) => write!(f, "best_of:{k}"),
            SelectSpec::Percentile(p) => write!(f, "percentile:{p}"),
            SelectSpec::Threshold(x) => write!(f, "threshold:{x}"),
            SelectSpec::AdaptivePilot(k) => write!(f, "adaptive:pilot={k}"),
        }
    }
}

/// What `--optim` accepts.
pub const OPTIM_ACCEPTED: &str = "adam|adamw|sgd|rmsprop, then optionally ':' and key=value \
    pairs joined by ',' (lr, momentum, dampening, nesterov, weight_decay, beta1, beta2, eps, \
    amsgrad, alpha, centered), e.g. adam:lr=1e-3 or sgd:lr=0.1,momentum=0.9";

/// `--optim`: an optimizer with torch.optim's defaults for the keys not given.
pub fn parse_optim(text: &str) -> Parsed<OptimizerConfig> {
    let bad = |reason: String| UsageError::new("--optim", text, reason, OPTIM_ACCEPTED);
    let lower = text.trim().to_ascii_lowercase();
    let (name, args) = lower.split_once(':').unwrap_or((lower.as_str(), ""));
    let mut config = match name.trim() {
        "adam" => OptimizerConfig::adam(1e-3),
        "adamw" => OptimizerConfig::adamw(1e-3),
        "sgd" => OptimizerConfig::sgd(1e-3),
        "rmsprop" => OptimizerConfig::rmsprop(1e-2),
        _ => return Err(bad("unknown optimizer".into())),
    };
    for pair in args.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(bad(format!("`{pair}` is not key=value")));
        };
        let (key, value) = (key.trim(), value.trim());
        let flag = match value {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        };
        let number = value.parse::<f64>().ok().filter(|v| v.is_finite());
        let set = set_optim_key(&mut config, key, number, flag);
        match set {
            Some(true) => {}
            Some(false) => return Err(bad(format!("`{key}` needs a {}", key_kind(key)))),
            None => {
                return Err(bad(format!("`{key}` is not a setting of {name}")));
            }
        }
    }
    config.validate().map_err(|e| bad(e.to_string()))?;
    Ok(config)
}

fn key_kind(key: &str) -> &'static str {
    match key {
        "nesterov" | "amsgrad" | "centered" => "true or false",
        _ => "finite number",
    }
}

/// Sets `key` on `config`: `None` when the optimizer has no such key, `Some(false)` when the
/// value has the wrong kind.
fn set_optim_key(
    config: &mut OptimizerConfig,
    key: &str,
    number: Option<f64>,
    flag: Option<bool>,
) -> Option<bool> {
    let num = |slot: &mut f64| number.map(|v| *slot = v).is_some();
    let boolean = |slot: &mut bool| flag.map(|v| *slot = v).is_some();
    Some(match config {
        OptimizerConfig::Sgd(o) => match key {
            "lr" => num(&mut o.lr),
            "momentum" => num(&mut o.momentum),
            "dampening" => num(&mut o.dampening),
            "weight_decay" => num(&mut o.weight_decay),
            "nesterov" => boolean(&mut o.nesterov),
            _ => return None,
        },
        OptimizerConfig::Adam(o) | OptimizerConfig::AdamW(o) => match key {
            "lr" => num(&mut o.lr),
            "beta1" => num(&mut o.beta1),
            "beta2" => num(&mut o.beta2),
            "eps" => num(&mut o.eps),
            "weight_decay" => num(&mut o.weight_decay),
            "amsgrad" => boolean(&mut o.amsgrad),
            _ => return None,
        },
        OptimizerConfig::RmsProp(o) => match key {
            "lr" => num(&mut o.lr),
            "alpha" => num(&mut o.alpha),
            "eps" => num(&mut o.eps),
            "weight_decay" => num(&mut o.weight_decay),
            "momentum" => num(&mut o.momentum),
            "centered" => boolean(&mut o.centered),
            _ => return None,
        },
    })
}

/// `--shard k/n`: this process scores the k-th of n disjoint slices (k from 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Shard {
    /// This shard, `0..count`.
    pub k: u64,
    /// How many shards.
    pub n: u64,
}

const SHARD_ACCEPTED: &str = "K/N with 0 ≤ K < N, e.g. 0/4 … 3/4 (Slurm: $SLURM_ARRAY_TASK_ID/N)";

/// `--shard`.
pub fn parse_shard(text: &str) -> Parsed<Shard> {
    let bad = |reason: String| UsageError::new("--shard", text, reason, SHARD_ACCEPTED);
    let Some((k, n)) = text.trim().split_once('/') else {
        return Err(bad("not of the form K/N".into()));
    };
    let (Ok(k), Ok(n)) = (k.trim().parse::<u64>(), n.trim().parse::<u64>()) else {
        return Err(bad("K and N must be whole numbers".into()));
    };
    if n == 0 {
        return Err(bad("N must be at least 1".into()));
    }
    if k >= n {
        return Err(bad(format!(
            "shard {k} does not exist: shards of {n} are numbered 0 to {}",
            n - 1
        )));
    }
    Ok(Shard { k, n })
}

impl Shard {
    /// The whole search in one process.
    pub const WHOLE: Shard = Shard { k: 0, n: 1 };

    /// The candidate indices `[first, end)` of this shard of `total`: contiguous slices whose
    /// sizes differ by at most one, in shard order.
    pub fn range(self, total: u64) -> (u64, u64) {
        let at = |k: u64| (u128::from(total) * u128::from(k) / u128::from(self.n)) as u64;
        (at(self.k), at(self.k + 1))
    }
}

/// `--samples N`: at least 1.
pub fn parse_samples(text: &str) -> Parsed<u64> {
    match text.trim().parse::<u64>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(UsageError::new(
            "--samples",
            text,
            "must be a whole number ≥ 1",
            "1, 2, …",
        )),
    }
}

/// `--test-size F`: a fraction strictly between 0 and 1.
pub fn parse_fraction(text: &str) -> Parsed<f64> {
    match text.trim().parse::<f64>() {
        Ok(f) if f > 0.0 && f < 1.0 => Ok(f),
        _ => Err(UsageError::new(
            "--test-size",
            text,
            "must be a fraction strictly between 0 and 1",
            "e.g. 0.2",
        )),
    }
}

/// A whole number ≥ 1 for `flag` (`--runs`, `--epochs`, `--batch`, `--subset`).
pub fn positive(flag: &'static str) -> impl Fn(&str) -> Parsed<usize> + Clone {
    move |text: &str| match text.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(UsageError::new(
            flag,
            text,
            "must be a whole number ≥ 1",
            "1, 2, …",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_every_index_once() {
        for total in [0u64, 1, 7, 1000, 1001] {
            for n in 1..9 {
                let mut next = 0;
                for k in 0..n {
                    let (a, b) = Shard { k, n }.range(total);
                    assert_eq!(a, next);
                    next = b;
                }
                assert_eq!(next, total);
            }
        }
    }

    #[test]
    fn messages_name_flag_value_and_accepted() {
        let e = parse_shard("5/4").unwrap_err().to_string();
        assert_eq!(
            e,
            "--shard `5/4`: shard 5 does not exist: shards of 4 are numbered 0 to 3; \
             accepted: K/N with 0 ≤ K < N, e.g. 0/4 … 3/4 (Slurm: $SLURM_ARRAY_TASK_ID/N)"
        );
        let e = parse_select("top:3").unwrap_err().to_string();
        assert!(
            e.starts_with("--select `top:3`: unknown selection; accepted: best,"),
            "{e}"
        );
        let e = parse_optim("sgd:lr=0.1,beta1=0.5").unwrap_err().to_string();
        assert!(e.contains("`beta1` is not a setting of sgd"), "{e}");
        let e = parse_optim("adam:lr=-1").unwrap_err().to_string();
        assert!(e.starts_with("--optim `adam:lr=-1`: "), "{e}");
        let e = parse_arch("64-0-10").unwrap_err().to_string();
        assert!(e.contains("a width of 0"), "{e}");
        assert!(parse_samples("0").is_err());
    }

    #[test]
    fn optimizers_take_torch_defaults_and_the_given_keys() {
        assert_eq!(
            parse_optim("sgd:lr=0.1,momentum=0.9").unwrap(),
            OptimizerConfig::Sgd(crate::nn::Sgd {
                lr: 0.1,
                momentum: 0.9,
                ..Default::default()
            })
        );
        assert_eq!(parse_optim("adam").unwrap(), OptimizerConfig::adam(1e-3));
        assert_eq!(
            parse_optim("rmsprop:lr=0.01").unwrap(),
            OptimizerConfig::rmsprop(0.01)
        );
    }
}
