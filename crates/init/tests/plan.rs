//! Plans as data: presets, serde round trips, printing, and resolved constants.

use initsift_init::{InitPlan, Law, PostStep, Scheme, Stream};
use initsift_nn::{Activation, ModelSpec};

#[test]
fn presets_fit_their_models_and_print_their_laws() {
    for (name, spec) in [
        ("relu1", ModelSpec::relu1()),
        ("relu1_kaiming", ModelSpec::relu1()),
        ("relu1_mirror", ModelSpec::relu1()),
        ("relu1_bhs", ModelSpec::relu1()),
        ("relu2", ModelSpec::relu2()),
        ("abs1", ModelSpec::abs1()),
        ("abs1_kaiming", ModelSpec::abs1()),
    ] {
        let plan = InitPlan::preset(name).unwrap();
        plan.validate(&spec).unwrap();
        assert!(plan.is_elementwise());
    }
    assert_eq!(
        InitPlan::relu2().to_string(),
        "relu2_init: L0 weight=kaiming_normal(a=0, fan_in, relu), bias=zeros; \
         L1 weight=xavier_normal(gain=1), bias=zeros"
    );
    assert_eq!(
        InitPlan::relu1_mirror().to_string(),
        "relu1_mirror: L0 weight=normal(mean=0, std=0.5), bias=zeros; then mirror(L0)"
    );
    assert_eq!(
        InitPlan::relu1_bhs(1.4).to_string(),
        "relu1_bhs: L0 weight=normal(mean=0, std=0.5), bias=zeros; \
         then bounded_hypersphere(L0, r=1.4)"
    );
}

#[test]
fn preset_constants_are_the_reference_stds() {
    // relu2: kaiming normal (relu) at fan_in 2 → std √2/√2 = 1; xavier normal 2→2 → √(2/4).
    let compiled = InitPlan::relu2().compile(&ModelSpec::relu2()).unwrap();
    let stds: Vec<f32> = compiled
        .blocks
        .iter()
        .map(|b| match &b.law {
            Law::Normal(n) => n.std,
            Law::Constant { value } => *value,
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(stds, vec![1.0, 0.0, 0.5f64.sqrt() as f32, 0.0]);
    // abs1 kaiming: std 1; relu1: 0.5.
    let c = InitPlan::relu1().compile(&ModelSpec::relu1()).unwrap();
    assert_eq!(
        c.blocks[0].law,
        Law::Normal(initsift_init::law::NormalLaw {
            mean: 0.0,
            std: 0.5
        })
    );
}

#[test]
fn plans_round_trip_through_json() {
    let spec = ModelSpec::mlp("8-6-4-2", Activation::Relu).unwrap();
    let mut plan = InitPlan::same_for_all(
        "everything",
        &spec,
        Scheme::Orthogonal { gain: 1.5 },
        Scheme::Zeros,
    )
    .then(PostStep::Mirror { linear: 1 })
    .then(PostStep::BoundedHypersphere {
        linear: 2,
        radius: 0.7,
    });
    plan.layers[1].weight = Scheme::VarianceScaling {
        scale: 2.0,
        mode: initsift_init::FanMode::FanAvg,
        distribution: initsift_init::Distribution::TruncatedNormal,
    };
    plan.layers[2].bias = Some(Scheme::TruncNormal {
        mean: 0.0,
        std: 1.0,
        a: -2.0,
        b: 2.0,
    });
    let json = serde_json::to_string(&plan).unwrap();
    let back: InitPlan = serde_json::from_str(&json).unwrap();
    assert_eq!(back, plan);
    assert!(!plan.is_elementwise());
    let a = Stream::new(&spec, &plan, 9).unwrap().candidate(4);
    let b = Stream::new(&spec, &back, 9).unwrap().candidate(4);
    assert_eq!(a, b);
    // PyTorch defaults fill omitted fields: kaiming_uniform_() is a = 0, fan_in, leaky_relu.
    let s: Scheme = serde_json::from_str(r#"{"scheme":"kaiming_uniform"}"#).unwrap();
    assert_eq!(s.to_string(), "kaiming_uniform(a=0, fan_in, leaky_relu)");
    let s: Scheme = serde_json::from_str(
        r#"{"scheme":"variance_scaling","mode":"fan_avg","distribution":"normal"}"#,
    )
    .unwrap();
    assert_eq!(
        s.to_string(),
        "variance_scaling(scale=1, fan_avg, truncated_normal)"
    );
}

#[test]
fn stream_reports_elementwise_and_exposes_keys() {
    let spec = ModelSpec::relu2();
    let s = Stream::new(&spec, &InitPlan::relu2(), 3).unwrap();
    assert!(s.is_elementwise());
    assert_eq!(s.keys().len(), 12);
    assert_eq!(s.plan().blocks.len(), 4);
    let o = InitPlan::same_for_all("o", &spec, Scheme::Orthogonal { gain: 1.0 }, Scheme::Zeros);
    assert!(!Stream::new(&spec, &o, 3).unwrap().is_elementwise());
    // Different seeds, different candidates; the same seed, the same.
    assert_ne!(
        s.candidate(0),
        Stream::new(&spec, &InitPlan::relu2(), 4)
            .unwrap()
            .candidate(0)
    );
    assert_eq!(
        s.candidate(0),
        Stream::new(&spec, &InitPlan::relu2(), 3)
            .unwrap()
            .candidate(0)
    );
    assert_eq!(
        initsift_init::Candidate { seed: 3, index: 8 }.to_string(),
        "3:8"
    );
}
