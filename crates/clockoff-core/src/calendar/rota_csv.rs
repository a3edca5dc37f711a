//! A rota as a spreadsheet exports it: one row per shift, `date,start,end[,role]`, in the
//! worker's zone. An end at or before the start is the next morning (a night shift); a row
//! with no times is the whole day. Dates as `2027-01-08` or the UK's `08/01/2027`. A first
//! row that is not a shift is a header. The filter's `summary` matches the role.

use chrono::{NaiveDate, NaiveTime, TimeDelta};
use chrono_tz::Tz;

use super::expand::{MAX_OCCURRENCES, Occurrence};
use super::lines::shorten;
use super::{Filter, Problem};
use crate::civil::resolve_local;
use crate::spans::Span;

pub fn occurrences(
    text: &str,
    filter: &Filter,
    tz: Tz,
    window: Span,
) -> Result<Vec<Occurrence>, Problem> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    for (index, row) in text.lines().enumerate() {
        let line = index + 1;
        if row.trim().is_empty() {
            continue;
        }
        let fields = fields(row).ok_or_else(|| Problem::at(line, "an unclosed quote"))?;
        let Some(first) = fields.first() else {
            continue;
        };
        let Some(date) = date(first) else {
            if index == 0 {
                continue;
            }
            return Err(Problem::at(
                line,
                format!(
                    "\"{}\" is not a date (YYYY-MM-DD or DD/MM/YYYY)",
                    shorten(first)
                ),
            ));
        };
        let field = |i: usize| fields.get(i).map_or("", |f| f.trim());
        let occurrence = match (field(1), field(2)) {
            ("", "") => Occurrence::Days(date, date),
            (start, end) => {
                let time = |t: &str| {
                    NaiveTime::parse_from_str(t, "%H:%M").map_err(|_| {
                        Problem::at(line, format!("\"{}\" is not a time (HH:MM)", shorten(t)))
                    })
                };
                let (start, end) = (time(start)?, time(end)?);
                let end_date = if end <= start {
                    date + TimeDelta::days(1)
                } else {
                    date
                };
                Occurrence::Times(Span::new(
                    resolve_local(tz, date.and_time(start)),
                    resolve_local(tz, end_date.and_time(end)),
                ))
            }
        };
        if !filter.keeps(field(3), &[]) {
            continue;
        }
        let touches = occurrence.touches(window, tz);
        if touches {
            out.push(occurrence);
        }
        if out.len() > MAX_OCCURRENCES {
            return Err(Problem::at(
                line,
                format!("more than {MAX_OCCURRENCES} shifts within the dates read"),
            ));
        }
    }
    Ok(out)
}

fn date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    ["%Y-%m-%d", "%d/%m/%Y"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(text, f).ok())
        .filter(|d| (1970..=2100).contains(&chrono::Datelike::year(d)))
}

/// A CSV row's fields (RFC 4180 quoting: `"a, b"` and `""` for a quote), or `None` for an
/// unclosed quote.
fn fields(row: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut chars = row.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (false, ',') => out.push(std::mem::take(&mut field)),
            (false, '"') if field.trim().is_empty() => {
                field.clear();
                quoted = true;
            }
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (_, c) => field.push(c),
        }
    }
    if quoted {
        return None;
    }
    out.push(field);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields() {
        assert_eq!(
            fields("a,\"b, c\",\"say \"\"hi\"\"\"").unwrap(),
            ["a", "b, c", "say \"hi\""]
        );
        assert_eq!(fields("a,\"b"), None);
    }
}
