//! clockoff's own notices: the digest of what was held while the worker was off, and the
//! gentle question when working hours end.

mod digest;
mod end_of_hours;

pub use digest::{Digest, digest, show_digest};
pub use end_of_hours::{EndOfHours, end_of_hours};

/// The app name on clockoff's own notifications. A monitor running while one is shown counts
/// it like any other; a caller can leave it out by this name.
pub const APP_NAME: &str = "clockoff";

/// How long a notification server may take to answer a call: it answers at once when it
/// works, and a hung server must not hang the agent.
const ANSWER_WITHIN: std::time::Duration = std::time::Duration::from_secs(10);

/// Text for a notification body. Most servers (dunst, GNOME, KDE, XFCE, mako) read the body
/// as markup, so an app name like "AT&T" would otherwise break or restyle it.
fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn markup_characters_are_escaped() {
        assert_eq!(
            super::escape_markup("AT&T <b>x</b>"),
            "AT&amp;T &lt;b&gt;x&lt;/b&gt;"
        );
        assert_eq!(super::escape_markup("Teams 9"), "Teams 9");
    }
}
