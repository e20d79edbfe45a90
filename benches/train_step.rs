//! One relu1 Adam step on the engine in f32: forward, backward (the gradient nodes of the same
//! graph), and the update. Target ≤ 2 µs; PyTorch's per-run loop takes ~335 µs per step.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use initsift::nn::{Adam, Loss, ModelSpec, OptimizerConfig};
use initsift::tensor::{Graph, Shape, Values};
use ndarray::array;

fn train_step(c: &mut Criterion) {
    let spec = ModelSpec::relu1();
    let mut g = Graph::new();
    let x = g.input(Shape::new(4, 2)).unwrap();
    let y = g.input(Shape::new(4, 1)).unwrap();
    let fwd = spec.build(&mut g, x).unwrap();
    let loss = Loss::Mse.build(&mut g, fwd.output, y).unwrap();
    let grads = g.grad(loss, &fwd.params).unwrap();
    let offsets: Vec<usize> = spec.param_layout().iter().map(|b| b.offset).collect();
    let xs = array![[-1.0f32, -1.0], [1.0, -1.0], [-1.0, 1.0], [1.0, 1.0]];
    let ys = array![[0.0f32], [1.0], [1.0], [0.0]];
    let adam = OptimizerConfig::Adam(Adam {
        lr: 0.01,
        beta2: 0.99,
        ..Adam::default()
    });
    let mut opt = adam.build(6).unwrap();
    let mut params = vec![0.3f32, -0.2, -0.4, 0.5, 0.0, 0.0];
    let mut grad = vec![0.0f32; 6];
    let mut values = Values::for_graph(&g);
    c.bench_function("train_step/relu1_adam_engine_f32", |b| {
        b.iter(|| {
            g.eval_into(&params, &[xs.view(), ys.view()], &mut values)
                .unwrap();
            for (&node, &offset) in grads.iter().zip(&offsets) {
                let block = values.slice(node);
                grad[offset..offset + block.len()].copy_from_slice(block);
            }
            opt.step(&mut params, &grad);
            black_box(values.scalar(loss))
        })
    });
}

criterion_group!(benches, train_step);
criterion_main!(benches);
