//! The `initsift` command line: choose an initialization on your data, export it to PyTorch,
//! and measure whether it helps. All logic lives in `initsift::cli`.

fn main() {
    std::process::exit(initsift::cli::main(std::env::args_os()));
}
