//! The dashboard's tests in one binary: the API, the pages, both stores, and a manager's visit
//! in headless Chromium.
// A scenario test reads top to bottom, as the worker lives it: length is not a smell here.
#![allow(clippy::too_many_lines)]

mod support;

mod api;
mod malformed;
mod padding;
mod pages;
mod store;
mod web;
