//! A config file's text and name, and turning byte spans into `file:line:col`.

use std::fmt;
use std::ops::Range;

#[derive(Debug, Clone)]
pub struct Source {
    /// What the user knows the file as: its path, or `<built-in default>`.
    pub name: String,
    pub text: String,
}

/// A place in a config file, 1-based line and column (in characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

impl Source {
    pub fn locate(&self, span: &Range<usize>) -> Location {
        let offset = span.start.min(self.text.len());
        // A span may point inside a multi-byte character; step back to its start.
        let offset = (0..=offset)
            .rev()
            .find(|&i| self.text.is_char_boundary(i))
            .unwrap_or(0);
        let before = &self.text[..offset];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Location {
            file: self.name.clone(),
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_lines_and_character_columns() {
        let source = Source {
            name: "c.toml".into(),
            text: "a = 1\n# é\nb = \"é25:00\"\n".into(),
        };
        let b = source.text.find("b =").unwrap();
        assert_eq!(source.locate(&(b..b + 1)).to_string(), "c.toml:3:1");
        let t = source.text.find("25").unwrap();
        assert_eq!(source.locate(&(t..t + 1)).to_string(), "c.toml:3:7");
        assert_eq!(source.locate(&(t - 1..t)).column, 6, "inside é counts as é");
        assert_eq!(source.locate(&(999..1000)).line, 4);
    }
}
