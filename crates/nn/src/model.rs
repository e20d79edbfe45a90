//! Models as data: a [`ModelSpec`] lists layers and fixes one flat parameter layout.
//!
//! The layout is PyTorch's `state_dict` order: for each Linear layer its weight `[out, in]`
//! row-major, then its bias. A candidate initialization is a flat `[f32]` in this layout, which
//! ever engine touches it.

use std::fmt;
use std::str::FromStr;

use initsift_tensor::{Graph, NodeId, Shape};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// An elementwise activation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Activation {
    /// f(x) = x.
    Identity,
    /// max(x, 0).
    Relu,
    /// x if x > 0 else slope·x (any slope, negative too).
    LeakyRelu {
        /// The slope for x ≤ 0.
        slope: f64,
    },
    /// |x|.
    Abs,
    /// tanh x.
    Tanh,
    /// 1 / (1 + e^−x).
    Sigmoid,
    /// x if x > 0 else α(eˣ − 1).
    Elu {
        /// The scale α.
        alpha: f64,
    },
}

impl Activation {
    /// The names [`Activation::from_str`] accepts.
    pub const KNOWN: &'static str =
        "identity, relu, leaky_relu, leaky_relu:<slope>, abs, tanh, sigmoid, elu, elu:<alpha>";

    /// The name PyTorch's `calculate_gain` knows this activation by, with its parameter.
    pub fn gain_name(&self) -> (&'static str, Option<f64>) {
        match *self {
            Activation::Identity => ("linear", None),
            Activation::Relu => ("relu", None),
            Activation::LeakyRelu { slope } => ("leaky_relu", Some(slope)),
            Activation::Abs => ("linear", None),
            Activation::Tanh => ("tanh", None),
            Activation::Sigmoid => ("sigmoid", None),
            Activation::Elu { .. } => ("linear", None),
        }
    }

    /// Appends `f(x)` to the graph.
    pub fn apply(&self, g: &mut Graph, x: NodeId) -> NodeId {
        match *self {
            Activation::Identity => x,
            Activation::Relu => g.relu(x),
            Activation::LeakyRelu { slope } => g.leaky_relu(x, slope),
            Activation::Abs => g.abs(x),
            Activation::Tanh => g.tanh(x),
            Activation::Sigmoid => g.sigmoid(x),
            Activation::Elu { alpha } => g.elu(x, alpha),
        }
    }
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Activation::Identity => write!(f, "identity"),
            Activation::Relu => write!(f, "relu"),
            Activation::LeakyRelu { slope } => write!(f, "leaky_relu:{slope}"),
            Activation::Abs => write!(f, "abs"),
            Activation::Tanh => write!(f, "tanh"),
            Activation::Sigmoid => write!(f, "sigmoid"),
            Activation::Elu { alpha } => write!(f, "elu:{alpha}"),
        }
    }
}

impl FromStr for Activation {
    type Err = Error;

    /// Parses `relu`, `leaky_relu` (slope 0.01, as PyTorch), `leaky_relu:-0.1`, `elu` (α = 1),
    /// `elu:0.5`, and the other names of [`Activation::KNOWN`], case-insensitively.
    fn from_str(s: &str) -> Result<Self> {
        let lower = s.trim().to_ascii_lowercase();
        let (name, arg) = match lower.split_once(':') {
            Some((n, a)) => (n, Some(a)),
            None => (lower.as_str(), None),
        };
        let parse_arg = |default: f64| -> Result<f64> {
            match arg {
                None => Ok(default),
                Some(a) => a
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| Error::BadSpec {
                        spec: s.to_string(),
                        reason: format!("`{a}` is not a finite number"),
                    }),
            }
        };
        let act = match name {
            "identity" | "linear" | "none" => Activation::Identity,
            "relu" => Activation::Relu,
            "leaky_relu" | "leakyrelu" => Activation::LeakyRelu {
                slope: parse_arg(0.01)?,
            },
            "abs" => Activation::Abs,
            "tanh" => Activation::Tanh,
            "sigmoid" => Activation::Sigmoid,
            "elu" => Activation::Elu {
                alpha: parse_arg(1.0)?,
            },
            _ => {
                return Err(Error::UnknownActivation {
                    name: s.to_string(),
                    known: Activation::KNOWN,
                });
            }
        };
        if arg.is_some() && !matches!(act, Activation::LeakyRelu { .. } | Activation::Elu { .. }) {
            return Err(Error::BadSpec {
                spec: s.to_string(),
                reason: format!("activation `{name}` takes no parameter"),
            });
        }
        Ok(act)
    }
}

