//! The desktop side of quiet hours: holding notifications on whichever server the session
//! runs, counting (never reading) what arrives while held, and clockoff's own notices.

pub mod monitor;
pub mod notices;
pub mod notifications;
