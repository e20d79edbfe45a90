//! Init plans as data: a weight scheme and a bias scheme per Linear layer, then model-level
//! post-steps. A plan is serializable, printable (its `Display` is the line reports quote), and
//! validated against a [`ModelSpec`] by compiling it.

use std::fmt;

use initsift_nn::{ModelSpec, ParamBlock, ParamKind};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::gain::{FanMode, Fans, Nonlinearity};
use crate::law::Law;
use crate::post::{CompiledPost, PostStep};
use crate::scheme::{Scheme, Target};

/// The schemes of one Linear layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerInit {
    /// For the weight `[out, in]`.
    pub weight: Scheme,
    /// For the bias: `Some` exactly when the layer has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bias: Option<Scheme>,
}

impl LayerInit {
    /// A layer with a bias.
    pub fn new(weight: Scheme, bias: Scheme) -> Self {
        Self {
            weight,
            bias: Some(bias),
        }
    }
}

/// A named init plan: one [`LayerInit`] per Linear layer in model order, then `post` steps in
/// order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InitPlan {
    /// The name reports carry, e.g. `relu1_normal`.
    pub name: String,
    /// One entry per Linear layer.
    pub layers: Vec<LayerInit>,
    /// Steps applied after every block is drawn.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub post: Vec<PostStep>,
}

/// N(0, 0.5²): the reference code's `init_normal` weights.
fn reference_normal() -> Scheme {
    Scheme::Normal {
        mean: 0.0,
        std: 0.5,
    }
}

/// `kaiming_normal_(nonlinearity="relu")` with PyTorch's other defaults.
fn kaiming_normal_relu() -> Scheme {
    Scheme::KaimingNormal {
        a: 0.0,
        mode: FanMode::FanIn,
        nonlinearity: Nonlinearity::Relu,
    }
}

impl InitPlan {
    /// The preset names [`InitPlan::preset`] accepts.
    pub const PRESETS: &'static str =
        "relu1, relu1_kaiming, relu1_mirror, relu1_bhs, relu2, abs1, abs1_kaiming";

    /// A plan from its parts.
    pub fn new(name: impl Into<String>, layers: Vec<LayerInit>) -> Self {
        Self {
            name: name.into(),
            layers,
            post: Vec::new(),
        }
    }

    /// Appends a post-step.
    pub fn then(mut self, step: PostStep) -> Self {
        self.post.push(step);
        self
    }

    /// The same weight and bias scheme on every Linear layer of `spec` (the bias scheme only
    /// where a layer has a bias).
    pub fn same_for_all(
        name: impl Into<String>,
        spec: &ModelSpec,
        weight: Scheme,
        bias: Scheme,
    ) -> Self {
        let layers = linear_layers(spec)
            .into_iter()
            .map(|(_, b)| LayerInit {
                weight: weight.clone(),
                bias: b.map(|_| bias.clone()),
            })
            .collect();
        Self::new(name, layers)
    }

    /// PyTorch's `nn.Linear` default on every layer of `spec`: U(±1/√fan_in).
    pub fn torch_default(spec: &ModelSpec) -> Self {
        Self::same_for_all(
            "torch_default",
            spec,
            Scheme::TorchLinearDefault,
            Scheme::TorchLinearDefault,
        )
    }

    /// relu1's `init_normal` (config `relu1_normal`): weights N(0, 0.5²), biases 0.
    pub fn relu1() -> Self {
        Self::new(
            "relu1_normal",
            vec![LayerInit::new(reference_normal(), Scheme::Zeros)],
        )
    }

    /// relu1's `init_kaiming`: kaiming_normal(relu) weights (std 1 at fan_in 2), biases 0.
    pub fn relu1_kaiming() -> Self {
        Self::new(
            "relu1_kaiming",
            vec![LayerInit::new(kaiming_normal_relu(), Scheme::Zeros)],
        )
    }

    /// relu1's mirror init: `init_normal` then unit 1 := −unit 0.
    pub fn relu1_mirror() -> Self {
        let mut plan = Self::relu1().then(PostStep::Mirror { linear: 0 });
        plan.name = "relu1_mirror".into();
        plan
    }

    /// relu1's bounded-hypersphere init around `init_normal` (config `relu1_bhs` used radius
    /// 1.4): b_k = radius·‖w_k‖.
    pub fn relu1_bhs(radius: f64) -> Self {
        let mut plan = Self::relu1().then(PostStep::BoundedHypersphere { linear: 0, radius });
        plan.name = "relu1_bhs".into();
        plan
    }