/// One layer of a model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Layer {
    /// y = x·Wᵀ + b with W `[outputs, inputs]` (PyTorch `nn.Linear`).
    Linear {
        /// Input features.
        inputs: usize,
        /// Output features.
        outputs: usize,
        /// Whether the layer has a bias.
        bias: bool,
    },
    /// An elementwise activation.
    Activation(Activation),
    /// A fixed (untrained) sum over features: `[n×m] → [n×1]`.
    SumFeatures,
}

/// Whether a parameter block is a weight matrix or a bias vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamKind {
    /// A weight `[out, in]`.
    Weight,
    /// A bias `[out]` (stored as a row `[1, out]`).
    Bias,
}

/// Where one parameter tensor lives in the flat vector, and the fans initializers need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParamBlock {
    /// `state_dict`-style name, e.g. `layers.0.weight`.
    pub name: String,
    /// Index of the layer in [`ModelSpec::layers`].
    pub layer: usize,
    /// Weight or bias.
    pub kind: ParamKind,
    /// Start in the flat vector.
    pub offset: usize,
    /// Rows (out features for weights, 1 for biases).
    pub rows: usize,
    /// Columns (in features for weights, out features for biases).
    pub cols: usize,
    /// The layer's fan-in (PyTorch: `in_features`; also used for the bias).
    pub fan_in: usize,
    /// The layer's fan-out (`out_features`).
    pub fan_out: usize,
}

impl ParamBlock {
    /// Number of values.
    pub fn len(&self) -> usize {
        self.rows * self.cols
    }
    /// True for an empty block (never produced by a valid spec).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The block's range in the flat vector.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.offset..self.offset + self.len()
    }
}

/// A model as data: input width and layers. Construct with [`ModelSpec::new`], a preset, or
/// [`ModelSpec::mlp`]; the constructor checks that layer widths chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSpec {
    name: String,
    input_dim: usize,
    layers: Vec<Layer>,
}

/// The nodes of a model's forward pass in a graph.
#[derive(Debug, Clone)]
pub struct Forward {
    /// The model's output `[n × output_dim]`.
    pub output: NodeId,
    /// One node per parameter block, in layout order.
    pub params: Vec<NodeId>,
}

impl ModelSpec {
    /// A model with a name, an input width and layers whose widths must chain.
    pub fn new(name: impl Into<String>, input_dim: usize, layers: Vec<Layer>) -> Result<Self> {
        let name = name.into();
        if input_dim == 0 {
            return Err(Error::BadSpec {
                spec: name,
                reason: "input width is 0".into(),
            });
        }
        let mut width = input_dim;
        for (i, layer) in layers.iter().enumerate() {
            match *layer {
                Layer::Linear {
                    inputs, outputs, ..
                } => {
                    if inputs != width {
                        return Err(Error::BadSpec {
                            spec: name,
                            reason: format!(
                                "layer {i} (Linear) takes {inputs} features but receives {width}"
                            ),
                        });
                    }
                    if outputs == 0 {
                        let reason = format!("layer {i} (Linear) has 0 outputs");
                        return Err(Error::BadSpec { spec: name, reason });
                    }
                    width = outputs;
                }
                Layer::Activation(_) => {}
                Layer::SumFeatures => width = 1,
            }
        }
        Ok(Self {
            name,
            input_dim,
            layers,
        })
    }

