//! initsift
