//! The worker's local SQLite ledger.
