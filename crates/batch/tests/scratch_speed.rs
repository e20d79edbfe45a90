use initsift_batch::mlp_train::{MlpTrainConfig, MlpTrainer};
use initsift_data::builtin;
use initsift_init::{InitPlan, Stream};
use initsift_nn::{Activation, Loss, ModelSpec, OptimizerConfig, StopRules};

#[test]
fn speed() {
    let d = builtin::digits().unwrap();
    let train = d.first(1400).unwrap();
    let spec = ModelSpec::mlp("64-32-10", Activation::Relu).unwrap();
    let stop = StopRules { max_epochs: 5, loss_below: None, plateau: None };
    for bs in [Some(64), None] {
        let mut config = MlpTrainConfig::full_batch(OptimizerConfig::adam(1e-3), Loss::CrossEntropy, stop);
        if let Some(b) = bs { config = config.minibatch(b, 3); }
        let trainer = MlpTrainer::new(&spec, &train, None, config).unwrap();
        let stream = Stream::new(&spec, &InitPlan::torch_default(&spec), 42).unwrap();
        let runs = 512;
        for _ in 0..3 {
            let t0 = std::time::Instant::now();
            let _ = trainer.train_stream(&stream, 0, runs).unwrap();
            let dt = t0.elapsed().as_secs_f64();
            println!("{bs:?} batch {} : {:.0} run-epochs/s", trainer.runs_per_batch(), (runs*5) as f64 / dt);
        }
    }
}
