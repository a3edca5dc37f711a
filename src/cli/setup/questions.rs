//! The questions, in plain words, one at a time: Enter keeps what is in brackets, a bad
//! answer is asked again with the reason, and end of input stops with nothing written.

use std::io::{BufRead, Write};

use super::answers;
use super::document::{Report, Settings};

/// The input ended (Ctrl-D) or the worker said no at the end.
#[derive(Debug)]
pub struct Stopped;

/// What the file and policy have now, shown in brackets.
pub struct Current {
    pub hours: answers::Week,
    pub timezone: String,
    /// Why that zone: "this laptop's" or "from your config".
    pub timezone_origin: &'static str,
    /// Whether that zone was read from the laptop (what `--yes` writes when none is set).
    pub timezone_detected: bool,
    pub region: String,
    pub contracted: String,
    pub dashboard: Option<String>,
    pub token_file: String,
}

/// A worker's answers: the settings, and a token typed in to be kept in the token file.
pub struct Answered {
    pub settings: Settings,
    pub token: Option<String>,
}

pub struct Asker<R, W> {
    pub input: R,
    pub output: W,
}

impl<R: BufRead, W: Write> Asker<R, W> {
    /// Asks every question whose key `locked` does not cover; `settings` has what flags
    /// already answered, which is not asked again.
    pub fn ask_all(
        &mut self,
        mut settings: Settings,
        current: &Current,
        locked: &dyn Fn(&str) -> bool,
    ) -> Result<Answered, Stopped> {
        self.say("Setting up clockoff. Press Enter to keep what is in [brackets]; Ctrl-C stops with nothing written.\n")?;
        if settings.hours.is_none() && !self.skip(locked("hours"), "Working hours")? {
            settings.hours = self.hours(&current.hours)?;
        }
        if settings.timezone.is_none() && !self.skip(locked("timezone"), "Time zone")? {
            let shown = format!("{}, {}", current.timezone, current.timezone_origin);
            let zone = self.ask("Time zone", &shown, &current.timezone, answers::timezone)?;
            settings.timezone = Some(zone);
        }
        if settings.region.is_none() && !self.skip(locked("holidays.region"), "Bank holidays")? {
            let question = "Bank holidays: england-and-wales, scotland, northern-ireland or none";
            settings.region =
                Some(self.ask(question, &current.region, &current.region, answers::region)?);
        }
        if settings.contracted.is_none() && !self.skip(locked("contracted"), "Contracted hours")? {
            let question = "Contracted hours a week, e.g. 37h or 22h30m";
            let hours = self.ask(
                question,
                &current.contracted,
                &current.contracted,
                answers::contracted,
            )?;
            settings.contracted = Some(hours);
        }
        let mut token = None;
        let report_locked = locked("report.enabled") || locked("report.dashboard");
        if settings.report.is_none() && !self.skip(report_locked, "Reporting")? {
            (settings.report, token) = self.report(current)?;
        }
        Ok(Answered { settings, token })
    }

    /// Says a locked question is the organisation's, and whether it was.
    fn skip(&mut self, locked: bool, what: &str) -> Result<bool, Stopped> {
        if locked {
            self.say(&format!("{what}: set by your organisation's policy.\n"))?;
        }
        Ok(locked)
    }

    fn hours(&mut self, current: &answers::Week) -> Result<Option<answers::Week>, Stopped> {
        self.say(
            "\nYour working hours, one line each, for example:\n  \
             mon-fri 09:00-17:00\n  \
             tue 09:00-12:30,13:30-17:30   (a split shift)\n  \
             sun-thu 22:00-06:00           (nights: each ends the next morning)\n\
             An empty line ends them.\n",
        )?;
        let now = answers::describe_hours(current);
        loop {
            self.say(&format!("[{}]\n", now.join("; ")))?;
            let mut lines = Vec::new();
            loop {
                self.say("hours> ")?;
                let line = self.line()?;
                if line.trim().is_empty() {
                    break;
                }
                lines.push(line);
            }
            if lines.is_empty() {
                return Ok(None);
            }
            match answers::hours(&lines) {
                Ok(week) => return Ok(Some(week)),
                Err(reason) => self.say(&format!("  {reason}\n  Please give them again.\n"))?,
            }
        }
    }

    fn report(&mut self, current: &Current) -> Result<(Option<Report>, Option<String>), Stopped> {
        self.say(
            "\nReporting: once a week, seven rounded figures under a pseudonym that changes every \
             week go to your team's dashboard (`clockoff report preview` shows them first).\n",
        )?;
        let now = current.dashboard.as_deref().unwrap_or("none");
        let question = "Your team's dashboard address (https://...), or none";
        let address = self.ask(question, now, now, |answer| {
            if answer.trim().eq_ignore_ascii_case("none") {
                Ok(String::new())
            } else {
                answers::dashboard(answer)
            }
        })?;
        if address.is_empty() {
            return Ok((Some(Report::Off), None));
        }
        let question = format!(
            "Your team's reporter token, from your manager (Enter if it is already in {})",
            current.token_file
        );
        let token = self.ask(&question, "", "", |answer| {
            if answer.trim().is_empty() {
                Ok(String::new())
            } else {
                answers::token(answer)
            }
        })?;
        let report = Report::To {
            dashboard: address,
            token_file: current.token_file.clone(),
        };
        Ok((Some(report), Some(token).filter(|t| !t.is_empty())))
    }

