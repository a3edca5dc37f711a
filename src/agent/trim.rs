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
//! Only mappings of the agent's own file that no write has touched (no anonymous page in
//! `/proc/self/smaps`) are advised: a page made private by a relocation would be lost.

use std::time::Duration;

/// How long after starting the agent trims: past the start's own work (the activity
/// sources, the tray and the first look at the notification server run in the background
/// and take milliseconds); what runs after it is mapped back, no harm done.
pub const AFTER: Duration = Duration::from_secs(1);

/// A mapping of the program's file: its range, whether it holds code, and its pages made
/// private.
#[derive(Debug, PartialEq, Eq)]
struct Mapping {
    start: usize,
    end: usize,
    anonymous_kib: u64,
}

/// Advises away the resident pages of the program's clean, read-only mappings; returns how
/// many KiB were resident in them before.
pub fn startup_pages() -> Result<u64, String> {
    let exe = std::fs::read_link("/proc/self/exe").map_err(|e| format!("/proc/self/exe: {e}"))?;
    let smaps = std::fs::read_to_string("/proc/self/smaps")
        .map_err(|e| format!("/proc/self/smaps: {e}"))?;
    let mut dropped = 0;
    for (mapping, rss_kib) in clean_read_only(&smaps, &exe.to_string_lossy()) {
        // SAFETY: the range is a whole mapping of the program's file, read-only and with no
        // page made private (checked above), so dropping it loses nothing: every page reads
        // back from the file. No Rust reference points into these pages as data that could
        // be invalidated; code and read-only data are re-faulted on use.
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
        dropped += rss_kib;
    }
    Ok(dropped)
}

/// The program's read-only mappings (code and constants) with no private page, with their
/// resident KiB, from `/proc/self/smaps`.
fn clean_read_only(smaps: &str, exe: &str) -> Vec<(Mapping, u64)> {
    let mut found = Vec::new();
    let mut current: Option<(Mapping, u64, bool)> = None;
    let mut finish = |current: Option<(Mapping, u64, bool)>| {
        if let Some((m, rss, true)) = current
            && m.anonymous_kib == 0
            && rss > 0
        {
            found.push((m, rss));
        }
    };
    for line in smaps.lines() {
        let mut words = line.split_whitespace();
        let Some(first) = words.next() else { continue };
        if let Some((start, end)) = first.split_once('-')
            && let (Ok(start), Ok(end)) = (
                usize::from_str_radix(start, 16),
                usize::from_str_radix(end, 16),
            )
        {
            finish(current.take());
            let perms = words.next().unwrap_or("");
            let path = words.nth(3).unwrap_or("");
            // Readable and not writable: "r-xp" (code) or "r--p" (constants, RELRO).
            let ours = path == exe && perms.starts_with("r-");
            current = Some((
                Mapping {
                    start,
                    end,
                    anonymous_kib: 0,
                },
                0,
                ours,
            ));
            continue;
        }
        let mut value = || {
            words
                .next()
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
        };
        if let Some((m, rss, _)) = current.as_mut() {
            match first {
                "Rss:" => *rss = value(),
                "Anonymous:" => m.anonymous_kib = value(),
                _ => {}
            }
        }
    }
    finish(current.take());
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMAPS: &str = "\
00400000-00500000 r--p 00000000 fe:01 42 /usr/bin/clockoff-agent
Rss:                 576 kB
Anonymous:             0 kB
00500000-00900000 r-xp 00100000 fe:01 42 /usr/bin/clockoff-agent
Rss:                4508 kB
Anonymous:             0 kB
00900000-00a00000 r--p 00500000 fe:01 42 /usr/bin/clockoff-agent
Rss:                 220 kB
Anonymous:             4 kB
00a00000-00a10000 rw-p 00600000 fe:01 42 /usr/bin/clockoff-agent
Rss:                  24 kB
Anonymous:            20 kB
7f0000000000-7f0000100000 r-xp 00000000 fe:01 7 /usr/lib/x86_64-linux-gnu/libc.so.6
Rss:                1004 kB
Anonymous:             0 kB
7f0000200000-7f0000300000 rw-p 00000000 00:00 0 
Rss:                 400 kB
Anonymous:           400 kB
";

    #[test]
    fn only_the_programs_clean_read_only_mappings_are_trimmed() {
        let found = clean_read_only(SMAPS, "/usr/bin/clockoff-agent");
        assert_eq!(
            found,
            [
                (
                    Mapping {
                        start: 0x40_0000,
                        end: 0x50_0000,
                        anonymous_kib: 0
                    },
                    576
                ),
                (
                    Mapping {
                        start: 0x50_0000,
                        end: 0x90_0000,
                        anonymous_kib: 0
                    },
                    4508
                ),
            ],
            "not the relocated RELRO (a private page), the data, a library or the heap"
        );
    }

    #[test]
    fn the_running_tests_own_code_can_be_trimmed_and_runs_on() {
        let dropped = startup_pages().expect("trim");
        assert!(dropped > 0, "the test binary's code was resident");
        // Code and constants come back as they are used.
        assert_eq!(format!("{}", 6 * 7), "42");
    }
}
