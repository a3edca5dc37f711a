//! The digest shown when work starts: how many notifications were held, from which apps.
//! Counts only; what they said stays with the apps that sent them.

use std::collections::BTreeMap;

/// Apps named in the body; how many other apps sent any follows as "and N more".
const LISTED_APPS: usize = 5;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    pub summary: String,
    pub body: String,
}

/// The digest for held notifications counted per app, or `None` when nothing was held.
/// Apps are listed by count, largest first, ties by name; an app listed twice is counted once
/// with both counts added.
pub fn digest(counts: &[(String, u64)]) -> Option<Digest> {
    let mut per_app: BTreeMap<&str, u64> = BTreeMap::new();
    for (app, n) in counts.iter().filter(|(_, n)| *n > 0) {
        let total = per_app.entry(app).or_default();
        *total = total.saturating_add(*n);
    }
    let total = per_app.values().fold(0u64, |sum, n| sum.saturating_add(*n));
    if total == 0 {
        return None;
    }
    // BTreeMap order is by name; a stable sort by count keeps ties in that order.
    let mut apps: Vec<(&str, u64)> = per_app.into_iter().collect();
    apps.sort_by_key(|&(_, n)| std::cmp::Reverse(n));

    let plural = if total == 1 { "" } else { "s" };
    let summary = format!("While you were off: {total} notification{plural}");
    let mut body = apps
        .iter()
        .take(LISTED_APPS)
        .map(|(app, n)| format!("{app} {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    if apps.len() > LISTED_APPS {
        body.push_str(&format!(" and {} more", apps.len() - LISTED_APPS));
    }
    Some(Digest { summary, body })
}

/// Shows the digest as one notification from "clockoff".
///
/// notify-rust's async API: it connects to the session bus (DBUS_SESSION_BUS_ADDRESS) on its
/// own connection. An error, never a hang, when no server runs or it does not answer.
pub async fn show_digest(digest: &Digest) -> Result<(), String> {
    super::show(&digest.summary, &digest.body)
        .await
        .map_err(|e| format!("showing the digest: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(list: &[(&str, u64)]) -> Vec<(String, u64)> {
        list.iter().map(|(a, n)| (a.to_string(), *n)).collect()
    }

    fn body_of(list: &[(&str, u64)]) -> String {
        digest(&counts(list)).expect("a digest").body
    }

    #[test]
    fn nothing_held_is_no_digest() {
        assert_eq!(digest(&[]), None);
        assert_eq!(digest(&counts(&[("Teams", 0)])), None);
    }

    #[test]
    fn largest_first_with_the_total_in_the_summary() {
        let d = digest(&counts(&[("Outlook", 5), ("Teams", 9)])).expect("a digest");
        assert_eq!(d.summary, "While you were off: 14 notifications");
        assert_eq!(d.body, "Teams 9, Outlook 5");
    }

    #[test]
    fn one_notification_is_singular() {
        let d = digest(&counts(&[("Teams", 1)])).expect("a digest");
        assert_eq!(d.summary, "While you were off: 1 notification");
        assert_eq!(d.body, "Teams 1");
    }

    #[test]
    fn ties_are_ordered_by_name() {
        assert_eq!(body_of(&[("b", 2), ("c", 2), ("a", 2)]), "a 2, b 2, c 2");
    }

    #[test]
    fn five_apps_are_listed_then_the_rest_counted() {
        let list = [
            ("a", 7),
            ("b", 6),
            ("c", 5),
            ("d", 4),
            ("e", 3),
            ("f", 2),
            ("g", 1),
        ];
        assert_eq!(body_of(&list), "a 7, b 6, c 5, d 4, e 3 and 2 more");
        assert_eq!(body_of(&list[..5]), "a 7, b 6, c 5, d 4, e 3");
    }

    #[test]
    fn an_app_listed_twice_is_counted_once() {
        let d = digest(&counts(&[("Teams", 2), ("Mail", 3), ("Teams", 4)])).expect("a digest");
        assert_eq!(d.summary, "While you were off: 9 notifications");
        assert_eq!(d.body, "Teams 6, Mail 3");
    }

    #[test]
    fn huge_counts_do_not_overflow() {
        let d = digest(&counts(&[("a", u64::MAX), ("b", 1)])).expect("a digest");
        assert_eq!(
            d.summary,
            format!("While you were off: {} notifications", u64::MAX)
        );
    }
}
