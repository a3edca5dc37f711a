//! Reloads the config when its files change on disk. Watches the directories, not the files:
//! editors save by writing a new file and renaming it over the old one.

use std::collections::HashMap;
use std::ffi::OsString;
use std::io;
use std::path::PathBuf;
use std::time::Duration;

use futures_util::StreamExt;
use inotify::{Inotify, WatchMask};

use super::event::{Event, EventSender};

/// Editors write in bursts (write, rename, chmod); one reload after the burst settles.
const SETTLE: Duration = Duration::from_millis(200);

/// Sends `to_send()` ([`Event::ConfigChanged`], [`Event::CalendarFileChanged`]) after any of
/// `files` is written, replaced or removed. Directories that do not exist are skipped.
pub async fn watch(
    files: Vec<PathBuf>,
    to_send: fn() -> Event,
    events: EventSender,
) -> io::Result<()> {
    let inotify = Inotify::init()?;
    let mut names: HashMap<inotify::WatchDescriptor, Vec<OsString>> = HashMap::new();
    for file in &files {
        let (Some(dir), Some(name)) = (file.parent().filter(|d| d.is_dir()), file.file_name())
        else {
            continue;
        };
        let mask = WatchMask::CLOSE_WRITE
            | WatchMask::MOVED_TO
            | WatchMask::MOVED_FROM
            | WatchMask::CREATE
            | WatchMask::DELETE;
        let wd = inotify.watches().add(dir, mask)?;
        names.entry(wd).or_default().push(name.to_owned());
    }
    if names.is_empty() {
        return Ok(());
    }
    let mut stream = inotify.into_event_stream([0u8; 4096])?;
    while let Some(event) = stream.next().await {
        let event = event?;
        let ours = event
            .name
            .as_ref()
            .is_some_and(|n| names.get(&event.wd).is_some_and(|ns| ns.contains(n)));
        if !ours {
            continue;
        }
        // Let the burst finish: swallow events until things stay quiet for SETTLE.
        while let Ok(Some(more)) = tokio::time::timeout(SETTLE, stream.next()).await {
            more?;
        }
        if events.send(to_send()).is_err() {
            break;
        }
    }
    Ok(())
}
