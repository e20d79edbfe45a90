//! initsift-init (in progress)
