//! initsift-data (in progress)
