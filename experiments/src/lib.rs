//! initsift's studies: shared statistics, options and the report writer used by every
//! experiment binary.

#![warn(missing_docs)]

pub mod basin;
pub mod basin_report;
pub mod cli;
pub mod cost;
pub mod cost_report;
pub mod grid;
pub mod grid_report;
pub mod plot;
pub mod report;
pub mod stats;
pub mod study;
pub mod writeup;
pub mod xor;
