//! Calendars read whole: events become leave, on-call and closures in the worker's zone.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::London;

use super::*;

fn t(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

fn d(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn reading(format: Format, use_: Use) -> Reading {
    Reading {
        format,
        use_,
        filter: Filter::default(),
        tz: London,
        window: Span::new(t("2026-12-01T00:00:00Z"), t("2028-01-01T00:00:00Z")),
    }
}

fn wrap(body: &str) -> String {
    format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{body}END:VCALENDAR\r\n")
}

fn spans(entries: &[Span]) -> Vec<String> {
    entries
        .iter()
        .map(|s| format!("{} {}", s.start.to_rfc3339(), s.end.to_rfc3339()))
        .collect()
}

#[test]
fn a_weekly_rota_keeps_its_local_times_across_both_dst_changes() {
    let text = wrap(
        "BEGIN:VEVENT\r\nUID:rota\r\nDTSTART;TZID=Europe/London:20270319T170000\r\n\
         DTEND;TZID=Europe/London:20270322T090000\r\nRRULE:FREQ=WEEKLY;BYDAY=FR;COUNT=3\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:autumn\r\nDTSTART;TZID=Europe/London:20271029T170000\r\n\
         DTEND;TZID=Europe/London:20271101T090000\r\nEND:VEVENT\r\n",
    );
    let entries = read(&text, &reading(Format::Ics, Use::OnCall)).unwrap();
    assert_eq!(
        spans(&entries.on_call),
        [
            "2027-03-19T17:00:00+00:00 2027-03-22T09:00:00+00:00",
            // Clocks go forward on the Sunday: 17:00 GMT to 09:00 BST.
            "2027-03-26T17:00:00+00:00 2027-03-29T08:00:00+00:00",
            "2027-04-02T16:00:00+00:00 2027-04-05T08:00:00+00:00",
            // And back: 17:00 BST to 09:00 GMT.
            "2027-10-29T16:00:00+00:00 2027-11-01T09:00:00+00:00",
        ]
    );
}

#[test]
fn exceptions_moved_and_cancelled_instances_and_a_filter() {
    let text = wrap(
        "BEGIN:VEVENT\r\nUID:r\r\nSUMMARY:On call (EDT)\r\nDTSTART:20270108T170000Z\r\nDTEND:20270109T090000Z\r\n\
         RRULE:FREQ=WEEKLY;UNTIL=20270205T170000Z\r\nEXDATE:20270115T170000Z\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:r\r\nSUMMARY:On call (EDT)\r\nRECURRENCE-ID:20270122T170000Z\r\n\
         DTSTART:20270123T090000Z\r\nDTEND:20270124T090000Z\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:r\r\nRECURRENCE-ID:20270129T170000Z\r\nSTATUS:CANCELLED\r\n\
         DTSTART:20270129T170000Z\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:s\r\nSUMMARY:Supervision\r\nDTSTART:20270110T100000Z\r\nDTEND:20270110T110000Z\r\nEND:VEVENT\r\n",
    );
    let mut how = reading(Format::Ics, Use::OnCall);
    how.filter.summary = Some("on CALL".into());
    let entries = read(&text, &how).unwrap();
    assert_eq!(
        spans(&entries.on_call),
        [
            "2027-01-08T17:00:00+00:00 2027-01-09T09:00:00+00:00",
            "2027-01-23T09:00:00+00:00 2027-01-24T09:00:00+00:00",
            "2027-02-05T17:00:00+00:00 2027-02-06T09:00:00+00:00",
        ]
    );
}

#[test]
fn all_day_leave_is_whole_local_days_and_part_day_leave_is_its_hours() {
    let text = wrap(
        "BEGIN:VEVENT\r\nUID:a\r\nSUMMARY:Annual leave\r\nCATEGORIES:Leave\r\n\
         DTSTART;VALUE=DATE:20261224\r\nDTEND;VALUE=DATE:20270102\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:b\r\nSUMMARY:Annual leave (pm)\r\nCATEGORIES:Leave\r\n\
         DTSTART;TZID=GMT Standard Time:20270612T130000\r\nDTEND;TZID=GMT Standard Time:20270612T170000\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:c\r\nSUMMARY:Team meeting\r\nDTSTART:20270105T100000\r\nDTEND:20270105T110000\r\nEND:VEVENT\r\n",
    );
    let mut how = reading(Format::Ics, Use::Leave);
    how.filter.category = Some("leave".into());
    let entries = read(&text, &how).unwrap();
    assert_eq!(entries.leave_days, [(d("2026-12-24"), d("2027-01-01"))]);
    assert_eq!(
        spans(&entries.leave_times),
        ["2027-06-12T12:00:00+00:00 2027-06-12T16:00:00+00:00"]
    );
}

#[test]
fn closures_are_whole_days_a_yearly_one_repeats_and_timed_ones_are_counted_apart() {
    let text = wrap(
        "BEGIN:VEVENT\r\nUID:a\r\nDTSTART;VALUE=DATE:20261229\r\nDTEND;VALUE=DATE:20270101\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:b\r\nDTSTART;VALUE=DATE:20201224\r\nRRULE:FREQ=YEARLY\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:c\r\nDTSTART:20270115T090000\r\nDTEND:20270115T170000\r\nEND:VEVENT\r\n",
    );
    let entries = read(&text, &reading(Format::Ics, Use::Closure)).unwrap();
    assert_eq!(
        entries.closures,
        [
            d("2026-12-24"),
            d("2026-12-29"),
            d("2026-12-30"),
            d("2026-12-31"),
            d("2027-12-24")
        ]
    );
    assert_eq!(entries.skipped, 1);
}

#[test]
fn floating_times_are_read_in_the_workers_zone() {
    let text = wrap(
        "BEGIN:VEVENT\r\nUID:a\r\nDTSTART:20270715T090000\r\nDTEND:20270715T170000\r\nEND:VEVENT\r\n",
    );
    let entries = read(&text, &reading(Format::Ics, Use::OnCall)).unwrap();
    assert_eq!(
        spans(&entries.on_call),
        ["2027-07-15T08:00:00+00:00 2027-07-15T16:00:00+00:00"]
    );
}

#[test]
fn only_what_touches_the_window_is_kept_and_an_endless_rule_is_bounded() {
    let text = wrap(
        "BEGIN:VEVENT\r\nUID:a\r\nDTSTART:19700101T000000Z\r\nDURATION:PT1H\r\nRRULE:FREQ=DAILY\r\nEND:VEVENT\r\n",
    );
    let entries = read(&text, &reading(Format::Ics, Use::OnCall)).unwrap();
    assert_eq!(entries.on_call.len(), 396, "2026-12-01 to 2027-12-31");
    assert_eq!(entries.on_call[0].start, t("2026-12-01T00:00:00Z"));
}

#[test]
fn an_unknown_zone_names_its_line() {
    let text = wrap(
        "BEGIN:VEVENT\r\nUID:a\r\nDTSTART;TZID=Mars/Olympus_Mons:20270101T090000\r\nDURATION:PT1H\r\nEND:VEVENT\r\n",
    );
    let problem = read(&text, &reading(Format::Ics, Use::OnCall)).unwrap_err();
    assert_eq!(problem.line, Some(5));
    assert!(
        problem
            .message
            .contains("unknown time zone \"Mars/Olympus_Mons\""),
        "{problem}"
    );
}

#[test]
fn too_large_and_too_many_occurrences_are_refused() {
    let huge = "X".repeat(MAX_BYTES + 1);
    assert!(
        read(&huge, &reading(Format::Ics, Use::Leave))
            .unwrap_err()
            .message
            .contains("larger than")
    );
    let daily = "BEGIN:VEVENT\r\nUID:a\r\nDTSTART:20261201T000000Z\r\nDURATION:PT1M\r\nRRULE:FREQ=DAILY\r\nEND:VEVENT\r\n";
    // 396 days of one daily event is fine; sixty such events are not.
    assert!(read(&wrap(daily), &reading(Format::Ics, Use::OnCall)).is_ok());
    let many = wrap(&daily.repeat(60));
    let problem = read(&many, &reading(Format::Ics, Use::OnCall)).unwrap_err();
    assert!(
        problem.message.contains("more than 20000 occurrences"),
        "{problem}"
    );
}

#[test]
fn a_csv_rota_with_night_shifts_a_header_and_uk_dates() {
    let text = "date,start,end,role\n2027-01-08,17:00,09:00,EDT\n27/03/2027,22:00,08:00,\"EDT, nights\"\n\
                2027-03-29,09:00,17:00,Duty desk\n2027-04-01,,,EDT\n\n";
    let mut how = reading(Format::Csv, Use::OnCall);
    how.filter.summary = Some("edt".into());
    let entries = read(text, &how).unwrap();
    assert_eq!(
        spans(&entries.on_call),
        [
            "2027-01-08T17:00:00+00:00 2027-01-09T09:00:00+00:00",
            // The spring night: 22:00 GMT to 08:00 BST is nine hours.
            "2027-03-27T22:00:00+00:00 2027-03-28T07:00:00+00:00",
            "2027-03-31T23:00:00+00:00 2027-04-01T23:00:00+00:00",
        ]
    );
    let problem = read("date,start,end\n2027-01-08,17:00,9am\n", &how).unwrap_err();
    assert_eq!(problem.to_string(), "line 2: \"9am\" is not a time (HH:MM)");
    let problem = read("2027-01-08,17:00,09:00\nsoon,17:00,09:00\n", &how).unwrap_err();
    assert_eq!(problem.line, Some(2));
}

/// The exports in tests/fixtures/calendars, in the shapes Outlook, Google Calendar and
/// Thunderbird write; their README lists what each must give.
mod exports {
    use super::*;

    macro_rules! fixture {
        ($name:literal) => {
            include_str!(concat!("../../../../tests/fixtures/calendars/", $name))
        };
    }

    fn within(from: &str, to: &str, format: Format, use_: Use, filter: Filter) -> Reading {
        Reading {
            format,
            use_,
            filter,
            tz: London,
            window: Span::new(t(from), t(to)),
        }
    }

    fn summary(text: &str) -> Filter {
        Filter {
            summary: Some(text.into()),
            category: None,
        }
    }

    #[test]
    fn outlooks_published_leave_with_its_windows_zone_and_tab_folds() {
        let how = within(
            "2026-12-01T00:00:00Z",
            "2027-03-01T00:00:00Z",
            Format::Ics,
            Use::Leave,
            summary("leave"),
        );
        let entries = read(fixture!("outlook-leave.ics"), &how).unwrap();
        assert_eq!(entries.leave_days, [(d("2026-12-24"), d("2027-01-01"))]);
        assert_eq!(
            spans(&entries.leave_times),
            ["2027-02-12T13:00:00+00:00 2027-02-12T17:00:00+00:00"]
        );
        let all = Reading {
            filter: Filter::default(),
            ..how
        };
        let entries = read(fixture!("outlook-leave.ics"), &all).unwrap();
        assert_eq!(
            entries.leave_times.len(),
            13,
            "the half day and 12 Team meetings"
        );
    }

    #[test]
    fn googles_weekend_rota_across_both_dst_changes_with_its_exception_and_moved_weekend() {
        let how = within(
            "2027-01-01T00:00:00Z",
            "2028-01-01T00:00:00Z",
            Format::Ics,
            Use::OnCall,
            summary("on call"),
        );
        let entries = read(fixture!("google-rota.ics"), &how).unwrap();
        let spans = spans(&entries.on_call);
        assert_eq!(spans.len(), 52, "51 rota weekends and the cover");
        for expected in [
            "2027-01-08T17:00:00+00:00 2027-01-11T09:00:00+00:00",
            "2027-03-05T18:00:00+00:00 2027-03-06T08:00:00+00:00",
            "2027-03-26T17:00:00+00:00 2027-03-29T08:00:00+00:00",
            "2027-04-10T08:00:00+00:00 2027-04-12T08:00:00+00:00",
            "2027-10-29T16:00:00+00:00 2027-11-01T09:00:00+00:00",
            "2027-12-31T17:00:00+00:00 2028-01-03T09:00:00+00:00",
        ] {
            assert!(
                spans.contains(&expected.to_string()),
                "{expected} missing from {spans:#?}"
            );
        }
        for gone in ["2027-02-12T17:00:00+00:00", "2027-04-09T16:00:00+00:00"] {
            assert!(
                !spans.iter().any(|s| s.starts_with(gone)),
                "{gone} should be gone"
            );
        }
    }

    #[test]
    fn thunderbirds_closures_by_category() {
        let how = within(
            "2026-12-01T00:00:00Z",
            "2028-01-01T00:00:00Z",
            Format::Ics,
            Use::Closure,
            Filter {
                summary: None,
                category: Some("closure".into()),
            },
        );
        let entries = read(fixture!("thunderbird-closures.ics"), &how).unwrap();
        let dates = [
            "2026-12-24",
            "2026-12-29",
            "2026-12-30",
            "2026-12-31",
            "2027-03-19",
            "2027-12-24",
        ];
        assert_eq!(entries.closures, dates.map(d));
        assert_eq!(entries.skipped, 0);
        let floating = Reading {
            use_: Use::OnCall,
            filter: summary("training"),
            ..how
        };
        let entries = read(fixture!("thunderbird-closures.ics"), &floating).unwrap();
        assert_eq!(
            super::spans(&entries.on_call),
            [
                "2027-01-15T09:00:00+00:00 2027-01-15T17:00:00+00:00",
                "2027-06-11T08:00:00+00:00 2027-06-11T16:00:00+00:00",
            ]
        );
    }

    #[test]
    fn a_spreadsheets_rota_with_both_dst_nights() {
        let how = within(
            "2027-01-01T00:00:00Z",
            "2028-01-01T00:00:00Z",
            Format::Csv,
            Use::OnCall,
            Filter::default(),
        );
        let entries = read(fixture!("rota.csv"), &how).unwrap();
        assert_eq!(
            spans(&entries.on_call),
            [
                "2027-01-08T17:00:00+00:00 2027-01-09T09:00:00+00:00",
                "2027-01-09T09:00:00+00:00 2027-01-09T17:00:00+00:00",
                "2027-02-05T17:00:00+00:00 2027-02-06T09:00:00+00:00",
                "2027-03-27T22:00:00+00:00 2027-03-28T07:00:00+00:00",
                "2027-10-30T21:00:00+00:00 2027-10-31T08:00:00+00:00",
            ]
        );
    }

    #[test]
    fn broken_files_name_their_line() {
        let how = within(
            "2027-01-01T00:00:00Z",
            "2028-01-01T00:00:00Z",
            Format::Ics,
            Use::OnCall,
            Filter::default(),
        );
        for (text, line, words) in [
            (
                fixture!("broken-unterminated.ics"),
                4,
                "BEGIN:VEVENT is never ended",
            ),
            (fixture!("broken-bad-zone.ics"), 7, "Mars/Olympus_Mons"),
            (
                fixture!("broken-endless.ics"),
                33,
                "not a date or date-time",
            ),
        ] {
            let problem = read(text, &how).unwrap_err();
            assert_eq!(problem.line, Some(line), "{problem}");
            assert!(problem.message.contains(words), "{problem}");
        }
    }
}

/// What a reviewer fed the reader as an attacker would: each is refused by line or read in
/// bounded time and memory, never a panic.
#[test]
fn hostile_calendars_are_refused_or_bounded() {
    let how = reading(Format::Ics, Use::Closure);
    let event = |body: &str| wrap(&format!("BEGIN:VEVENT\r\nUID:h\r\n{body}END:VEVENT\r\n"));
    for (text, words) in [
        (
            event(&format!("DTSTART;VALUE=DATE:20270101\r\nDURATION:P{}\r\n", "100000W".repeat(140))),
            "is not a duration",
        ),
        (event("DTSTART:-262143 0101T000000\r\nDURATION:PT1H\r\n"), "not a date or date-time"),
        (
            event(&format!("DTSTART;TZID={}:20270101T090000\r\nDURATION:PT1H\r\n", "/".repeat(300_000))),
            "a line longer than 256 KiB",
        ),
        (
            event(&format!("DTSTART;TZID={}:20270101T090000\r\nDURATION:PT1H\r\n", "a/".repeat(100))),
            "a TZID longer than 128",
        ),
        (
            event("DTSTART:20270101T090000Z\r\nRECURRENCE-ID;RANGE=THISANDFUTURE:20270101T090000Z\r\n"),
            "THISANDFUTURE is not supported",
        ),
        (
            event("DTSTART:20270101T090000Z\r\nRDATE;VALUE=PERIOD:20270102T090000Z/PT1H\r\n"),
            "VALUE=PERIOD is not supported",
        ),
        (
            wrap(&format!(
                "BEGIN:VTIMEZONE\r\nTZID:X\r\n{}END:VTIMEZONE\r\n",
                "BEGIN:STANDARD\r\nDTSTART:20000101T000000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\n"
                    .repeat(33)
            )),
            "more than 32 rules",
        ),
    ] {
        let problem = read(&text, &how).unwrap_err();
        assert!(problem.message.contains(words), "{words}: {problem}");
    }

    // A closure "until 9999", every day: the days within the window only.
    let forever =
        event("DTSTART;VALUE=DATE:20000101\r\nDTEND;VALUE=DATE:99991231\r\nRRULE:FREQ=DAILY\r\n");
    let entries = read(&forever, &how).unwrap();
    assert_eq!(entries.closures.len(), 396, "2026-12-01 to 2027-12-31");

    // Thousands of dates added and taken away: a set, not a search of a list.
    let dates = |n: usize| {
        (0..n).map(|i| {
            (d("2026-01-01") + chrono::TimeDelta::days(i as i64))
                .format("%Y%m%d")
                .to_string()
        })
    };
    let rdates: Vec<String> = dates(3000).collect();
    let many = event(&format!(
        "DTSTART;VALUE=DATE:20260101\r\nRDATE;VALUE=DATE:{}\r\nEXDATE;VALUE=DATE:{}\r\n",
        rdates.join(","),
        rdates[800..].join(",")
    ));
    // 2026-01-01 to 2028-03-10 are left; of them, the window's 2026-12-01 to 2027-12-31.
    assert_eq!(read(&many, &how).unwrap().closures.len(), 396);

    // Series a filter leaves out cost nothing: a busy Outlook export with a "leave" filter.
    let standups = wrap(
        &(0..500)
            .map(|i| {
                format!(
                    "BEGIN:VEVENT\r\nUID:s{i}\r\nSUMMARY:Standup\r\nDTSTART:20150101T090000Z\r\n\
                     DURATION:PT15M\r\nRRULE:FREQ=DAILY\r\nEND:VEVENT\r\n"
                )
            })
            .collect::<String>(),
    );
    let mut leave = reading(Format::Ics, Use::Leave);
    leave.filter.summary = Some("leave".into());
    assert_eq!(read(&standups, &leave).unwrap(), Entries::default());
}

#[test]
fn a_durations_hours_are_exact_and_its_days_are_wall_clock() {
    // Ten hours from 22:00 on the night the clocks go forward: 09:00 BST, not 08:00.
    let text = wrap(
        "BEGIN:VEVENT\r\nUID:n\r\nDTSTART;TZID=Europe/London:20270327T220000\r\nDURATION:PT10H\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:w\r\nDTSTART;TZID=Europe/London:20270327T220000\r\nDURATION:P1D\r\nEND:VEVENT\r\n",
    );
    let entries = read(&text, &reading(Format::Ics, Use::OnCall)).unwrap();
    assert_eq!(
        spans(&entries.on_call),
        [
            "2027-03-27T22:00:00+00:00 2027-03-28T08:00:00+00:00",
            "2027-03-27T22:00:00+00:00 2027-03-28T21:00:00+00:00",
        ]
    );
}

#[test]
fn an_all_day_entry_on_the_day_the_window_ends_is_outside_it() {
    let mut how = reading(Format::Ics, Use::Leave);
    how.window = Span::new(t("2027-02-01T00:00:00Z"), t("2027-03-01T00:00:00Z"));
    let text = wrap(
        "BEGIN:VEVENT\r\nUID:a\r\nDTSTART;VALUE=DATE:20270301\r\nDTEND;VALUE=DATE:20270302\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:b\r\nDTSTART;VALUE=DATE:20270228\r\nDTEND;VALUE=DATE:20270228\r\nEND:VEVENT\r\n",
    );
    let entries = read(&text, &how).unwrap();
    assert_eq!(
        entries.leave_days,
        [(d("2027-02-28"), d("2027-02-28"))],
        "DTEND on DTSTART is that day"
    );
}
