//! The batched MLP trainer against PyTorch, epoch by epoch, on every ISA this machine has:
//! digits 64-32-10 ReLU runs from explicit initial vectors under explicit minibatch orders
//! (crates/batch/tests/fixtures/mlp_train_torch.json, written by
//! tools/pytorch/mlp_train_digits.py) with SGD-momentum, Adam and RMSprop.
//!
//! Tolerance: PyTorch's CPU matmuls and log-softmax sum in their own orders, so every step
//! differs from ours by float32 rounding (relative ≲ 1e-7 per value, 2⁻²³ ≈ 1.2e-7 being one
//! ulp); over the fixture's 64 steps such differences accumulate at most linearly along a
//! trajectory the optimizer does not amplify, so the epoch loss may differ by up to about
//! 64 · 1.2e-7 ≈ 8e-6 relative. We allow 1e-5 (observed: ~1.4e-7), still three orders below
//! the epoch-to-epoch change of every curve here (≥ 1e-2 relative), so a wrong update rule,
//! order or loss cannot pass.

use initsift_batch::Isa;
use initsift_batch::mlp_train::{MinibatchOrder, MlpTrainConfig, MlpTrainer};
use initsift_data::{Dataset, builtin};
use initsift_nn::{Activation, Loss, ModelSpec, StopRules};
use serde_json::Value;

const FIXTURE: &str = include_str!("fixtures/mlp_train_torch.json");
const TOLERANCE: f64 = 1e-5;

fn numbers(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|x| x.as_f64().expect("a number"))
        .collect()
}

#[test]
fn minibatch_losses_match_pytorch_epoch_by_epoch() {
    let fixture: Value = serde_json::from_str(FIXTURE).expect("valid fixture JSON");
    let rows = fixture["orders"][0].as_array().expect("orders").len();
    let digits = builtin::digits()
        .expect("digits")
        .first(rows)
        .expect("rows");
    let train = Dataset::new(
        "digits-first",
        digits.feature_names().to_vec(),
        digits.features() / 16.0,
        digits.targets().clone(),
    )
    .expect("same shapes");
    let spec = ModelSpec::mlp("64-32-10", Activation::Relu).expect("spec");
    let epochs = fixture["epochs"].as_u64().expect("epochs") as usize;
    let orders: Vec<Vec<usize>> = fixture["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .map(|o| numbers(o).into_iter().map(|i| i as usize).collect())
        .collect();
    let inits: Vec<f32> = fixture["inits"]
        .as_array()
        .expect("inits")
        .iter()
        .flat_map(|i| numbers(i).into_iter().map(|v| v as f32))
        .collect();
    let runs = inits.len() / spec.param_len();
    let mut worst = (0.0f64, String::new());
    for arm in fixture["arms"].as_array().expect("arms") {
        let name = arm["name"].as_str().expect("name");
        let stop = StopRules {
            max_epochs: epochs,
            loss_below: None,
            plateau: None,
        };
        let optimizer = serde_json::from_value(arm["optimizer"].clone()).expect("optimizer");
        let mut config = MlpTrainConfig::full_batch(optimizer, Loss::CrossEntropy, stop);
        config.batch_size = Some(fixture["batch_size"].as_u64().expect("batch") as usize);
        config.order = MinibatchOrder::Given(orders.clone());
        config.curves = true;
        for isa in Isa::available() {
            let report = MlpTrainer::new(&spec, &train, None, config.clone())
                .and_then(|t| t.with_isa(Some(isa)))
                .expect("valid trainer")
                .train(runs, &inits)
                .expect("training");
            for (r, (out, run)) in report
                .outcomes
                .iter()
                .zip(arm["runs"].as_array().expect("runs"))
                .enumerate()
            {
                let ours = &out.curves.as_ref().expect("curves").train_loss;
                let torch = numbers(&run["losses"]);
                assert_eq!(ours.len(), torch.len(), "{name} run {r}");
                for (e, (a, b)) in ours.iter().zip(&torch).enumerate() {
                    let rel = ((a - b) / b).abs();
                    if rel > worst.0 {
                        worst = (rel, format!("{name} run {r} epoch {e}: {a} vs torch {b}"));
                    }
                    assert!(
                        rel <= TOLERANCE,
                        "{name} run {r} epoch {e} on {isa}: {a} vs torch {b} (rel. {rel:.2e})"
                    );
                }
            }
        }
    }
    println!(
        "worst relative deviation from torch: {:.2e} ({})",
        worst.0, worst.1
    );
}
