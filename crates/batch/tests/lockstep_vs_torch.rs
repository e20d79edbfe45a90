//! The lockstep trainer — the one the studies train with — against PyTorch, run by run, on
//! every ISA this machine has: whole runs of the studies' relu1 and relu2 controls recorded
//! under the reference code's loop and stop rules (crates/nn/tests/fixtures/
//! torch_reference_runs.json, written by tools/pytorch/torch_reference_runs.py) must end after the same number of
//! epochs, for the same reason, with the same accuracy.

use initsift_batch::lockstep::{Lockstep, LockstepConfig};
use initsift_batch::{Isa, Preset};
use initsift_nn::{Loss, StopReason, StopRules};
use serde_json::Value;

const REFERENCE_RUNS: &str = include_str!("../../nn/tests/fixtures/torch_reference_runs.json");

#[test]
fn lockstep_reproduces_reference_runs_in_pytorch() {
    let fixture: Value = serde_json::from_str(REFERENCE_RUNS).expect("valid fixture JSON");
    for arm in fixture["arms"].as_array().expect("arms") {
        let name = arm["name"].as_str().expect("name");
        let preset = match arm["model"].as_str().expect("model") {
            "relu1" => Preset::Relu1,
            "relu2" => Preset::Relu2,
            other => panic!("no preset {other}"),
        };
        let config = LockstepConfig {
            preset,
            optimizer: serde_json::from_value(arm["optimizer"].clone()).expect("optimizer"),
            loss: Loss::Mse,
            stop: StopRules {
                max_epochs: arm["max_epochs"].as_u64().expect("max_epochs") as usize,
                loss_below: arm["loss_below"].as_f64(),
                plateau: serde_json::from_value(arm["plateau"].clone()).expect("plateau"),
            },
        };
        let runs = arm["runs"].as_array().expect("runs");
        let init: Vec<f32> = runs
            .iter()
            .flat_map(|run| run["init"].as_array().expect("init").iter())
            .map(|v| v.as_f64().expect("a number") as f32)
            .collect();
        for isa in Isa::available() {
            let report = Lockstep::new(config, isa)
                .expect("valid config")
                .train(runs.len(), &init)
                .expect("training");
            for (r, (out, run)) in report.outcomes.iter().zip(runs).enumerate() {
                let stop: StopReason = serde_json::from_value(run["stop"].clone()).expect("stop");
                let epochs = run["epochs"].as_u64().expect("epochs") as usize;
                let accuracy = run["final_accuracy"].as_f64().expect("accuracy");
                assert_eq!(
                    (out.epochs, out.stop, out.final_accuracy),
                    (epochs, stop, accuracy),
                    "{name} run {r} on {isa}: epochs, stop reason and accuracy against torch"
                );
            }
        }
    }
}
