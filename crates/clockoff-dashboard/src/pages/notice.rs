//! A short page with one message: a unit the viewer may not open, a failure. It names
//! nothing the viewer did not ask for, and links home.

use super::style::document;
use clockoff_core::html::escape;

/// `title` as the heading, `message` below it (both plain text), then a link to `/`.
pub fn notice(title: &str, message: &str) -> String {
    let main = format!(
        "<h1>{}</h1>\n<p>{}</p>\n<p><a href=\"/\">Go to your unit's page</a></p>\n",
        escape(title),
        escape(message)
    );
    document(title, &main)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_message_is_escaped() {
        let page = super::notice("Not available", "<b>x</b>");
        assert!(page.contains("<h1>Not available</h1>\n<p>&lt;b&gt;x&lt;/b&gt;</p>"));
    }
}
