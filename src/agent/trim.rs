//! Once started, the agent hands back the pages of its own code and read-only data that
//! starting touched. Starting (the config, the ledger's migrations, the bus, the tray) runs
//! code from nearly every 64 KiB of the binary, and the kernel maps each of those windows
//! whole at a fault ("fault-around"); none of it runs again while the agent idles, yet it
//! would stay mapped, and counted, all day. `MADV_DONTNEED` on those mappings drops them
//! from this process only: the pages stay in the page cache (shared, clean, reclaimed first),
//! and what the agent runs later (a boundary, a status request) is mapped back from there
//! at a minor fault. docs/benchmarks.md has the figures, and the cost of the first request
//! after a trim.
//!
//! Only read-only mappings of the agent's own file (by device and inode) with no private
//! page, resident or swapped, are advised: a page a relocation made private (RELRO) would
//! read back from the file without its relocation. A read-only mapping cannot gain a private
//! page later (nothing writes to it), so what `/proc/self/smaps` says holds at the `madvise`.

use std::time::Duration;

/// How long after starting the agent trims: past the start's own work (the activity
/// sources, the tray and the first look at the notification server run in the background
/// and take milliseconds); what runs after it is mapped back, no harm done.
pub const AFTER: Duration = Duration::from_secs(1);

/// A file's identity as `/proc/PID/smaps` writes it: "major:minor" in hex, and the inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileId {
    major: u32,
    minor: u32,
    inode: u64,
}

/// A mapping, and how much of it is resident and private.
#[derive(Debug, Default, PartialEq, Eq)]
struct Mapping {
    start: usize,
    end: usize,
    rss_kib: u64,
    /// Pages of it made private: resident (`Anonymous`) or swapped out (`Swap`).
    private_kib: u64,
}

/// Advises away the resident pages of the program's clean, read-only mappings; returns how
/// many KiB were resident in them before. `announce` is told that figure just before: what
/// it runs (the log line, whose formatting code nothing else at start ran) is handed back
/// with the rest, not mapped in after the trim for the whole idle day.
pub fn startup_pages(announce: impl FnOnce(u64)) -> Result<u64, String> {
    let stat = rustix::fs::stat("/proc/self/exe").map_err(|e| format!("/proc/self/exe: {e}"))?;
    let exe = FileId {
        major: rustix::fs::major(stat.st_dev),
        minor: rustix::fs::minor(stat.st_dev),
        inode: stat.st_ino,
    };
    let smaps = std::fs::read_to_string("/proc/self/smaps")
        .map_err(|e| format!("/proc/self/smaps: {e}"))?;
    let mappings = clean_read_only(&smaps, exe);
    let resident = mappings.iter().map(|m| m.rss_kib).sum();
    announce(resident);
    for mapping in mappings {
        // SAFETY: the range is a whole read-only mapping of the program's file with no page
        // made private, resident or swapped (checked above; none can appear since, as
        // nothing writes to it), so dropping it loses nothing: every page reads back from
        // the file as it was. Code and constants are faulted back on use.
        let result = unsafe {
            libc::madvise(
                mapping.start as *mut libc::c_void,
                mapping.end - mapping.start,
                libc::MADV_DONTNEED,
            )
        };
        if result != 0 {
            return Err(format!("madvise: {}", std::io::Error::last_os_error()));
        }
    }
    Ok(resident)
}

/// The read-only mappings of file `exe` (code and constants) with no private page and
/// something resident, from `/proc/PID/smaps`.
fn clean_read_only(smaps: &str, exe: FileId) -> Vec<Mapping> {
    let mut found = Vec::new();
    let mut current: Option<Mapping> = None;
    let mut keep = |m: Option<Mapping>| {
        if let Some(m) = m.filter(|m| m.private_kib == 0 && m.rss_kib > 0) {
            found.push(m);
        }
    };
    for line in smaps.lines() {
        if let Some(header) = header(line) {
            keep(current.take());
            current = Some(header)
                .filter(|(_, perms, file)| *file == Some(exe) && perms.starts_with("r-"))
                .map(|(range, _, _)| Mapping {
                    start: range.0,
                    end: range.1,
                    ..Mapping::default()
                });
            continue;
        }
        let Some(m) = current.as_mut() else { continue };
        let mut words = line.split_whitespace();
        let key = words.next();
        let kib = words
            .next()
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
        match key {
            Some("Rss:") => m.rss_kib = kib,
            Some("Anonymous:" | "Swap:") => m.private_kib += kib,
            _ => {}
        }
    }
    keep(current.take());
    found
}

