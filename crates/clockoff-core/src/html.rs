//! Escaping shared by everything the project renders as markup (the worker's export report,
//! the dashboard's pages, notification bodies), so there is one rule to get right.

/// Text made safe for HTML content and (quoted) attribute values.
pub fn escape(text: &str) -> String {
    escape_with(text, true)
}

/// Text made safe for markup content only: notification bodies, which most servers (dunst,
/// GNOME, KDE, XFCE, mako) read as markup, and where quotes stay as they are.
pub fn escape_content(text: &str) -> String {
    escape_with(text, false)
}

fn escape_with(text: &str, quotes: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if quotes => out.push_str("&quot;"),
            '\'' if quotes => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_for_content_and_attributes() {
        assert_eq!(
            escape("<b>\"Tom & Jerry's\"</b>"),
            "&lt;b&gt;&quot;Tom &amp; Jerry&#39;s&quot;&lt;/b&gt;"
        );
        assert_eq!(escape("Team 3 (Leeds)"), "Team 3 (Leeds)");
    }

    #[test]
    fn notification_text_escapes_markup_and_keeps_quotes() {
        assert_eq!(
            escape_content("AT&T <b>\"x\"</b>"),
            "AT&amp;T &lt;b&gt;\"x\"&lt;/b&gt;"
        );
        assert_eq!(escape_content("Teams 9"), "Teams 9");
    }
}
