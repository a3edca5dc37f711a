//! The team's reporter token, read from `[report] token_file` at each send (so a new token
//! needs no restart) and kept out of every message: errors name the file, never its text.

use std::fmt;
use std::path::PathBuf;

/// Longer than any token a dashboard hands out; a bigger file is the wrong file.
const MOST_BYTES: u64 = 4096;

/// A bearer token. Its `Debug` hides it, so it cannot reach a log by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(…)")
    }
}

impl Token {
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The token from a file's text: surrounding whitespace trimmed; printable ASCII only,
    /// as an HTTP header needs.
    pub fn from_text(text: &str) -> Result<Self, &'static str> {
        let token = text.trim();
        if token.is_empty() {
            return Err("is empty");
        }
        if !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err("holds more than one token (or characters a token never has)");
        }
        Ok(Self(token.to_owned()))
    }
}

pub use crate::files::resolve;

/// Reads the token from `configured`, a `[report] token_file` value.
pub fn read(configured: &str) -> Result<Token, String> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let path = resolve(configured, home.as_deref())
        .ok_or_else(|| format!("the reporter token file {configured}: HOME is not set"))?;
    let failed = |why: String| format!("the reporter token file {configured}: {why}");
    let size = std::fs::metadata(&path)
        .map_err(|e| failed(e.to_string()))?
        .len();
    if size > MOST_BYTES {
        return Err(failed(format!("is {size} bytes, too big for a token")));
    }
    let text = std::fs::read_to_string(&path).map_err(|e| failed(e.to_string()))?;
    Token::from_text(&text).map_err(|why| failed(why.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_read_trimmed_and_never_shown() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("team-token");
        std::fs::write(&file, "  s3cret-Team.token_1\n").unwrap();
        let token = read(file.to_str().unwrap()).unwrap();
        assert_eq!(token.expose(), "s3cret-Team.token_1");
        assert_eq!(format!("{token:?}"), "Token(…)");

        std::fs::write(&file, "two tokens\n").unwrap();
        let err = read(file.to_str().unwrap()).unwrap_err();
        assert!(
            !err.contains("tokens\n") && err.contains("more than one"),
            "{err}"
        );
        std::fs::write(&file, "\n").unwrap();
        assert!(
            read(file.to_str().unwrap())
                .unwrap_err()
                .ends_with("is empty")
        );
        std::fs::write(&file, "x".repeat(5000)).unwrap();
        assert!(
            read(file.to_str().unwrap())
                .unwrap_err()
                .contains("too big")
        );
        let missing = dir.path().join("nope");
        let err = read(missing.to_str().unwrap()).unwrap_err();
        assert!(err.contains("No such file"), "{err}");
    }

    #[test]
    fn tilde_is_the_home_directory() {
        let home = std::path::Path::new("/home/sam");
        assert_eq!(
            resolve("~/.config/clockoff/token", Some(home)),
            Some(PathBuf::from("/home/sam/.config/clockoff/token"))
        );
        assert_eq!(
            resolve("/etc/clockoff/token", Some(home)),
            Some(PathBuf::from("/etc/clockoff/token"))
        );
        assert_eq!(resolve("~/t", None), None);
    }
}