/// A mapping's first line ("start-end perms offset major:minor inode path"), with the file it
/// maps (`None` for an anonymous mapping); `None` for the other lines.
fn header(line: &str) -> Option<((usize, usize), &str, Option<FileId>)> {
    let mut words = line.split_whitespace();
    let (start, end) = words.next()?.split_once('-')?;
    let range = (
        usize::from_str_radix(start, 16).ok()?,
        usize::from_str_radix(end, 16).ok()?,
    );
    let perms = words.next()?;
    let _offset = words.next()?;
    let file = words.next().and_then(|dev| {
        let (major, minor) = dev.split_once(':')?;
        Some(FileId {
            major: u32::from_str_radix(major, 16).ok()?,
            minor: u32::from_str_radix(minor, 16).ok()?,
            inode: words.next()?.parse().ok()?,
        })
    });
    Some((range, perms, file.filter(|f| f.inode != 0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXE: FileId = FileId {
        major: 0xfe,
        minor: 1,
        inode: 42,
    };

    const SMAPS: &str = "\
00400000-00500000 r--p 00000000 fe:01 42 /opt/my apps/clockoff-agent (deleted)
Rss:                 576 kB
Anonymous:             0 kB
Swap:                  0 kB
00500000-00900000 r-xp 00100000 fe:01 42 /opt/my apps/clockoff-agent (deleted)
Rss:                4508 kB
Anonymous:             0 kB
Swap:                  0 kB
00900000-00a00000 r--p 00500000 fe:01 42 /opt/my apps/clockoff-agent (deleted)
Rss:                 220 kB
Anonymous:             4 kB
Swap:                  0 kB
00a00000-00a10000 r--p 00600000 fe:01 42 /opt/my apps/clockoff-agent (deleted)
Rss:                  16 kB
Anonymous:             0 kB
Swap:                  8 kB
00a10000-00a20000 rw-p 00610000 fe:01 42 /opt/my apps/clockoff-agent (deleted)
Rss:                  24 kB
Anonymous:            20 kB
Swap:                  0 kB
00b00000-00b10000 r--p 00000000 fe:01 43 /opt/my apps/clockoff-agent.new
Rss:                  64 kB
Anonymous:             0 kB
Swap:                  0 kB
7f0000000000-7f0000100000 r-xp 00000000 fe:01 7 /usr/lib/x86_64-linux-gnu/libc.so.6
Rss:                1004 kB
Anonymous:             0 kB
Swap:                  0 kB
7f0000200000-7f0000300000 rw-p 00000000 00:00 0 
Rss:                 400 kB
Anonymous:           400 kB
Swap:                  0 kB
";

    #[test]
    fn only_the_programs_clean_read_only_mappings_are_trimmed() {
        let found = clean_read_only(SMAPS, EXE);
        let ranges: Vec<(usize, usize, u64)> =
            found.iter().map(|m| (m.start, m.end, m.rss_kib)).collect();
        assert_eq!(
            ranges,
            [(0x40_0000, 0x50_0000, 576), (0x50_0000, 0x90_0000, 4508)],
            "found by device and inode whatever the path (a space, a replaced file); not the \
             RELRO with a private page resident or swapped, the data, another file, a \
             library or the heap"
        );
    }

    #[test]
    fn the_running_programs_code_is_found_and_trimmed() {
        let mut announced = None;
        let trimmed = startup_pages(|kib| announced = Some(kib)).expect("trim");
        assert!(trimmed > 0, "its code was resident");
        assert_eq!(
            announced,
            Some(trimmed),
            "announced before, with the same figure"
        );
    }
}
