//! The daemon behind `clockoff run`: one event loop that owns the state.

pub mod activity;
