//! `hookwire-testkit postgres|redis`: starts a throwaway server, prints its URL on one line,
//! and stops it when standard input closes (the Python and Node suites hold the pipe open for
//! as long as they need the server). `kill` / `restart` lines on standard input kill the server
//! and start it again, for tests of a store that goes away, and `pause` / `resume` freeze it
//! and let it go on, for a store that hangs; each is answered with `ok`. On PostgreSQL,
//! `database NAME` creates an empty database and is answered with its URL (a fresh database
//! per test).

use std::io::{self, BufRead as _, Write as _};

use hookwire_testkit::{Postgres, Redis};

enum Server {
    Postgres(Postgres),
    Redis(Redis),
}

impl Server {
    fn url(&self) -> String {
        match self {
            Server::Postgres(s) => s.url(),
            Server::Redis(s) => s.url(),
        }
    }

    fn kill(&mut self) -> io::Result<()> {
        match self {
            Server::Postgres(s) => s.kill(),
            Server::Redis(s) => s.kill(),
        }
    }

    fn restart(&mut self) -> io::Result<()> {
        match self {
            Server::Postgres(s) => s.restart(),
            Server::Redis(s) => s.restart(),
        }
    }

    fn pause(&mut self) -> io::Result<()> {
        match self {
            Server::Postgres(s) => s.pause(),
            Server::Redis(s) => s.pause(),
        }
    }

    fn resume(&mut self) -> io::Result<()> {
        match self {
            Server::Postgres(s) => s.resume(),
            Server::Redis(s) => s.resume(),
        }
    }
}

fn main() {
    let kind = std::env::args().nth(1).unwrap_or_default();
    let started = match kind.as_str() {
        "postgres" => Postgres::start().map(Server::Postgres),
        "redis" => Redis::start().map(Server::Redis),
        _ => {
            eprintln!("usage: hookwire-testkit postgres|redis");
            std::process::exit(2);
        }
    };
    let mut server = match started {
        Ok(server) => server,
        Err(err) => {
            eprintln!("hookwire-testkit: {err}");
            std::process::exit(1);
        }
    };
    let mut out = io::stdout();
    let _ = writeln!(out, "{}", server.url());
    let _ = out.flush();
    for line in io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        if let Some(name) = line.trim().strip_prefix("database ") {
            let _ = match &server {
                Server::Postgres(pg) => match pg.create_database(name.trim()) {
                    Ok(url) => writeln!(out, "{url}"),
                    Err(err) => writeln!(out, "error {err}"),
                },
                Server::Redis(_) => writeln!(out, "error redis has no databases to create"),
            };
            let _ = out.flush();
            continue;
        }
        let result = match line.trim() {
            "kill" => server.kill(),
            "restart" => server.restart(),
            "pause" => server.pause(),
            "resume" => server.resume(),
            _ => continue,
        };
        let _ = match result {
            Ok(()) => writeln!(out, "ok"),
            Err(err) => writeln!(out, "error {err}"),
        };
        let _ = out.flush();
    }
    // Dropping the server stops it and removes its folder.
}
