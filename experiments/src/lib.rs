//! initsift's studies: the driver every study binary shares ([`driver`]), seeds, statistics,
//! figures and the report writer, the XOR studies' machinery ([`xor`], [`xor_report`]) and the
//! write-up's own runs and printed figures ([`writeup`]); the proposal's design on the XOR
//! presets ([`grid`], [`grid_report`]), its cost model ([`cost`], [`cost_report`]) and basin
//! maps of init space ([`basin`], [`basin_report`]); which quantity at init predicts the outcome
//! ([`predictors`]).

#![warn(missing_docs)]

pub mod basin;
pub mod basin_report;
pub mod cli;
pub mod cost;
pub mod cost_report;
pub mod driver;
pub mod grid;
pub mod grid_report;
pub mod leaderboard;
pub mod plot;
pub mod predictors;
pub mod real;
pub mod report;
pub mod seed;
pub mod stats;
pub mod variance;
pub mod writeup;
pub mod xor;
pub mod xor_report;
