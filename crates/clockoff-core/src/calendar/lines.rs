//! RFC 5545's content lines: folded lines joined, each split into its name, parameters and
//! value. Every property keeps the line it started on, so errors can point at it.

use super::Problem;

/// One property (`DTSTART;TZID=Europe/London:20270108T170000`), name upper-cased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    pub line: usize,
    pub name: String,
    pub params: Vec<(String, String)>,
    pub value: String,
}

impl Property {
    /// A parameter's value (names are case-insensitive), quotes removed.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A line longer than this, folded or not, is not a calendar (RFC 5545 folds at 75
/// octets; a long description may run to a few kilobytes).
const MAX_LOGICAL_LINE: usize = 256 * 1024;

/// Unfolds `text` and parses each logical line. Blank lines are skipped, as Outlook and
/// Google both end files with one.
pub fn properties(text: &str) -> impl Iterator<Item = Result<Property, Problem>> + '_ {
    Unfolded::new(text).filter_map(|(line, logical)| match logical {
        Err(problem) => Some(Err(problem)),
        Ok(text) if text.trim().is_empty() => None,
        Ok(text) => Some(parse(line, &text)),
    })
}

/// Logical lines with the number of the physical line each starts on.
struct Unfolded<'a> {
    physical: std::iter::Peekable<std::iter::Enumerate<std::str::Split<'a, char>>>,
}

impl<'a> Unfolded<'a> {
    fn new(text: &'a str) -> Self {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        Self {
            physical: text.split('\n').enumerate().peekable(),
        }
    }
}

impl Iterator for Unfolded<'_> {
    type Item = (usize, Result<String, Problem>);

    fn next(&mut self) -> Option<Self::Item> {
        let (index, first) = self.physical.next()?;
        let line = index + 1;
        if first.len() > MAX_LOGICAL_LINE {
            return Some((line, Err(Problem::at(line, "a line longer than 256 KiB"))));
        }
        let mut logical = first.strip_suffix('\r').unwrap_or(first).to_string();
        while let Some((_, next)) = self
            .physical
            .next_if(|(_, next)| next.starts_with([' ', '\t']))
        {
            let next = next.strip_suffix('\r').unwrap_or(next);
            logical.push_str(&next[1..]);
            if logical.len() > MAX_LOGICAL_LINE {
                // Skip the rest of this line's continuations, then say so.
                while self
                    .physical
                    .next_if(|(_, n)| n.starts_with([' ', '\t']))
                    .is_some()
                {}
                return Some((
                    line,
                    Err(Problem::at(
                        line,
                        "a line longer than 256 KiB once unfolded",
                    )),
                ));
            }
        }
        Some((line, Ok(logical)))
    }
}

fn parse(line: usize, text: &str) -> Result<Property, Problem> {
    let bad = |what: &str| Problem::at(line, format!("{what}: \"{}\"", shorten(text)));
    let name_end = text
        .find([';', ':'])
        .ok_or_else(|| bad("not a content line (no \":\")"))?;
    let name = &text[..name_end];
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(bad("not a property name"));
    }
    let mut params = Vec::new();
    let mut rest = &text[name_end..];
    while let Some(after) = rest.strip_prefix(';') {
        let eq = after
            .find('=')
            .ok_or_else(|| bad("a parameter with no \"=\""))?;
        let param_name = &after[..eq];
        let (value, tail) =
            param_value(&after[eq + 1..]).ok_or_else(|| bad("an unclosed quote"))?;
        params.push((param_name.to_ascii_uppercase(), value));
        rest = tail;
    }
    let value = rest
        .strip_prefix(':')
        .ok_or_else(|| bad("not a content line (no \":\" after the parameters)"))?;
    Ok(Property {
        line,
        name: name.to_ascii_uppercase(),
        params,
        value: value.to_string(),
    })
}