    /// abs1: `y = |w·x + b|`, Linear(2,1) → Abs; 3 parameters.
    pub fn abs1() -> Self {
        let layers = vec![
            Layer::Linear {
                inputs: 2,
                outputs: 1,
                bias: true,
            },
            Layer::Activation(Activation::Abs),
        ];
        Self::new("abs1", 2, layers).expect("preset is valid")
    }

    /// relu1: Linear(2,2) → ReLU → fixed Sum; 6 parameters.
    pub fn relu1() -> Self {
        let layers = vec![
            Layer::Linear {
                inputs: 2,
                outputs: 2,
                bias: true,
            },
            Layer::Activation(Activation::Relu),
            Layer::SumFeatures,
        ];
        Self::new("relu1", 2, layers).expect("preset is valid")
    }

    /// relu2: Linear(2,2) → ReLU → Linear(2,2); 12 parameters, two (one-hot) outputs.
    pub fn relu2() -> Self {
        let layers = vec![
            Layer::Linear {
                inputs: 2,
                outputs: 2,
                bias: true,
            },
            Layer::Activation(Activation::Relu),
            Layer::Linear {
                inputs: 2,
                outputs: 2,
                bias: true,
            },
        ];
        Self::new("relu2", 2, layers).expect("preset is valid")
    }

    /// A preset by name: `abs1`, `relu1` or `relu2`.
    pub fn preset(name: &str) -> Result<Self> {
        match name {
            "abs1" => Ok(Self::abs1()),
            "relu1" => Ok(Self::relu1()),
            "relu2" => Ok(Self::relu2()),
            _ => Err(Error::BadSpec {
                spec: name.to_string(),
                reason: "unknown preset; known: abs1, relu1, relu2".into(),
            }),
        }
    }

    /// An MLP from widths such as `"64-32-10"` (input 64, hidden 32, output 10): Linear layers
    /// with biases, `activation` between them and none after the last.
    pub fn mlp(widths: &str, activation: Activation) -> Result<Self> {
        let bad = |reason: String| Error::BadSpec {
            spec: widths.to_string(),
            reason,
        };
        let dims: Vec<usize> = widths
            .split('-')
            .map(|w| {
                let w = w.trim();
                match w.parse::<usize>() {
                    Ok(0) => Err(bad("a width of 0".into())),
                    Ok(d) => Ok(d),
                    Err(_) => Err(bad(format!("`{w}` is not a positive whole number"))),
                }
            })
            .collect::<Result<_>>()?;
        if dims.len() < 2 {
            return Err(bad(
                "need at least an input and an output width, e.g. 64-10".into(),
            ));
        }
        let mut layers = Vec::new();
        for (i, pair) in dims.windows(2).enumerate() {
            if i > 0 {
                layers.push(Layer::Activation(activation));
            }
            layers.push(Layer::Linear {
                inputs: pair[0],
                outputs: pair[1],
                bias: true,
            });
        }
        Self::new(format!("mlp-{widths}-{activation}"), dims[0], layers)
    }

    /// The model's name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Input width.
    pub fn input_dim(&self) -> usize {
        self.input_dim
    }
    /// The layers, in order.
    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// Output width.
    pub fn output_dim(&self) -> usize {
        self.layers.iter().fold(self.input_dim, |w, l| match *l {
            Layer::Linear { outputs, .. } => outputs,
            Layer::Activation(_) => w,
            Layer::SumFeatures => 1,
        })
    }

