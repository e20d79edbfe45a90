use initsift_batch::mlp_train::{MlpTrainConfig, MlpTrainer};
use initsift_data::{Standardizer, Stratify, builtin};
use initsift_init::{InitPlan, Stream};
use initsift_nn::{Activation, Loss, ModelSpec, OptimizerConfig, StopRules, Trainer};

#[test]
fn explore() {
    let d = builtin::digits().unwrap();
    let (train, test) = d.train_test_split(0.25, 7, Stratify::ByClass).unwrap();
    let sc = Standardizer::fit_dataset(&train).unwrap();
    let (train, test) = (sc.transform_dataset(&train).unwrap(), sc.transform_dataset(&test).unwrap());
    let spec = ModelSpec::mlp("64-32-10", Activation::Relu).unwrap();
    let stop = StopRules { max_epochs: 20, loss_below: Some(0.05), plateau: None };
    for (name, opt) in [("adam", OptimizerConfig::adam(1e-3)), ("sgdm", OptimizerConfig::Sgd(initsift_nn::Sgd{lr:0.05, momentum:0.9, ..Default::default()})), ("rms", OptimizerConfig::rmsprop(1e-3))] {
    for bs in [None, Some(64)] {
        let mut config = MlpTrainConfig::full_batch(opt, Loss::CrossEntropy, stop);
        config.curves = true;
        if let Some(b) = bs { config = config.minibatch(b, 3); config.curves = true; }
        let trainer = MlpTrainer::new(&spec, &train, Some(&test), config.clone()).unwrap();
        let stream = Stream::new(&spec, &InitPlan::torch_default(&spec), 42).unwrap();
        let runs = 8;
        let t0 = std::time::Instant::now();
        let rep = trainer.train_stream(&stream, 0, runs).unwrap();
        let dt = t0.elapsed();
        let x = train.features().clone(); let y = train.one_hot().unwrap();
        let mut worst: f64 = 0.0;
        for r in 0..runs {
            let mut p = vec![0.0; spec.param_len()];
            stream.fill(r as u64, &mut p).unwrap();
            let mut eng = Trainer::new(&spec, x.view(), y.view(), config.engine_config(r).unwrap()).unwrap();
            let o = eng.train(&p).unwrap();
            let f = &rep.outcomes[r];
            let c = &f.curves.as_ref().unwrap().train_loss;
            for (a, b) in c.iter().zip(&o.curve) { worst = worst.max(((a-b)/b).abs()); }
            if r < 2 { println!("{name} {bs:?} run {r}: epochs {} vs {} stop {:?} {:?} final {} vs {} acc {} vs {} held {:?}", f.epochs, o.epochs, f.stop, o.stop, f.final_loss, o.final_loss, f.final_accuracy, o.final_accuracy, f.held_out); }
        }
        println!("{name} {bs:?}: worst rel curve dev {worst:.3e}; time {dt:?}");
    }}
}
