//! A fuzz loop for the command line's input parsers that runs on the stable toolchain:
//! mutates a corpus of valid inputs (CSV files, `--arch`, `--select`, `--optim`, `--shard`,
//! `--init` values) with a seeded generator and feeds them to the parsers, for a given time.
//! A panic is a finding: the input is written to `fuzz-finding-N.bin` and the loop exits 1.
//!
//! ```sh
//! cargo run --release --example fuzz_inputs -- 60      # seconds (default 10)
//! ```

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use initsift::cli::parse::{
    parse_act, parse_arch, parse_init, parse_loss, parse_optim, parse_select, parse_shard,
};
use initsift::data::{TargetKind, parse_csv, parse_csv_with_target};
use initsift::nn::{Activation, ModelSpec};

const CORPUS: &[&[u8]] = &[
    b"a,b,target\n1,2,0\n3,4,1\n",
    b"x1,x2,x3,target\r\n0.5,-1e3,2,1.5\r\n1,2,3,4\r\n\r\n",
    b"\xef\xbb\xbf\"a\",\"target\"\n1,0\n",
    b"label,f\n0,1\n1,2\n2,3\n",
    b"64-32-10",
    b"best_of:1000",
    b"percentile:2.5",
    b"threshold:0.07",
    b"adaptive:pilot=100",
    b"sgd:lr=0.1,momentum=0.9,nesterov=true",
    b"adamw:lr=1e-3,weight_decay=0.01,amsgrad=false",
    b"rmsprop:lr=0.01,alpha=0.9,centered=true",
    b"3/8",
    b"kaiming_normal",
    b"normal:0.05",
    b"leaky_relu:0.2",
];

const ALPHABET: &[u8] = b"0123456789-.,:=/\n\r\"e+ atxnif_\xff\x00\x1f\x8b";

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> usize {
        // SplitMix64.
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) as usize
    }
}

fn mutate(rng: &mut Rng, input: &mut Vec<u8>) {
    for _ in 0..1 + rng.next() % 6 {
        let at = rng.next() % (input.len() + 1);
        match rng.next() % 5 {
            0 if at < input.len() => input[at] = ALPHABET[rng.next() % ALPHABET.len()],
            1 if at < input.len() => {
                input.remove(at);
            }
            2 => {
                let other = CORPUS[rng.next() % CORPUS.len()];
                let cut = rng.next() % (other.len() + 1);
                input.splice(at..at, other[..cut].iter().copied());
            }
            3 if at < input.len() => input[at] = (rng.next() & 0xff) as u8,
            _ => input.insert(at, ALPHABET[rng.next() % ALPHABET.len()]),
        }
    }
}

fn exercise(input: &[u8], spec: &ModelSpec) {
    for kind in [
        TargetKind::Infer,
        TargetKind::Classification,
        TargetKind::Regression,
    ] {
        let _ = parse_csv(input, "fuzz.csv", kind);
        let _ = parse_csv_with_target(input, "fuzz.csv", kind, "label");
    }
    let text = String::from_utf8_lossy(input);
    let _ = parse_arch(&text);
    let _ = parse_select(&text);
    let _ = parse_optim(&text);
    let _ = parse_shard(&text);
    let _ = parse_loss(&text);
    let _ = parse_act(&text);
    let _ = parse_init(&text, spec, Activation::Relu);
}

fn main() {
    let seconds: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let spec = ModelSpec::mlp("3-2", Activation::Relu).expect("valid");
    let mut rng = Rng(0x1A17_5EED);
    let start = Instant::now();
    let mut runs = 0u64;
    std::panic::set_hook(Box::new(|_| {}));
    while start.elapsed() < Duration::from_secs(seconds) {
        let mut input = CORPUS[rng.next() % CORPUS.len()].to_vec();
        mutate(&mut rng, &mut input);
        if catch_unwind(AssertUnwindSafe(|| exercise(&input, &spec))).is_err() {
            let file = format!("fuzz-finding-{runs}.bin");
            let _ = std::fs::write(&file, &input);
            eprintln!(
                "panic on input {:?} (saved to {file})",
                String::from_utf8_lossy(&input)
            );
            std::process::exit(1);
        }
        runs += 1;
    }
    println!("{runs} inputs in {seconds} s, no panics");
}