    /// The parameter blocks in flat-layout (state_dict) order.
    pub fn param_layout(&self) -> Vec<ParamBlock> {
        let mut blocks = Vec::new();
        let mut offset = 0;
        for (layer, l) in self.layers.iter().enumerate() {
            if let Layer::Linear {
                inputs,
                outputs,
                bias,
            } = *l
            {
                let mut push = |kind, rows, cols, suffix: &str| {
                    blocks.push(ParamBlock {
                        name: format!("layers.{layer}.{suffix}"),
                        layer,
                        kind,
                        offset,
                        rows,
                        cols,
                        fan_in: inputs,
                        fan_out: outputs,
                    });
                    offset += rows * cols;
                };
                push(ParamKind::Weight, outputs, inputs, "weight");
                if bias {
                    push(ParamKind::Bias, 1, outputs, "bias");
                }
            }
        }
        blocks
    }

    /// Length of the flat parameter vector.
    pub fn param_len(&self) -> usize {
        self.param_layout().iter().map(ParamBlock::len).sum()
    }

    /// Checks a flat parameter vector's length.
    pub fn check_params<T>(&self, params: &[T]) -> Result<()> {
        let expected = self.param_len();
        if params.len() != expected {
            return Err(Error::ParamLength {
                model: self.name.clone(),
                expected,
                actual: params.len(),
            });
        }
        Ok(())
    }

    /// Appends the forward pass on `x` (`[n × input_dim]`) to `g`, declaring the parameter
    /// blocks as the graph's parameters (so the graph's flat layout is this spec's).
    ///
    /// The graph must not have declared parameters before, so offsets agree.
    pub fn build(&self, g: &mut Graph, x: NodeId) -> Result<Forward> {
        let sx = g.shape(x);
        if sx.cols != self.input_dim {
            return Err(Error::DataWidth {
                model: self.name.clone(),
                expected: self.input_dim,
                actual: sx.cols,
            });
        }
        if g.param_len() != 0 {
            return Err(Error::BadSpec {
                spec: self.name.clone(),
                reason: "the graph already declares parameters".into(),
            });
        }
        let params = self
            .param_layout()
            .iter()
            .map(|b| g.param(Shape::new(b.rows, b.cols)))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let output = self.forward_with(g, x, &params)?;
        Ok(Forward { output, params })
    }

    /// Appends the forward pass on `x` through parameter nodes declared earlier, one per
    /// block of [`ModelSpec::param_layout`] in order: e.g. a second batch through the same
    /// parameters (the sub-batches of GradCosine), or the parameters after a step.
    pub fn forward_with(&self, g: &mut Graph, x: NodeId, params: &[NodeId]) -> Result<NodeId> {
        let sx = g.shape(x);
        if sx.cols != self.input_dim {
            return Err(Error::DataWidth {
                model: self.name.clone(),
                expected: self.input_dim,
                actual: sx.cols,
            });
        }
        let layout = self.param_layout();
        let fits = params.len() == layout.len()
            && layout
                .iter()
                .zip(params)
                .all(|(b, &p)| g.shape(p) == Shape::new(b.rows, b.cols));
        if !fits {
            return Err(Error::BadSpec {
                spec: self.name.clone(),
                reason: "the parameter nodes do not match the parameter layout".into(),
            });
        }
        let mut next = params.iter().copied();
        let mut h = x;
        for l in &self.layers {
            h = match *l {
                Layer::Linear { bias, .. } => {
                    let w = next.next().expect("layout checked");
                    let z = g.matmul_t(h, false, w, true)?;
                    if bias {
                        g.add(z, next.next().expect("layout checked"))?
                    } else {
                        z
                    }
                }
                Layer::Activation(a) => a.apply(g, h),
                Layer::SumFeatures => g.sum_rows(h),
            };
        }
        Ok(h)
    }
}

impl fmt::Display for ModelSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (in {}", self.name, self.input_dim)?;
        for l in &self.layers {
            match l {
                Layer::Linear {
                    inputs,
                    outputs,
                    bias,
                } => write!(
                    f,
                    " → Linear({inputs},{outputs}{})",
                    if *bias { "" } else { ", no bias" }
                )?,
                Layer::Activation(a) => write!(f, " → {a}")?,
                Layer::SumFeatures => write!(f, " → Sum")?,
            }
        }
        write!(f, "; {} params)", self.param_len())
    }
}
