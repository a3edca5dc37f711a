//! Durations as people write them in config and on the command line: `0s`, `90s`, `10m`,
//! `37h`, `1h30m`, `7h24m30s`. Units in descending order, each at most once.

use std::time::Duration;

pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let expected = || {
        format!("bad duration \"{s}\": expected e.g. \"30m\", \"37h\" or \"1h30m\" (units h, m, s)")
    };
    let mut rest = s.trim();
    if rest.is_empty() {
        return Err(expected());
    }
    let mut total: u64 = 0;
    let mut last_unit_rank = 0;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .ok_or_else(expected)?;
        if digits == 0 {
            return Err(expected());
        }
        let value: u64 = rest[..digits].parse().map_err(|_| expected())?;
        let unit = rest[digits..].chars().next().ok_or_else(expected)?;
        let (rank, seconds) = match unit {
            'h' => (1, 3600),
            'm' => (2, 60),
            's' => (3, 1),
            _ => return Err(expected()),
        };
        if rank <= last_unit_rank {
            return Err(expected());
        }
        last_unit_rank = rank;
        total = value
            .checked_mul(seconds)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| format!("duration \"{s}\" is too long"))?;
        rest = &rest[digits + 1..];
    }
    Ok(Duration::from_secs(total))
}

/// Signed minutes for people: "6h 40m", or "-45m" for a balance overdrawn. The record's
/// figures are whole minutes as `i64`; only a TOIL balance can be negative.
pub fn minutes_text(minutes: i64) -> String {
    let sign = if minutes < 0 { "-" } else { "" };
    format!("{sign}{}", hours_minutes(minutes.unsigned_abs()))
}

/// Minutes for people: "45m", "2h", "6h 40m".
pub fn hours_minutes(minutes: u64) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m}m"),
        (h, 0) => format!("{h}h"),
        (h, m) => format!("{h}h {m}m"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_forms() {
        for (text, secs) in [
            ("0s", 0),
            ("90s", 90),
            ("10m", 600),
            ("37h", 37 * 3600),
            ("1h30m", 5400),
            ("7h24m30s", 26670),
        ] {
            assert_eq!(
                parse_duration(text),
                Ok(Duration::from_secs(secs)),
                "{text}"
            );
        }
    }

    #[test]
    fn rejects_everything_else() {
        for bad in [
            "",
            "h",
            "10",
            "1.5h",
            "30m1h",
            "1h1h",
            "-1h",
            "1d",
            "1 h",
            "99999999999999999999h",
            "18446744073709551615h",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
