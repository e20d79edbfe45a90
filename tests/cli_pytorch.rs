//! The PyTorch hand-off: `tools/pytorch/cli_handoff.py` loaded init.safetensors into
//! `nn.Sequential` (strict=True), applied search.json's recorded preprocessing and computed the
//! initial loss in PyTorch. This test re-runs the same searches and holds search.json's loss to
//! PyTorch's (relative 1e-5) and the pick to the recorded one.

use std::process::Command;

use serde_json::Value;

#[test]
fn search_json_loss_matches_pytorch_on_the_loaded_init() {
    let fixture: Value =
        serde_json::from_str(include_str!("fixtures/cli_handoff.json")).expect("fixture parses");
    let cases = fixture["cases"].as_object().expect("cases");
    assert_eq!(cases.len(), 2);
    let dir = tempfile::tempdir().unwrap();
    for (name, case) in cases {
        let out = dir.path().join(name);
        let args: Vec<&str> = case["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        let status = Command::new(env!("CARGO_BIN_EXE_initsift"))
            .arg("search")
            .args(&args)
            .args(["--quiet", "--out"])
            .arg(&out)
            .status()
            .unwrap();
        assert!(status.success(), "{name}: search failed");
        let record: Value =
            serde_json::from_slice(&std::fs::read(out.join("search.json")).unwrap()).unwrap();
        let pick = &record["picks"][0];
        assert_eq!(pick["seed"], case["pick"]["seed"], "{name}");
        assert_eq!(pick["index"], case["pick"]["index"], "{name}");
        assert_eq!(record["rows_scored"], case["rows_scored"], "{name}");
        let ours = pick["loss"].as_f64().unwrap();
        let torch = case["torch_loss"].as_f64().unwrap();
        let relative = (ours - torch).abs() / torch.abs();
        assert!(
            relative <= 1e-5,
            "{name}: search.json {ours} vs PyTorch {torch} ({relative:e})"
        );
    }
}