/// A parameter value, quoted or not (a list's items are kept together, commas and all),
/// and what follows it.
fn param_value(text: &str) -> Option<(String, &str)> {
    let mut value = String::new();
    let mut rest = text;
    loop {
        if let Some(quoted) = rest.strip_prefix('"') {
            let close = quoted.find('"')?;
            value.push_str(&quoted[..close]);
            rest = &quoted[close + 1..];
        } else {
            let end = rest.find([',', ';', ':']).unwrap_or(rest.len());
            value.push_str(&rest[..end]);
            rest = &rest[end..];
        }
        match rest.strip_prefix(',') {
            Some(more) => {
                value.push(',');
                rest = more;
            }
            None => return Some((value, rest)),
        }
    }
}

/// TEXT values: `\n`, `\,`, `\;` and `\\` unescaped (RFC 5545 3.3.11).
pub fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// A comma-separated TEXT list (CATEGORIES), each item unescaped.
pub fn text_list(text: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut current = String::new();
    let mut escaped = false;
    for c in text.chars() {
        match (escaped, c) {
            (false, '\\') => {
                escaped = true;
                current.push(c);
            }
            (false, ',') => items.push(unescape(&std::mem::take(&mut current))),
            _ => {
                escaped = false;
                current.push(c);
            }
        }
    }
    items.push(unescape(&current));
    items
}

/// The start of a line, for an error message.
pub fn shorten(text: &str) -> String {
    const MAX: usize = 60;
    match text.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str) -> Vec<Property> {
        properties(text).map(|p| p.unwrap()).collect()
    }

    #[test]
    fn folded_lines_are_joined_and_keep_their_first_line_number() {
        let props = all(
            "BEGIN:VEVENT\r\nDESCRIPTION:Long text th\r\n at goes on\r\n\tand on\r\nEND:VEVENT\r\n",
        );
        assert_eq!(props[1].name, "DESCRIPTION");
        assert_eq!(props[1].value, "Long text that goes onand on");
        assert_eq!(props[1].line, 2);
        assert_eq!(props[2].line, 5);
    }

    #[test]
    fn parameters_quoted_or_listed_and_a_colon_in_a_quoted_value() {
        let p = &all("dtStart;tzid=\"GMT Standard Time\";X-A=b,\"c:d\":20270212T130000")[0];
        assert_eq!(p.name, "DTSTART");
        assert_eq!(p.param("TZID"), Some("GMT Standard Time"));
        assert_eq!(p.param("x-a"), Some("b,c:d"));
        assert_eq!(p.value, "20270212T130000");
        let url = &all("URL:https://example.org/a?b=c")[0];
        assert_eq!(url.value, "https://example.org/a?b=c");
    }

    #[test]
    fn malformed_lines_name_their_line() {
        let errors: Vec<_> = properties("BEGIN:VCALENDAR\nno colon here\nX;A:1\nX;A=\"open:1\n")
            .filter_map(Result::err)
            .collect();
        assert_eq!(errors.len(), 3);
        assert_eq!(errors[0].line, Some(2));
        assert!(
            errors[0].message.contains("no \":\""),
            "{}",
            errors[0].message
        );
        assert_eq!(errors[1].line, Some(3));
        assert!(errors[2].message.contains("unclosed quote"));
    }

    #[test]
    fn text_is_unescaped_and_lists_split_on_unescaped_commas() {
        assert_eq!(unescape("a\\, b\\;c\\nd\\\\"), "a, b;c\nd\\");
        assert_eq!(
            text_list("Leave,Out\\, of office"),
            ["Leave", "Out, of office"]
        );
    }

    #[test]
    fn an_endless_folded_line_is_refused_without_reading_it_all_into_one_value() {
        let mut text = String::from("DESCRIPTION:x\r\n");
        for _ in 0..10_000 {
            text.push_str(" 0123456789012345678901234567890123456789\r\n");
        }
        text.push_str("SUMMARY:after\r\n");
        let results: Vec<_> = properties(&text).collect();
        assert!(results[0].as_ref().unwrap_err().message.contains("256 KiB"));
        assert_eq!(results[1].as_ref().unwrap().value, "after");
    }
}