    /// relu2's `Model_Xor2.init()`: layer 1 kaiming_normal(relu) (std 1), layer 2
    /// xavier_normal (std √(2/4) ≈ 0.7071), biases 0.
    pub fn relu2() -> Self {
        Self::new(
            "relu2_init",
            vec![
                LayerInit::new(kaiming_normal_relu(), Scheme::Zeros),
                LayerInit::new(Scheme::XavierNormal { gain: 1.0 }, Scheme::Zeros),
            ],
        )
    }

    /// abs1's `abs1_normal`: weights N(0, 0.5²), bias 0.
    pub fn abs1() -> Self {
        Self::new(
            "abs1_normal",
            vec![LayerInit::new(reference_normal(), Scheme::Zeros)],
        )
    }

    /// abs1's kaiming variant: kaiming_normal(relu) weights (std 1 at fan_in 2), bias 0.
    pub fn abs1_kaiming() -> Self {
        Self::new(
            "abs1_kaiming",
            vec![LayerInit::new(kaiming_normal_relu(), Scheme::Zeros)],
        )
    }

    /// A preset by name (one of [`InitPlan::PRESETS`]; `relu1_bhs` has radius 1.4).
    pub fn preset(name: &str) -> Result<Self> {
        Ok(match name {
            "relu1" | "relu1_normal" => Self::relu1(),
            "relu1_kaiming" => Self::relu1_kaiming(),
            "relu1_mirror" => Self::relu1_mirror(),
            "relu1_bhs" => Self::relu1_bhs(1.4),
            "relu2" | "relu2_init" => Self::relu2(),
            "abs1" | "abs1_normal" => Self::abs1(),
            "abs1_kaiming" => Self::abs1_kaiming(),
            _ => {
                return Err(Error::UnknownPreset {
                    name: name.to_string(),
                    known: Self::PRESETS,
                });
            }
        })
    }

    /// True when every scheme is elementwise (see [`Scheme::is_elementwise`]): the whole plan
    /// can run in SIMD lanes.
    pub fn is_elementwise(&self) -> bool {
        self.layers.iter().all(|l| {
            l.weight.is_elementwise() && l.bias.as_ref().is_none_or(Scheme::is_elementwise)
        })
    }

    /// Checks that the plan fits `spec` (see [`InitPlan::compile`]).
    pub fn validate(&self, spec: &ModelSpec) -> Result<()> {
        self.compile(spec).map(|_| ())
    }

    /// Resolves every scheme against `spec`'s parameter layout and every post-step against its
    /// layers. Errors name the plan, the model and the value that does not fit.
    pub fn compile(&self, spec: &ModelSpec) -> Result<CompiledPlan> {
        let mismatch = |reason: String| Error::PlanMismatch {
            plan: self.name.clone(),
            model: spec.name().to_string(),
            reason,
        };
        let linears = linear_layers(spec);
        if linears.len() != self.layers.len() {
            return Err(mismatch(format!(
                "the plan has {} layer entries, the model has {} Linear layers",
                self.layers.len(),
                linears.len()
            )));
        }
        let mut blocks = Vec::new();
        for (ordinal, ((weight, bias), init)) in linears.iter().zip(&self.layers).enumerate() {
            blocks.push(CompiledBlock::resolve(&init.weight, weight)?);
            match (bias, &init.bias) {
                (Some(b), Some(scheme)) => blocks.push(CompiledBlock::resolve(scheme, b)?),
                (None, None) => {}
                (Some(b), None) => {
                    return Err(mismatch(format!(
                        "Linear layer L{ordinal} has a bias ({}) but the plan gives no bias scheme",
                        b.name
                    )));
                }
                (None, Some(scheme)) => {
                    return Err(mismatch(format!(
                        "Linear layer L{ordinal} ({}) has no bias but the plan gives bias scheme {scheme}",
                        weight.name
                    )));
                }
            }
        }
        let mut post = Vec::new();
        for step in &self.post {
            let linear = match *step {
                PostStep::Mirror { linear } | PostStep::BoundedHypersphere { linear, .. } => linear,
            };
            let Some((weight, bias)) = linears.get(linear) else {
                return Err(mismatch(format!(
                    "post-step {step} names Linear layer L{linear}, the model has {} (L0..L{})",
                    linears.len(),
                    linears.len().saturating_sub(1)
                )));
            };
            post.push(match *step {
                PostStep::Mirror { .. } => {
                    if weight.rows < 2 {
                        return Err(mismatch(format!(
                            "post-step {step} needs at least 2 units, {} has {}",
                            weight.name, weight.rows
                        )));
                    }
                    CompiledPost::Mirror {
                        weight: weight.offset,
                        cols: weight.cols,
                        bias: bias.as_ref().map(|b| b.offset),
                    }
                }
                PostStep::BoundedHypersphere { radius, .. } => {
                    if !(radius.is_finite() && radius >= 0.0) {
                        return Err(Error::BadParameter {
                            scheme: step.to_string(),
                            name: "radius",
                            value: radius,
                            rule: "finite and ≥ 0",
                        });
                    }
                    let Some(b) = bias else {
                        return Err(mismatch(format!(
                            "post-step {step} sets biases, but {} has none",
                            weight.name
                        )));
                    };
                    CompiledPost::BoundedHypersphere {
                        weight: weight.offset,
                        rows: weight.rows,
                        cols: weight.cols,
                        bias: b.offset,
                        radius: radius as f32,
                    }
                }
            });
        }
        Ok(CompiledPlan {
            name: self.name.clone(),
            param_len: spec.param_len(),
            blocks,
            post,
        })
    }
}

