//! What the training page (`graphs/train.html`) must show, computed natively, as JSON for
//! `tests/browser/check_train.py`: the tutorial preset's loss every 1,000 epochs, and after
//! 10,000 epochs sample 1's look-inside loss and every parameter's gradient.
//!
//! Run: `cargo run -p scalargrad-web --bin train-fixture`. It also gives the time the 10,000
//! epochs took (`ms`; meaningful with `--release`), for BENCHMARKS.md.

use scalargrad::Graph;
use scalargrad::train::{Config, Session};

fn main() {
    let g = Graph::new();
    let mut s = Session::new(&g, Config::tutorial()).expect("the tutorial preset builds");
    let mut lines = Vec::new();
    let start = std::time::Instant::now();
    for _ in 0..10_000 {
        let r = s.step();
        if r.epoch.is_multiple_of(1000) {
            lines.push(format!("[{},{:?}]", r.epoch, r.loss));
        }
    }
    let ms = start.elapsed().as_secs_f64() * 1e3;
    let h = Graph::new();
    let ins = s.inspect(&h, 1).expect("sample 1 exists");
    let grads: Vec<String> = ins
        .parameters
        .iter()
        .map(|p| format!("{:?}", p.grad()))
        .collect();
    println!(
        "{{\"ms\":{ms:.1},\"lines\":[{}],\"accuracy\":{:?},\"loss\":{:?},\"inspect\":{{\"sample\":1,\"loss\":{:?},\"grads\":[{}]}}}}",
        lines.join(","),
        s.accuracy(),
        s.loss(),
        ins.loss.data(),
        grads.join(",")
    );
}
