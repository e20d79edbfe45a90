//! initsift's studies: the driver every study binary shares ([`driver`]), seeds, statistics,
//! figures and the report writer, the XOR studies' machinery ([`xor`], [`xor_report`]) and the
//! write-up's own runs and printed figures ([`writeup`]).

#![warn(missing_docs)]

pub mod cli;
pub mod driver;
pub mod plot;
pub mod real;
pub mod report;
pub mod seed;
pub mod stats;
pub mod writeup;
pub mod xor;
pub mod xor_report;
