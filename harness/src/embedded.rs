//! Files under `scenarios/`, embedded at build time by `build.rs`: (path relative to
//! `scenarios/`, contents).
include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
