use initsift_batch::mlp_train::{MlpTrainConfig, MlpTrainer};
use initsift_data::{builtin, Standardizer};
use initsift_init::{InitPlan, Stream};
use initsift_nn::{Activation, Loss, ModelSpec, OptimizerConfig, StopRules};

#[test]
fn speed() {
    let d = builtin::digits().unwrap().random_subset(1400, 1).unwrap();
    let s = Standardizer::fit_dataset(&d).unwrap();
    let train = s.transform_dataset(&d).unwrap();
    let spec = ModelSpec::mlp("64-32-10", Activation::Relu).unwrap();
    let stop = StopRules { max_epochs: 4, loss_below: None, plateau: None };
    let bs: usize = std::env::var("BS").map(|v| v.parse().unwrap()).unwrap_or(64);
    let config = MlpTrainConfig::full_batch(OptimizerConfig::adam(1e-3), Loss::CrossEntropy, stop).minibatch(bs, 3);
    let trainer = MlpTrainer::new(&spec, &train, None, config).unwrap();
    let stream = Stream::new(&spec, &InitPlan::torch_default(&spec), 42).unwrap();
    let runs = 1024;
    let t0 = std::time::Instant::now();
    let _ = trainer.train_stream(&stream, 0, runs).unwrap();
    let dt = t0.elapsed().as_secs_f64();
    println!("batch {} : {:.0} run-epochs/s wall; run-epochs {}", trainer.runs_per_batch(), (runs*4) as f64 / dt, runs * 4);
}
