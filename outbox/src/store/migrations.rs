//! Versioned schema migrations: numbered SQL files under `outbox/migrations/<engine>/`,
//! applied in order when a store opens, each in its own transaction, recorded in
//! `hookwire_schema`.

/// One migration.
pub(crate) struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

/// The newest schema version this build knows.
pub(crate) const LATEST: i64 = 7;

pub(crate) const SQLITE: [Migration; 7] = [
    Migration { version: 1, name: "initial", sql: include_str!("../../migrations/sqlite/0001_initial.sql") },
    Migration {
        version: 2,
        name: "endpoint_history",
        sql: include_str!("../../migrations/sqlite/0002_endpoint_history.sql"),
    },
    Migration {
        version: 3,
        name: "hot_claims",
        sql: include_str!("../../migrations/sqlite/0003_hot_claims.sql"),
    },
    Migration {
        version: 4,
        name: "ordered_payloads",
        sql: include_str!("../../migrations/sqlite/0004_ordered_payloads.sql"),
    },
    // Empty: PostgreSQL's due queue (the versions are one sequence across the engines).
    Migration {
        version: 5,
        name: "due_queue",
        sql: include_str!("../../migrations/sqlite/0005_due_queue.sql"),
    },
    // Empty: PostgreSQL's autovacuum settings for its due queue.
    Migration {
        version: 6,
        name: "queue_vacuum",
        sql: include_str!("../../migrations/sqlite/0006_queue_vacuum.sql"),
    },
    // Empty: PostgreSQL's attempts lose their foreign key check.
    Migration {
        version: 7,
        name: "attempts_unchecked",
        sql: include_str!("../../migrations/sqlite/0007_attempts_unchecked.sql"),
    },
];

pub(crate) const POSTGRES: [Migration; 7] = [
    Migration {
        version: 1,
        name: "initial",
        sql: include_str!("../../migrations/postgres/0001_initial.sql"),
    },
    Migration {
        version: 2,
        name: "endpoint_history",
        sql: include_str!("../../migrations/postgres/0002_endpoint_history.sql"),
    },
    Migration {
        version: 3,
        name: "hot_claims",
        sql: include_str!("../../migrations/postgres/0003_hot_claims.sql"),
    },
    Migration {
        version: 4,
        name: "ordered_payloads",
        sql: include_str!("../../migrations/postgres/0004_ordered_payloads.sql"),
    },
    Migration {
        version: 5,
        name: "due_queue",
        sql: include_str!("../../migrations/postgres/0005_due_queue.sql"),
    },
    Migration {
        version: 6,
        name: "queue_vacuum",
        sql: include_str!("../../migrations/postgres/0006_queue_vacuum.sql"),
    },
    Migration {
        version: 7,
        name: "attempts_unchecked",
        sql: include_str!("../../migrations/postgres/0007_attempts_unchecked.sql"),
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_from_one_without_gaps_on_both_engines() {
        for list in [&SQLITE, &POSTGRES] {
            let versions: Vec<i64> = list.iter().map(|m| m.version).collect();
            assert_eq!(versions, (1..=LATEST).collect::<Vec<_>>());
        }
        for (a, b) in SQLITE.iter().zip(POSTGRES.iter()) {
            assert_eq!(a.name, b.name, "the engines' migrations must pair up");
        }
    }
}
