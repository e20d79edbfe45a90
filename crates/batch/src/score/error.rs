//! How the kernels' own error reaches the scorers' [`ScoreError`].

use initsift_init::select::ScoreError;

use crate::IsaError;

impl From<IsaError> for ScoreError {
    fn from(e: IsaError) -> Self {
        ScoreError::Isa(e.to_string())
    }
}
