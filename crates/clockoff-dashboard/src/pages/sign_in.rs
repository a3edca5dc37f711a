//! The sign-in page: one field for a viewer token, posted to the page's own URL. The server
//! checks it and sets the session cookie; this only renders the form and, after a failed
//! attempt, the server's message.

use std::fmt::Write;

use super::style::document;
use clockoff_core::html::escape;

/// The sign-in page; `error` is the message to show after a failed attempt (plain text).
pub fn sign_in(error: Option<&str>) -> String {
    let mut main = String::from(
        "<h1>Sign in</h1>\n\
         <p class=\"lede\">Use the viewer token your dashboard administrator gave you. It shows \
         the figures of your unit and the units below it.</p>\n",
    );
    // The error is announced (role="alert") and tied to the field, which is marked invalid.
    let (invalid, described) = match error {
        Some(message) => {
            let _ = writeln!(
                main,
                "<p class=\"error\" id=\"token-error\" role=\"alert\">{}</p>",
                escape(message)
            );
            (" aria-invalid=\"true\"", "token-error token-help")
        }
        None => ("", "token-help"),
    };
    // No action: the form posts back to the URL it was served from, whatever the server
    // mounts it at. autocomplete="off": a token is not a password for the browser to keep.
    let _ = write!(
        main,
        "<form class=\"sign-in\" method=\"post\">\n\
         <label for=\"token\">Viewer token</label>\n\
         <p class=\"muted\" id=\"token-help\">A long code; paste it as it is.</p>\n\
         <input type=\"password\" id=\"token\" name=\"token\" autocomplete=\"off\" required \
         spellcheck=\"false\" aria-describedby=\"{described}\"{invalid}>\n\
         <button type=\"submit\">Sign in</button>\n</form>\n"
    );
    document("Sign in", &main)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_posts_a_token_field_with_its_label() {
        let page = sign_in(None);
        assert!(page.starts_with("<!doctype html>\n<html lang=\"en-GB\">"));
        assert!(page.contains("<form class=\"sign-in\" method=\"post\">"));
        assert!(page.contains("<label for=\"token\">Viewer token</label>"));
        assert!(page.contains(
            "<input type=\"password\" id=\"token\" name=\"token\" autocomplete=\"off\" required"
        ));
        assert!(!page.contains("role=\"alert\""));
        assert!(!page.contains(" aria-invalid=\"true\""));
        assert!(page.contains("<main id=\"main\">") && page.contains("<h1>Sign in</h1>"));
        assert!(!page.contains("<script"));
    }

    #[test]
    fn an_error_is_escaped_announced_and_tied_to_the_field() {
        let page = sign_in(Some("That token <b>is</b> not known & was not accepted."));
        assert!(page.contains(
            "<p class=\"error\" id=\"token-error\" role=\"alert\">That token &lt;b&gt;is&lt;/b&gt; not known &amp; was not accepted.</p>"
        ));
        assert!(page.contains("aria-describedby=\"token-error token-help\" aria-invalid=\"true\""));
    }
}
