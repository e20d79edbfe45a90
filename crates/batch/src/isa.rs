//! Instruction sets and run-time dispatch.
//!
//! Kernels are written once as `#[inline(always)]` functions over fixed-size lane arrays; the
//! [`isa_dispatch!`](crate::isa_dispatch) macro compiles a body three times — for AVX-512,
//! AVX2+FMA and the portable baseline — and calls the clone the chosen [`Isa`] names. Nothing is
//! compiled with `target-cpu=native`: the ISA is picked at run time, so one binary runs
//! everywhere, and tests can run every path the machine has. Rust never fuses `a*b + c` on its
//! own, so all clones round identically and give bit-identical results.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The environment variable that forces an ISA (`auto`, `avx512`, `avx2` or `portable`).
pub const ISA_ENV: &str = "INITSIFT_ISA";

/// An instruction set a kernel clone is compiled for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Isa {
    /// AVX-512 F/DQ/VL/BW with FMA (x86-64-v4).
    Avx512,
    /// AVX2 with FMA (x86-64-v3).
    Avx2,
    /// The target's baseline (SSE2 on x86-64); runs anywhere.
    Portable,
}

/// An ISA that was asked for but cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IsaError {
    /// A name that is not an ISA.
    #[error("unknown ISA `{0}`; known: auto, avx512, avx2, portable")]
    Unknown(String),
    /// An ISA this CPU does not support.
    #[error(
        "ISA {requested} was requested (from {source_name}) but this CPU does not support it; available: {available}"
    )]
    Unsupported {
        /// The ISA asked for.
        requested: Isa,
        /// Where the request came from (an option or the environment variable).
        source_name: String,
        /// The ISAs this CPU has.
        available: String,
    },
}

impl Isa {
    /// Every ISA, best first.
    pub const ALL: [Isa; 3] = [Isa::Avx512, Isa::Avx2, Isa::Portable];

    /// The short name used in options, reports and benchmark ids.
    pub fn name(self) -> &'static str {
        match self {
            Isa::Avx512 => "avx512",
            Isa::Avx2 => "avx2",
            Isa::Portable => "portable",
        }
    }

    /// Whether this CPU can run the clone.
    pub fn is_supported(self) -> bool {
        match self {
            Isa::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma"),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => {
                is_x86_feature_detected!("avx512f")
                    && is_x86_feature_detected!("avx512dq")
                    && is_x86_feature_detected!("avx512vl")
                    && is_x86_feature_detected!("avx512bw")
                    && is_x86_feature_detected!("avx2")
                    && is_x86_feature_detected!("fma")
            }
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// The ISAs this CPU supports, best first (always ends with `Portable`).
    pub fn available() -> Vec<Isa> {
        Self::ALL.into_iter().filter(|i| i.is_supported()).collect()
    }

    /// The best ISA this CPU supports.
    pub fn best() -> Isa {
        Self::available()[0]
    }

    /// The ISA to use: `requested` if given, else [`ISA_ENV`] if set, else the best. A forced ISA
    /// the CPU lacks is an error, never a silent fallback.
    pub fn select(requested: Option<Isa>) -> Result<Isa, IsaError> {
        let (isa, source_name) = match requested {
            Some(isa) => (Some(isa), "the isa option".to_string()),
            None => match std::env::var(ISA_ENV) {
                Ok(v) if !v.trim().is_empty() && v.trim() != "auto" => {
                    (Some(v.parse::<Isa>()?), format!("{ISA_ENV}={v}"))
                }
                _ => (None, String::new()),
            },
        };
        match isa {
            None => Ok(Self::best()),
            Some(isa) if isa.is_supported() => Ok(isa),
            Some(requested) => Err(IsaError::Unsupported {
                requested,
                source_name,
                available: Self::available()
                    .iter()
                    .map(|i| i.name())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }
}

impl fmt::Display for Isa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Isa {
    type Err = IsaError;
    fn from_str(s: &str) -> Result<Self, IsaError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "avx512" | "avx-512" => Ok(Isa::Avx512),
            "avx2" => Ok(Isa::Avx2),
            "portable" | "scalar" | "fallback" => Ok(Isa::Portable),
            _ => Err(IsaError::Unknown(s.to_string())),
        }
    }
}

/// Defines `fn NAME(isa: Isa, args…) -> R` whose body is compiled three times, for AVX-512,
/// AVX2+FMA and the portable baseline, and runs the clone `isa` names. `isa` must come from
/// [`Isa::select`] or pass [`Isa::is_supported`]; an unsupported one runs the portable clone.
///
/// The body should call `#[inline(always)]` lane-loop helpers so they are compiled inside each
/// clone with its features.
#[macro_export]
macro_rules! isa_dispatch {
    ($(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident : $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block) => {
        $(#[$meta])*
        $vis fn $name(isa: $crate::Isa, $($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx512f,avx512dq,avx512vl,avx512bw,avx2,fma")]
            fn avx512($($arg: $ty),*) $(-> $ret)? $body
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx2,fma")]
            fn avx2($($arg: $ty),*) $(-> $ret)? $body
            fn portable($($arg: $ty),*) $(-> $ret)? $body
            match isa {
                #[cfg(target_arch = "x86_64")]
                // SAFETY: the CPU was checked to support every feature the clone enables.
                $crate::Isa::Avx512 if isa.is_supported() => unsafe { avx512($($arg),*) },
                #[cfg(target_arch = "x86_64")]
                // SAFETY: the CPU was checked to support AVX2 and FMA.
                $crate::Isa::Avx2 if isa.is_supported() => unsafe { avx2($($arg),*) },
                _ => portable($($arg),*),
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::isa_dispatch! {
        /// A lane loop with division and sqrt: every clone must give the same bits.
        fn lane_kernel(xs: &[f32], out: &mut [f32]) {
            for (o, &x) in out.iter_mut().zip(xs) {
                *o = (x * 1.7 + 0.3).abs().sqrt() / (1.0 + x * x);
            }
        }
    }

    #[test]
    fn every_available_clone_gives_the_same_bits() {
        let xs: Vec<f32> = (0..1000).map(|i| (i as f32 - 500.0) * 0.0137).collect();
        let mut reference = vec![0.0; xs.len()];
        lane_kernel(Isa::Portable, &xs, &mut reference);
        for isa in Isa::available() {
            let mut out = vec![0.0; xs.len()];
            lane_kernel(isa, &xs, &mut out);
            assert_eq!(out, reference, "{isa}");
        }
    }

    #[test]
    fn names_round_trip_and_unknown_names_are_errors() {
        for isa in Isa::ALL {
            assert_eq!(isa.name().parse::<Isa>().unwrap(), isa);
        }
        let err = "sse9".parse::<Isa>().unwrap_err().to_string();
        assert!(err.contains("sse9") && err.contains("avx2"), "{err}");
        assert_eq!(Isa::available().last(), Some(&Isa::Portable));
        assert_eq!(Isa::select(Some(Isa::Portable)).unwrap(), Isa::Portable);
        for isa in Isa::ALL {
            match Isa::select(Some(isa)) {
                Ok(got) => assert!(got == isa && isa.is_supported()),
                Err(e) => assert!(!isa.is_supported() && e.to_string().contains(isa.name())),
            }
        }
    }
}
