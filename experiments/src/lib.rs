//! initsift's studies: shared statistics and the report writer used by every experiment
//! binary.

#![warn(missing_docs)]

pub mod stats;
