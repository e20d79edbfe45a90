//! initsift's fan-based schemes against the laws torch.nn.init draws from, as torch computed
//! them (fixtures/torch_init_laws.json, recorded by tools/pytorch/init_laws.py from the bounds
//! and standard deviations torch passes to `uniform_` / `normal_`): xavier, kaiming in both
//! modes for every nonlinearity and several leaky-ReLU slopes, `nn.Linear`'s default reset
//! (weight and bias), on shapes from 2→1 to 784→10.
//!
//! Our laws are f32 constants computed in f64 by our own formulas; every one equals torch's value
//! rounded to f32, bit for bit.

use initsift_init::{InitPlan, Law, Scheme};
use initsift_nn::{Activation, ModelSpec};
use serde_json::Value;

const FIXTURE: &str = include_str!("fixtures/torch_init_laws.json");

fn ulps(ours: f32, theirs: f64) -> u32 {
    let theirs = theirs as f32;
    (ours.to_bits() as i64 - theirs.to_bits() as i64).unsigned_abs() as u32
}

/// Distance in ulps between our law and torch's recorded one; panics on a different kind.
fn compare(case: &str, law: &Law, torch: &Value) -> u32 {
    let num = |k: &str| torch[k].as_f64().expect("a number");
    match (torch["law"].as_str().expect("law"), law) {
        ("uniform", Law::Uniform(u)) => ulps(u.low, num("low")).max(ulps(u.high, num("high"))),
        ("normal", Law::Normal(n)) => ulps(n.mean, num("mean")).max(ulps(n.std, num("std"))),
        (kind, law) => panic!("{case}: torch draws from {kind}, we from {law:?}"),
    }
}

#[test]
fn fan_based_schemes_draw_from_torchs_laws() {
    let fixture: Value = serde_json::from_str(FIXTURE).expect("valid fixture JSON");
    let cases = fixture["cases"].as_array().expect("cases");
    assert!(cases.len() >= 300, "{} cases", cases.len());
    let mut laws = 0;
    for case in cases {
        let (fan_in, fan_out) = (case["in"].as_u64().unwrap(), case["out"].as_u64().unwrap());
        let spec = ModelSpec::mlp(&format!("{fan_in}-{fan_out}"), Activation::Relu).unwrap();
        let weight: Scheme = serde_json::from_value(case["weight"].clone()).expect("scheme");
        let bias: Scheme = match case.get("bias") {
            Some(b) => serde_json::from_value(b.clone()).expect("scheme"),
            None => Scheme::Zeros,
        };
        let name = format!("{weight} / {bias} on Linear({fan_in}, {fan_out})");
        let plan = InitPlan::same_for_all("t", &spec, weight, bias);
        let compiled = plan
            .compile(&spec)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut checks = vec![(&compiled.blocks[0].law, &case["weight_law"])];
        if case.get("bias_law").is_some() {
            checks.push((&compiled.blocks[1].law, &case["bias_law"]));
        }
        for (law, torch) in checks {
            let d = compare(&name, law, torch);
            assert_eq!(d, 0, "{name}: {law:?} is {d} ulps from torch's {torch}");
            laws += 1;
        }
    }
    println!("{laws} laws, all equal to torch's in every bit");
}
