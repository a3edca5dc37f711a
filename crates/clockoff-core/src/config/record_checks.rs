//! `[record]` checked: the TOIL rule and its rate, how long records are kept, each problem
//! at its place.

use super::error::ConfigError;
use super::layers::Merged;
use crate::record::keep::{self, Keep};
use crate::record::toil::Rule;

/// The rate's bounds: below half, TOIL is not "in lieu" of anything; above triple, it is
/// almost certainly a typo (30 for 3.0).
const RATE: std::ops::RangeInclusive<f64> = 0.5..=3.0;

pub fn toil(merged: &Merged, errors: &mut Vec<ConfigError>) -> (Rule, f64) {
    let rule = merged
        .record_toil
        .and_then(|r| match r.value.get_ref().parse::<Rule>() {
            Ok(rule) => Some(rule),
            Err(message) => {
                errors.push(
                    r.layer
                        .error_at(&r.value.span(), format!("record.toil: {message}")),
                );
                None
            }
        })
        .unwrap_or_default();
    let rate = merged
        .record_toil_rate
        .and_then(|r| {
            // Integers are as natural as floats here (`toil_rate = 2`).
            let number = match r.value.get_ref() {
                toml::Value::Float(f) => Some(*f),
                toml::Value::Integer(i) => Some(*i as f64),
                _ => None,
            };
            match number {
                Some(n) if RATE.contains(&n) => Some(n),
                Some(n) => {
                    errors.push(r.layer.error_at(
                        &r.value.span(),
                        format!("record.toil_rate: {n} is out of range: expected 0.5 to 3.0"),
                    ));
                    None
                }
                None => {
                    errors.push(r.layer.error_at(
                        &r.value.span(),
                        "record.toil_rate: expected a number from 0.5 to 3.0, e.g. 1.5",
                    ));
                    None
                }
            }
        })
        .unwrap_or(1.0);
    (rule, rate)
}

pub fn keep(merged: &Merged, errors: &mut Vec<ConfigError>) -> Keep {
    merged
        .record_keep
        .and_then(|k| match Keep::parse(k.value.get_ref()) {
            Ok(keep) => Some(keep),
            Err(message) => {
                errors.push(
                    k.layer
                        .error_at(&k.value.span(), format!("record.keep: {message}")),
                );
                None
            }
        })
        .unwrap_or(keep::DEFAULT)
}
