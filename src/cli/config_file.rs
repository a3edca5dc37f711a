//! The worker's own config file, edited by clockoff's commands (`clockoff setup`,
//! `clockoff leave`) with toml_edit, so their comments and everything the command does not
//! touch stay as written; checked whole, with the organisation's policy, before it is
//! written; and written whole or not at all.

use std::path::Path;

use toml_edit::{DocumentMut, Item, Table};

use super::Failure;
use crate::config::{self, ConfigPaths};

/// The top of a file a command makes.
pub const NEW_FILE: &str = "\
# Your clockoff settings, written by clockoff's commands (`clockoff setup`, `clockoff leave`)
# or by you: your comments are kept. Each key wins over the organisation's policy and the
# built-in default, which `clockoff config default` prints with every key explained.
";

/// The file's text, or `None` if there is no file yet.
pub fn read(path: &Path) -> Result<Option<String>, Failure> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Failure::Runtime(format!("reading {}: {e}", path.display()))),
    }
}

/// The file as a document to edit (an empty one for no file).
pub fn parse(existing: Option<&str>) -> Result<DocumentMut, String> {
    existing
        .unwrap_or_default()
        .parse()
        .map_err(|e: toml_edit::TomlError| e.to_string())
}

/// The edited document as text; a new file starts with [`NEW_FILE`] (a document of comments
/// alone would keep them after the keys set).
pub fn render(existing: Option<&str>, doc: &DocumentMut) -> String {
    match existing {
        Some(_) => doc.to_string(),
        None => format!("{NEW_FILE}\n{doc}"),
    }
}

/// The table `name`, made if the file has none; an error if the file has `name` as
/// something else.
pub fn table<'a>(doc: &'a mut DocumentMut, name: &str) -> Result<&'a mut Table, String> {
    let item = doc.entry(name).or_insert_with(|| Item::Table(Table::new()));
    item.as_table_mut()
        .ok_or_else(|| format!("`{name}` in your config is not a [{name}] table: make it one, or move the file away, and run setup again"))
}

/// The user's file, or why there is none to edit.
pub fn user_path(paths: &ConfigPaths) -> Result<std::path::PathBuf, Failure> {
    paths.user_path().map(Path::to_path_buf).ok_or_else(|| {
        Failure::Usage("no home folder to keep your config in: give --config FILE".into())
    })
}

/// Checks `text` as the user's file with the policy, then writes it whole; on any problem
/// nothing is written.
pub fn check_and_write(paths: &ConfigPaths, path: &Path, text: &str) -> Result<(), Failure> {
    config::load_candidate(paths, text)
        .map_err(|errors| Failure::Usage(format!("{errors}\nnothing written")))?;
    crate::files::write_whole(path, text, 0o644)
        .map_err(|e| Failure::Runtime(format!("writing {}: {e}; nothing written", path.display())))
}

/// The user's file and its document.
pub fn open(paths: &ConfigPaths) -> Result<(Option<String>, DocumentMut), Failure> {
    let path = user_path(paths)?;
    let existing = read(&path)?;
    let doc = parse(existing.as_deref())
        .map_err(|e| Failure::Usage(format!("{}: {e}", path.display())))?;
    Ok((existing, doc))
}

/// Applies `change` to the user's file, checks the result with the policy, writes it whole,
/// and has a running agent read it before saying what changed.
pub fn edit(
    paths: &ConfigPaths,
    change: impl FnOnce(&mut DocumentMut) -> Result<String, Failure>,
) -> Result<(), Failure> {
    let path = user_path(paths)?;
    let (existing, mut doc) = open(paths)?;
    let said = change(&mut doc)?;
    let text = render(existing.as_deref(), &doc);
    check_and_write(paths, &path, &text)?;
    println!("{said}");
    if super::agent_cmd::reload_quietly().is_ok() {
        println!("The running agent has read it.");
    }
    Ok(())
}

pub fn refuse_if_locked(paths: &ConfigPaths, key: &str) -> Result<(), Failure> {
    if config::is_locked(&config::locked_keys(paths), key) {
        return Err(Failure::Usage(format!(
            "your organisation's policy sets `{key}` and locks it: ask whoever manages clockoff where you work"
        )));
    }
    Ok(())
}
