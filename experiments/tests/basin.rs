//! Basin maps: bad slices are refused; a pixel is the lockstep run of its point; the boundary
//! and low-loss measures on constructed maps.

use experiments::basin::{BasinError, BasinMap, Outcome, Pixel, Slice, render_outcomes};
use experiments::grid::stop_rules;
use initsift_batch::Isa;
use initsift_batch::Preset;
use initsift_batch::lockstep::{Lockstep, LockstepConfig};
use initsift_init::Stream;
use initsift_nn::{Loss, OptimizerConfig};

fn relu1_adam() -> LockstepConfig {
    LockstepConfig {
        preset: Preset::Relu1,
        optimizer: OptimizerConfig::adam(0.01),
        loss: Loss::Mse,
        stop: stop_rules(Preset::Relu1),
    }
}

fn init(preset: Preset, index: u64) -> Vec<f32> {
    Stream::new(&preset.spec(), &preset.plan(), 7)
        .unwrap()
        .candidate(index)
}

#[test]
fn bad_slices_are_refused() {
    let o = vec![0.0f32; 6];
    let u = [1.0f32, 0.0, 0.0, 0.0, 0.0, 0.0];
    let v = [0.0f32, 1.0, 0.0, 0.0, 0.0, 0.0];
    for res in [0, 4097] {
        assert_eq!(
            Slice::new(o.clone(), &u, &v, 1.0, res),
            Err(BasinError::Resolution { given: res })
        );
    }
    let twice: Vec<f32> = u.iter().map(|x| -2.0 * x).collect();
    assert!(matches!(
        Slice::new(o.clone(), &u, &twice, 1.0, 8),
        Err(BasinError::Parallel { .. })
    ));
    assert_eq!(
        Slice::new(o.clone(), &u, &[0.0; 6], 1.0, 8),
        Err(BasinError::ZeroDirection)
    );
    assert!(matches!(
        Slice::new(o.clone(), &u, &v[..5], 1.0, 8),
        Err(BasinError::Length { which: "v", .. })
    ));
    assert!(matches!(
        Slice::new(o.clone(), &u, &v, 0.0, 8),
        Err(BasinError::HalfWidth { .. })
    ));
    let msg = Slice::new(o, &u, &twice, 1.0, 8).unwrap_err().to_string();
    assert!(msg.contains("parallel"), "{msg}");
}

#[test]
fn directions_are_orthonormal() {
    let s = Slice::random(init(Preset::Relu2, 0), 3, 1.0, 5).unwrap();
    let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| f64::from(x * y)).sum::<f64>();
    assert!((dot(&s.u, &s.u) - 1.0).abs() < 1e-6);
    assert!((dot(&s.v, &s.v) - 1.0).abs() < 1e-6);
    assert!(dot(&s.u, &s.v).abs() < 1e-6);
}

#[test]
fn a_pixel_is_the_lockstep_run_of_its_point() {
    let config = relu1_adam();
    let isa = Isa::select(None).unwrap();
    let (fail, succeed) = (init(Preset::Relu1, 0), init(Preset::Relu1, 1));
    let slice = Slice::through(&fail, &succeed, 11, 21).unwrap();
    let map = BasinMap::compute(slice.clone(), config, isa).unwrap();
    let trainer = Lockstep::new(config, isa).unwrap();
    // The centre pixel is the origin exactly (odd resolution); the others are slice points.
    let mut point = vec![0.0f32; 6];
    for (i, j) in [(10, 10), (0, 0), (20, 3), (7, 15)] {
        slice.point(i, j, &mut point);
        if (i, j) == (10, 10) {
            assert_eq!(point, slice.origin);
        }
        let alone = &trainer.train(1, &point).unwrap().outcomes[0];
        let p = map.pixel(i, j);
        assert_eq!(p.epochs as usize, alone.epochs, "pixel ({i}, {j})");
        assert_eq!(p.outcome, Outcome::of(alone));
        assert_eq!(p.initial_loss, alone.initial_loss);
    }
}

fn constructed(
    res: usize,
    outcome: impl Fn(usize, usize) -> Outcome,
    loss: impl Fn(usize, usize) -> f64,
) -> BasinMap {
    let o = vec![0.0f32; 6];
    let u = [1.0f32, 0.0, 0.0, 0.0, 0.0, 0.0];
    let v = [0.0f32, 1.0, 0.0, 0.0, 0.0, 0.0];
    let slice = Slice::new(o, &u, &v, 2.0, res).unwrap();
    let mut pixels = Vec::new();
    for j in 0..res {
        for i in 0..res {
            pixels.push(Pixel {
                epochs: 10,
                outcome: outcome(i, j),
                initial_loss: loss(i, j),
            });
        }
    }
    BasinMap {
        slice,
        config: relu1_adam(),
        pixels,
    }
}

#[test]
fn boundary_density_of_a_straight_split() {
    // Left half succeeds, right half fails: one vertical boundary of length `side` (4), in
    // an area of 16: density 1/4, whatever the resolution.
    for res in [10, 100] {
        let map = constructed(
            res,
            |i, _| {
                if i < res / 2 {
                    Outcome::Success
                } else {
                    Outcome::Stuck50
                }
            },
            |_, _| 1.0,
        );
        let d = map.boundary_density();
        let spacing = 4.0 / (res - 1) as f64;
        let want = res as f64 * spacing / 16.0;
        assert!((d - want).abs() < 1e-12, "{d} vs {want}");
        assert!((d - 0.25).abs() < 0.03);
    }
    assert_eq!(
        constructed(8, |_, _| Outcome::Success, |_, _| 1.0).boundary_density(),
        0.0
    );
}

#[test]
fn low_loss_failing_share() {
    // Loss falls with i; the lowest quarter of columns: half of them fail (rows j < res/2).
    let res = 8;
    let map = constructed(
        res,
        |i, j| {
            if i < 2 && j < res / 2 {
                Outcome::Stuck75
            } else {
                Outcome::Success
            }
        },
        |i, _| i as f64,
    );
    let (share, failing) = map.low_loss_failing(2.0);
    assert_eq!(share, 0.25);
    assert_eq!(failing, Some(0.5));
    assert_eq!(map.low_loss_failing(-1.0), (0.0, None));
    let shares = map.outcome_shares();
    assert_eq!(shares[0] + shares[1], 1.0);
    let png = render_outcomes(&map, &[2.0], &[]);
    assert_eq!(&png[1..4], b"PNG");
}
