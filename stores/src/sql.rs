//! The SQL of the SQLite and PostgreSQL stores: one table, a statement or two per step.
//!
//! Each step is atomic without a transaction: the usual case is one plain statement (a new
//! message is inserted, a held claim is updated), one round trip; when it changes no row, a
//! second statement that handles every case decides, and the first having changed nothing, the
//! step is as atomic as that one. Deadlines are kept in the row, in the verifiers' clock
//! (milliseconds): an entry counts while `now < until_ms`, exactly as the core's contract says.
//!
//! No index but the key's: an index on the deadline would be rewritten by every commit (which
//! moves the deadline), while the sweep that would use it runs once a minute.

use std::sync::atomic::{AtomicI64, Ordering};

use hookwire::{ClaimOutcome, ClaimToken};

/// How often (in the verifiers' clock) a store sweeps out lapsed entries: every minute.
pub(crate) const PURGE_EVERY: i64 = 60_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

/// The statements of one store, for its table. Parameters are `$n` in PostgreSQL and `?n` in
/// SQLite; both number them explicitly.
#[derive(Debug)]
pub(crate) struct Statements {
    pub(crate) table: String,
    pub(crate) schema: String,
    pub(crate) claim_new: String,
    pub(crate) claim: String,
    pub(crate) commit_held: String,
    pub(crate) commit: String,
    pub(crate) release: String,
    pub(crate) purge: String,
}

impl Statements {
    /// `table` is a checked plain identifier (see `StoreOptions::namespace`).
    pub(crate) fn new(dialect: Dialect, table: &str) -> Statements {
        let (text, boolean, without_rowid) = match dialect {
            Dialect::Sqlite => ("TEXT", "INTEGER", " WITHOUT ROWID"),
            Dialect::Postgres => ("text", "boolean", ""),
        };
        let schema = format!(
            "CREATE TABLE IF NOT EXISTS {table} (
                replay_key {text} PRIMARY KEY NOT NULL,
                token {text} NOT NULL,
                committed {boolean} NOT NULL,
                until_ms bigint NOT NULL
            ){without_rowid};"
        );
        // Claim, the usual case: a new message. ON CONFLICT DO NOTHING keeps a taken key from
        // being an error (and a line in the server's log); when no row was inserted, the full
        // claim below decides, with the first statement having changed nothing.
        let claim_new = format!(
            "INSERT INTO {table} (replay_key, token, committed, until_ms) VALUES ($1, $2, FALSE, $3)
             ON CONFLICT (replay_key) DO NOTHING"
        );
        // Claim: insert, or take over an entry that no longer counts. On a live entry the
        // update keeps every value, and RETURNING tells which holder and state it has: one
        // statement answers all three outcomes.
        let claim = format!(
            "INSERT INTO {table} AS e (replay_key, token, committed, until_ms) VALUES ($1, $2, FALSE, $3)
             ON CONFLICT (replay_key) DO UPDATE SET
                 token = CASE WHEN e.until_ms <= $4 THEN excluded.token ELSE e.token END,
                 committed = e.committed AND e.until_ms > $4,
                 until_ms = CASE WHEN e.until_ms <= $4 THEN excluded.until_ms ELSE e.until_ms END
             RETURNING token, committed"
        );
        // Commit, the usual case: our claim (or a lapsed one) becomes the committed entry. An
        // UPDATE that does not touch the key is cheaper than an upsert; when it changes no row
        // (no entry, or another token's live one) the full commit below decides.
        let commit_held = format!(
            "UPDATE {table} SET token = $2, committed = TRUE, until_ms = $3
             WHERE replay_key = $1 AND (token = $2 OR until_ms <= $4)"
        );
        // Commit: ours, or nobody's that counts; a live entry of another token is left alone
        // (no row changed: `false`).
        let commit = format!(
            "INSERT INTO {table} AS e (replay_key, token, committed, until_ms) VALUES ($1, $2, TRUE, $3)
             ON CONFLICT (replay_key) DO UPDATE SET
                 token = excluded.token, committed = TRUE, until_ms = excluded.until_ms
             WHERE e.token = excluded.token OR e.until_ms <= $4"
        );
        let release = format!("DELETE FROM {table} WHERE replay_key = $1 AND token = $2 AND NOT committed");
        let purge = format!("DELETE FROM {table} WHERE until_ms <= $1");
        let mut statements = Statements {
            table: table.to_owned(),
            schema,
            claim_new,
            claim,
            commit_held,
            commit,
            release,
            purge,
        };
        if dialect == Dialect::Sqlite {
            for sql in [
                &mut statements.claim_new,
                &mut statements.claim,
                &mut statements.commit_held,
                &mut statements.commit,
                &mut statements.release,
                &mut statements.purge,
            ] {
                *sql = sql.replace('$', "?");
            }
        }
        statements
    }
}

/// What a claim statement's returned row means for the request that holds `token`.
pub(crate) fn outcome(holder: &str, committed: bool, token: &ClaimToken) -> ClaimOutcome {
    if holder == token.as_str() {
        ClaimOutcome::Claimed
    } else if committed {
        ClaimOutcome::Done
    } else {
        ClaimOutcome::InProgress
    }
}

/// Whether this store should sweep lapsed entries at `now`; at most one caller per period
/// gets `true`.
pub(crate) fn purge_due(next: &AtomicI64, now: i64) -> bool {
    let due = next.load(Ordering::Relaxed);
    now >= due
        && next
            .compare_exchange(due, now.saturating_add(PURGE_EVERY), Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_statements_number_their_parameters() {
        let sql = Statements::new(Dialect::Sqlite, "t");
        assert!(sql.claim.contains("?4") && !sql.claim.contains('$'));
        let pg = Statements::new(Dialect::Postgres, "t");
        assert!(pg.claim.contains("$4") && !pg.claim.contains('?'));
    }

    #[test]
    fn one_sweep_per_period() {
        let next = AtomicI64::new(i64::MIN);
        assert!(purge_due(&next, 1_000));
        assert!(!purge_due(&next, 1_000 + PURGE_EVERY - 1));
        assert!(purge_due(&next, 1_000 + PURGE_EVERY));
    }
}
