//! real_tasks: loss-based selection beyond XOR — real data sets, deeper networks, three
//! optimizers (issue 12). The binary is a descriptor (its list of [`config::ConfigPlan`]s); this
//! module is the machinery: the tasks and their data ([`task`]), the arms that pick inits
//! ([`arm`]), the one training seam ([`train`]), the per-arm metrics ([`metrics`]), where low
//! initial loss deceives ([`deceive`]), the report ([`report`]) and its plain-words summary
//! ([`summary`]).

pub mod arm;
pub mod base;
pub mod config;
pub mod deceive;
pub mod metrics;
pub mod report;
pub mod study;
pub mod summary;
pub mod task;
pub mod train;
