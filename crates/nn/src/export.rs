//! The PyTorch hand-off: a model's flat parameters as a safetensors file whose keys and shapes
//! are those of the equivalent `torch.nn.Sequential`'s `state_dict`.
//!
//! A [`ModelSpec`]'s layers map one to one onto `nn.Sequential` children, parameter-free
//! activations included, so Linear layer `i` owns the keys `"{i}.weight"` (`[out, in]`) and
//! `"{i}.bias"` (`[out]`), f32, row-major — what `load_state_dict(..., strict=True)` expects
//! from `nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))`. The file carries the
//! metadata `{"format": "pt"}` that Hugging Face tooling writes, plus any pairs the caller adds.
//!
//! ```
//! use initsift_nn::{Activation, ModelSpec, export};
//! # fn main() -> Result<(), initsift_nn::Error> {
//! let spec = ModelSpec::mlp("3-2-1", Activation::Relu)?;
//! let params: Vec<f32> = (0..spec.param_len()).map(|i| i as f32).collect();
//! let bytes = export::to_safetensors(&spec, &params, &Default::default())?;
//! assert_eq!(export::from_safetensors(&spec, &bytes, "in memory")?, params);
//! let keys: Vec<String> = export::state_dict_keys(&spec)?.into_iter().map(|k| k.key).collect();
//! assert_eq!(keys, ["0.weight", "0.bias", "2.weight", "2.bias"]);
//! # Ok(()) }
//! ```

use std::collections::{BTreeMap, HashMap};

use safetensors::tensor::{Dtype, SafeTensors, TensorView};

use crate::error::{Error, Result};
use crate::model::{Layer, ModelSpec, ParamKind};

/// One tensor of the state_dict: its key, its PyTorch shape and where it lives in the flat
/// parameter vector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateEntry {
    /// `nn.Sequential` key, e.g. `2.weight`.
    pub key: String,
    /// PyTorch shape: `[out, in]` for weights, `[out]` for biases.
    pub shape: Vec<usize>,
    /// The range in the flat vector.
    pub range: std::ops::Range<usize>,
}

/// The state_dict entries of `spec` in flat-layout order. Only models made of Linear layers
/// and activations have an `nn.Sequential` twin; anything else is an error naming the layer.
pub fn state_dict_keys(spec: &ModelSpec) -> Result<Vec<StateEntry>> {
    if let Some(i) = spec
        .layers()
        .iter()
        .position(|l| matches!(l, Layer::SumFeatures))
    {
        return Err(Error::Export(format!(
            "model {}: layer {i} (a fixed feature sum) has no torch.nn.Sequential equivalent",
            spec.name()
        )));
    }
    Ok(spec
        .param_layout()
        .into_iter()
        .map(|block| {
            let (suffix, shape) = match block.kind {
                ParamKind::Weight => ("weight", vec![block.rows, block.cols]),
                ParamKind::Bias => ("bias", vec![block.cols]),
            };
            StateEntry {
                key: format!("{}.{suffix}", block.layer),
                shape,
                range: block.range(),
            }
        })
        .collect())
}

/// The safetensors bytes of `params` (flat layout of `spec`), with metadata `{"format": "pt"}`
/// and the `extra` pairs.
pub fn to_safetensors(
    spec: &ModelSpec,
    params: &[f32],
    extra: &BTreeMap<String, String>,
) -> Result<Vec<u8>> {
    spec.check_params(params)?;
    let entries = state_dict_keys(spec)?;
    let bytes: Vec<Vec<u8>> = entries
        .iter()
        .map(|e| {
            params[e.range.clone()]
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect()
        })
        .collect();
    let mut views = Vec::with_capacity(entries.len());
    for (e, data) in entries.iter().zip(&bytes) {
        let view = TensorView::new(Dtype::F32, e.shape.clone(), data)
            .map_err(|err| Error::Export(format!("tensor {}: {err}", e.key)))?;
        views.push((e.key.clone(), view));
    }
    let mut metadata: HashMap<String, String> = extra.clone().into_iter().collect();
    metadata.insert("format".into(), "pt".into());
    safetensors::serialize(views, Some(metadata))
        .map_err(|err| Error::Export(format!("serializing: {err}")))
}

/// The flat parameters of `spec` read from safetensors `bytes`; `source` names the file in
/// errors. The file must hold exactly `spec`'s keys, each F32 with its PyTorch shape.
pub fn from_safetensors(spec: &ModelSpec, bytes: &[u8], source: &str) -> Result<Vec<f32>> {
    let bad = |reason: String| Error::Import {
        file: source.to_string(),
        reason,
    };
    let file = SafeTensors::deserialize(bytes)
        .map_err(|err| bad(format!("not a safetensors file: {err}")))?;
    let entries = state_dict_keys(spec)?;
    let expected: Vec<String> = entries
        .iter()
        .map(|e| format!("{} {:?}", e.key, e.shape))
        .collect();
    let expected = expected.join(", ");
    let mut names: Vec<&str> = file.names();
    names.sort_unstable();
    if let Some(extra) = names.iter().find(|n| !entries.iter().any(|e| e.key == **n)) {
        return Err(bad(format!(
            "unexpected key `{extra}` for model {}; expected exactly: {expected}",
            spec.name()
        )));
    }
    if let Some(missing) = entries.iter().find(|e| !names.contains(&e.key.as_str())) {
        return Err(bad(format!(
            "missing key `{}` for model {}; expected exactly: {expected}",
            missing.key,
            spec.name()
        )));
    }
    let mut params = vec![0.0f32; spec.param_len()];
    for e in &entries {
        let view = file
            .tensor(&e.key)
            .map_err(|err| bad(format!("`{}`: {err}", e.key)))?;
        if view.dtype() != Dtype::F32 {
            return Err(bad(format!(
                "`{}` is {:?}, expected F32",
                e.key,
                view.dtype()
            )));
        }
        if view.shape() != e.shape.as_slice() {
            return Err(bad(format!(
                "`{}` has shape {:?}, model {} needs {:?}",
                e.key,
                view.shape(),
                spec.name(),
                e.shape
            )));
        }
        for (v, chunk) in params[e.range.clone()]
            .iter_mut()
            .zip(view.data().chunks_exact(4))
        {
            *v = f32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        }
    }
    Ok(params)
}

/// The string metadata of safetensors `bytes` (`__metadata__`), empty when there is none.
pub fn safetensors_metadata(bytes: &[u8], source: &str) -> Result<BTreeMap<String, String>> {
    let (_, meta) = SafeTensors::read_metadata(bytes).map_err(|err| Error::Import {
        file: source.to_string(),
        reason: format!("not a safetensors file: {err}"),
    })?;
    Ok(meta
        .metadata()
        .clone()
        .map(|m| m.into_iter().collect())
        .unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Activation;

    #[test]
    fn keys_skip_activation_indices_as_sequential_does() {
        let spec = ModelSpec::mlp("4-3-3-2", Activation::Tanh).unwrap();
        let entries = state_dict_keys(&spec).unwrap();
        let keys: Vec<&str> = entries.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"
            ]
        );
        assert_eq!(entries[0].shape, [3, 4]);
        assert_eq!(entries[5].shape, [2]);
        assert_eq!(entries[5].range.end, spec.param_len());
    }

    #[test]
    fn feature_sum_models_are_refused() {
        let error = state_dict_keys(&ModelSpec::relu1()).unwrap_err();
        assert!(error.to_string().contains("feature sum"), "{error}");
    }
}