    /// Asks until `read` takes the answer; Enter gives it `kept`.
    fn ask<T>(
        &mut self,
        question: &str,
        shown: &str,
        kept: &str,
        read: impl Fn(&str) -> Result<T, String>,
    ) -> Result<T, Stopped> {
        loop {
            if shown.is_empty() {
                self.say(&format!("{question}: "))?;
            } else {
                self.say(&format!("{question} [{shown}]: "))?;
            }
            let line = self.line()?;
            let answer = if line.trim().is_empty() {
                kept
            } else {
                line.as_str()
            };
            match read(answer) {
                Ok(value) => return Ok(value),
                Err(reason) => self.say(&format!("  {reason}\n"))?,
            }
        }
    }

    /// Yes unless the answer starts with n.
    pub fn confirm(&mut self, question: &str) -> Result<bool, Stopped> {
        self.say(&format!("{question} [Y/n]: "))?;
        let answer = self.line()?;
        Ok(!answer.trim().to_ascii_lowercase().starts_with('n'))
    }

    pub fn say(&mut self, text: &str) -> Result<(), Stopped> {
        self.output
            .write_all(text.as_bytes())
            .map_err(|_| Stopped)?;
        self.output.flush().map_err(|_| Stopped)
    }

    fn line(&mut self) -> Result<String, Stopped> {
        let mut line = String::new();
        match self.input.read_line(&mut line) {
            Ok(0) | Err(_) => Err(Stopped),
            Ok(_) => Ok(line.trim_end_matches(['\n', '\r']).to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn current() -> Current {
        Current {
            hours: answers::hours(&["mon-fri 09:00-17:00"]).unwrap(),
            timezone: "Europe/London".into(),
            timezone_origin: "this laptop's",
            timezone_detected: true,
            region: "england-and-wales".into(),
            contracted: "37h".into(),
            dashboard: None,
            token_file: "~/.config/clockoff/team-token".into(),
        }
    }

    fn ask(typed: &str, locked: &[&str]) -> (Result<Answered, Stopped>, String) {
        let mut output = Vec::new();
        let mut asker = Asker {
            input: typed.as_bytes(),
            output: &mut output,
        };
        let answered = asker.ask_all(Settings::default(), &current(), &|key| {
            locked.contains(&key)
        });
        (answered, String::from_utf8(output).unwrap())
    }

    #[test]
    fn enter_keeps_everything_shown() {
        let (answered, said) = ask("\n\n\n\n\n", &[]);
        let settings = answered.unwrap().settings;
        assert_eq!(settings.hours, None);
        assert_eq!(settings.timezone.as_deref(), Some("Europe/London"));
        assert_eq!(settings.region.as_deref(), Some("england-and-wales"));
        assert_eq!(settings.contracted.as_deref(), Some("37h"));
        assert_eq!(settings.report, Some(Report::Off));
        assert!(said.contains("[mon-fri 09:00-17:00]"), "{said}");
        assert!(
            said.contains("Time zone [Europe/London, this laptop's]: "),
            "{said}"
        );
    }

    #[test]
    fn a_bad_answer_is_asked_again_with_the_reason() {
        let typed = "mon 25:00-17:00\n\nmon-thu 08:00-16:00\n\nMars/Olympus\nEurope/London\n\
                     wales\nscotland\n\nhttp://dash.example.org\nhttps://dash.example.org\ncod_r_1\n\n";
        let (answered, said) = ask(typed, &[]);
        let answered = answered.unwrap();
        assert!(said.contains("bad time range \"25:00-17:00\""), "{said}");
        assert!(
            said.contains("unknown time zone \"Mars/Olympus\""),
            "{said}"
        );
        assert!(said.contains("\"wales\""), "{said}");
        assert!(said.contains("is not https"), "{said}");
        assert!(said.contains("cod_r_ and 64 hex digits"), "{said}");
        let settings = answered.settings;
        assert_eq!(
            answers::describe_hours(&settings.hours.unwrap()),
            ["mon-thu 08:00-16:00"]
        );
        assert_eq!(settings.region.as_deref(), Some("scotland"));
        assert_eq!(
            settings.report,
            Some(Report::To {
                dashboard: "https://dash.example.org".into(),
                token_file: "~/.config/clockoff/team-token".into()
            })
        );
        assert_eq!(answered.token, None);
    }

    #[test]
    fn locked_keys_are_not_asked_and_end_of_input_stops() {
        let (answered, said) = ask("\n", &["hours", "holidays.region"]);
        assert!(answered.is_err(), "input ended at the second question");
        assert!(
            said.contains("Working hours: set by your organisation's policy."),
            "{said}"
        );
        assert!(!said.contains("hours>"), "{said}");
    }
}
