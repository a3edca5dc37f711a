//! Any text as a calendar (iCalendar and CSV rota): reading must never panic, and must end
//! within libFuzzer's per-input timeout (`-timeout`, set by scripts/test) and memory limit
//! however the text repeats itself. What it gives stays inside the window asked for.
#![no_main]

use chrono::DateTime;
use clockoff_core::calendar::{Filter, Format, Reading, Use, read};
use clockoff_core::spans::Span;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let instant = |t| DateTime::parse_from_rfc3339(t).expect("valid instant").to_utc();
    // A year and a bit around both UK clock changes, as the agent reads.
    let window = Span::new(instant("2026-12-01T00:00:00Z"), instant("2028-01-05T00:00:00Z"));
    for (format, use_) in [
        (Format::Ics, Use::OnCall),
        (Format::Ics, Use::Closure),
        (Format::Csv, Use::Leave),
    ] {
        let how = Reading {
            format,
            use_,
            filter: Filter::default(),
            tz: chrono_tz::Europe::London,
            window,
        };
        let Ok(entries) = read(text, &how) else {
            continue;
        };
        for span in entries.on_call.iter().chain(&entries.leave_times) {
            assert!(span.start < span.end, "an empty or backwards span: {span:?}");
            assert!(span.start < window.end && span.end > window.start, "outside: {span:?}");
        }
        assert!(entries.leave_days.iter().all(|(a, b)| a <= b));
    }
});