/// The model's Linear layers in order: (weight block, bias block if any).
fn linear_layers(spec: &ModelSpec) -> Vec<(ParamBlock, Option<ParamBlock>)> {
    let mut out: Vec<(ParamBlock, Option<ParamBlock>)> = Vec::new();
    for block in spec.param_layout() {
        match block.kind {
            ParamKind::Weight => out.push((block, None)),
            ParamKind::Bias => {
                if let Some(last) = out.last_mut() {
                    last.1 = Some(block);
                }
            }
        }
    }
    out
}

impl fmt::Display for InitPlan {
    /// `name: L0 weight=…, bias=…; L1 …; then mirror(L0)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.name)?;
        for (i, layer) in self.layers.iter().enumerate() {
            if i > 0 {
                write!(f, ";")?;
            }
            write!(f, " L{i} weight={}", layer.weight)?;
            if let Some(b) = &layer.bias {
                write!(f, ", bias={b}")?;
            }
        }
        for (i, step) in self.post.iter().enumerate() {
            write!(f, "{} {step}", if i == 0 { "; then" } else { "," })?;
        }
        Ok(())
    }
}

/// One parameter block with its resolved law.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompiledBlock {
    /// `state_dict`-style name.
    pub name: String,
    /// Weight or bias.
    pub kind: ParamKind,
    /// Start in the flat vector.
    pub offset: usize,
    /// Rows.
    pub rows: usize,
    /// Columns.
    pub cols: usize,
    /// What the values are drawn from.
    pub law: Law,
}

impl CompiledBlock {
    /// Resolves `scheme` for the layout block `block` (fans from the block: a bias uses its
    /// layer's fans).
    pub fn resolve(scheme: &Scheme, block: &ParamBlock) -> Result<Self> {
        let target = Target {
            name: &block.name,
            kind: block.kind,
            rows: block.rows,
            cols: block.cols,
            fans: Fans {
                fan_in: block.fan_in,
                fan_out: block.fan_out,
            },
        };
        Self::for_target(scheme, &target, block.offset)
    }

    /// Resolves `scheme` for `target`, placed at `offset` in the flat vector.
    pub fn for_target(scheme: &Scheme, target: &Target<'_>, offset: usize) -> Result<Self> {
        Ok(Self {
            name: target.name.to_string(),
            kind: target.kind,
            offset,
            rows: target.rows,
            cols: target.cols,
            law: scheme.resolve(target)?,
        })
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.rows * self.cols
    }

    /// True for an empty block.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A plan resolved against one model: blocks with laws and offsets, and post-steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompiledPlan {
    /// The plan's name.
    pub name: String,
    /// Length of the flat parameter vector.
    pub param_len: usize,
    /// Blocks in layout order.
    pub blocks: Vec<CompiledBlock>,
    /// Post-steps in order.
    pub post: Vec<CompiledPost>,
}

impl CompiledPlan {
    /// A one-block plan for a single PyTorch weight `[rows, cols]` (fans from its shape).
    pub fn single_tensor(scheme: &Scheme, rows: usize, cols: usize) -> Result<Self> {
        let target = Target::torch_weight("tensor", rows, cols);
        Ok(Self {
            name: scheme.to_string(),
            param_len: rows * cols,
            blocks: vec![CompiledBlock::for_target(scheme, &target, 0)?],
            post: Vec::new(),
        })
    }

    /// True when every block's law is elementwise (SIMD-lane ready); post-steps always are.
    pub fn is_elementwise(&self) -> bool {
        self.blocks.iter().all(|b| b.law.is_elementwise())
    }
}
