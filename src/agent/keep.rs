//! `[record] keep`, applied: the agent forgets records older than it when it starts and once
//! a day after, through the same request `clockoff forget` makes (the engine logs what it
//! did). A day of the runtime's clock is close enough: a laptop asleep for a night only
//! forgets a little later.

use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use super::event::{Event, RecordRequest, Request};

const DAILY: Duration = Duration::from_secs(24 * 3600);

pub async fn daily(events: mpsc::UnboundedSender<Event>) {
    loop {
        let (reply, answer) = oneshot::channel();
        let request = Request::Record(RecordRequest::Forget {
            before: None,
            reply,
        });
        if events.send(Event::Request(request)).is_err() {
            return;
        }
        // The engine logs the outcome; waiting keeps one forgetting at a time.
        let _ = answer.await;
        tokio::time::sleep(DAILY).await;
    }
}
