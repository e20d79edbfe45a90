//! The initializer leaderboard (issue 15 item 5): every family of initializer side by side on
//! every task of the real-data study at its base configuration and on relu1/relu2 XOR, under
//! one training budget per task. The binary is the descriptor (its entries); this module is
//! the machinery: the tasks ([`task`]), the entries ([`entry`]) and how their inits are made
//! ([`init`]) and counted ([`passes`]), training ([`train`]), the variance tuning ([`tune`]),
//! one task's run ([`board`]), summaries ([`summary`]), the rank with ties ([`rank`]) and the
//! report ([`report`]).

pub mod board;
pub mod entry;
pub mod init;
pub mod passes;
pub mod rank;
pub mod report;
pub mod summary;
pub mod task;
pub mod train;
pub mod tune;
