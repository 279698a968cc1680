//! Real database servers for tests: a throwaway PostgreSQL cluster and a Redis server, each in
//! a temporary folder on a free loopback port, stopped (and their folders removed) on drop.
//!
//! The tests of the replay stores, the outbox and the bindings use these instead of mocks. Both
//! can be killed and started again on the same data (`kill` / `restart`) to test what happens
//! when a store goes away mid-run, or frozen (`pause` / `resume`) to test a store that hangs. Python and Node suites use the `hookwire-testkit` binary,
//! which prints a server's URL and stops it when its standard input closes.
//!
//! ```no_run
//! let pg = hookwire_testkit::Postgres::start()?;
//! println!("{}", pg.url()); // postgres://postgres@127.0.0.1:<port>/hookwire
//! # Ok::<(), std::io::Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::io::{self, Read as _, Write as _};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// How long a server may take to accept connections after it was started.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// A free TCP port on 127.0.0.1 (the kernel's choice; free when this returns).
pub fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?.local_addr()?.port())
}

fn is_root() -> bool {
    // `id -u` keeps this crate free of unsafe code and of a libc dependency.
    Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0\n")).unwrap_or(false)
}

fn not_found(what: &str, hint: &str) -> io::Error {
    io::Error::new(io::ErrorKind::NotFound, format!("{what} not found; {hint}"))
}

fn wait_for(what: &str, mut ready: impl FnMut() -> bool) -> io::Result<()> {
    let start = Instant::now();
    while !ready() {
        if start.elapsed() > READY_TIMEOUT {
            return Err(io::Error::new(io::ErrorKind::TimedOut, format!("{what} did not become ready")));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

/// A PostgreSQL cluster made by `initdb` in a temporary folder, listening on 127.0.0.1 only,
/// with trust authentication for the `postgres` user and a database called `hookwire`.
///
/// PostgreSQL refuses to run as root: when the tests run as root, the server runs as the
/// `postgres` system user (created by Debian's package) through `runuser`.
pub struct Postgres {
    bin: PathBuf,
    dir: TempDir,
    port: u16,
    as_postgres: bool,
    running: bool,
    paused: bool,
}

impl Postgres {
    /// Makes a new cluster and starts it. Fails when `initdb` cannot be found (install Debian's
    /// `postgresql`; `make` does) or the server does not come up within a minute.
    pub fn start() -> io::Result<Postgres> {
        let bin = postgres_bin()?;
        let dir = tempfile::Builder::new().prefix("hookwire-pg-").tempdir()?;
        let as_postgres = is_root();
        if as_postgres {
            chown_postgres(dir.path())?;
        }
        let mut pg = Postgres { bin, dir, port: free_port()?, as_postgres, running: false, paused: false };
        let data = pg.data_dir();
        pg.run(
            "initdb",
            &[
                "-D",
                path_str(&data)?,
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-locale",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        )?;
        // Small, fast and disposable: no fsync, enough connections for multi-process tests.
        let mut conf = std::fs::OpenOptions::new().append(true).open(data.join("postgresql.conf"))?;
        writeln!(
            conf,
            "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 200"
        )?;
        pg.start_server()?;
        pg.run(
            "psql",
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &pg.port.to_string(),
                "-U",
                "postgres",
                "-q",
                "-c",
                "CREATE DATABASE hookwire",
            ],
        )?;
        Ok(pg)
    }

    /// `postgres://postgres@127.0.0.1:<port>/hookwire`
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/hookwire", self.port)
    }

    /// Creates the empty database `name` (letters, digits and `_`) and returns its URL: a
    /// fresh database per test on one server.
    pub fn create_database(&self, name: &str) -> io::Result<String> {
        let plain = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !plain || name.as_bytes()[0].is_ascii_digit() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("not a plain database name: {name:?}"),
            ));
        }
        let port = self.port.to_string();
        let create = format!("CREATE DATABASE {name}");
        self.run("psql", &["-h", "127.0.0.1", "-p", &port, "-U", "postgres", "-q", "-c", &create])?;
        Ok(format!("postgres://postgres@127.0.0.1:{}/{name}", self.port))
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server at once, as a crash would (`pg_ctl stop -m immediate`): connections
    /// break, nothing is shut down cleanly. The data stays for [`Postgres::restart`].
    pub fn kill(&mut self) -> io::Result<()> {
        // A frozen server would never act on pg_ctl's signal.
        self.resume()?;
        if self.running {
            self.running = false;
            self.pg_ctl(&["stop", "-m", "immediate", "-w"])?;
        }
        Ok(())
    }

    /// Freezes the server and every backend (SIGSTOP), as a hung server or a network that
    /// drops packets would look: connections stay open, nothing is answered, new connections
    /// are not served. [`Postgres::resume`] lets it go on.
    pub fn pause(&mut self) -> io::Result<()> {
        if self.running && !self.paused {
            signal("STOP", &self.processes()?)?;
            self.paused = true;
        }
        Ok(())
    }

    /// Lets a paused server go on (SIGCONT).
    pub fn resume(&mut self) -> io::Result<()> {
        if self.paused {
            signal("CONT", &self.processes()?)?;
            self.paused = false;
        }
        Ok(())
    }

    /// The postmaster (first line of `postmaster.pid`) and its children.
    fn processes(&self) -> io::Result<Vec<u32>> {
        let pid_file = std::fs::read_to_string(self.data_dir().join("postmaster.pid"))?;
        let postmaster: u32 = pid_file
            .lines()
            .next()
            .and_then(|line| line.trim().parse().ok())
            .ok_or_else(|| io::Error::other("postmaster.pid has no process id"))?;
        let children = std::fs::read_to_string(format!("/proc/{postmaster}/task/{postmaster}/children"))?;
        let mut pids = vec![postmaster];
        pids.extend(children.split_whitespace().filter_map(|pid| pid.parse::<u32>().ok()));
        Ok(pids)
    }

    /// Starts the server again on the same data and port.
    pub fn restart(&mut self) -> io::Result<()> {
        if !self.running {
            self.start_server()?;
        }
        Ok(())
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn start_server(&mut self) -> io::Result<()> {
        let options = format!("-p {} -h 127.0.0.1 -k {}", self.port, path_str(self.dir.path())?);
        let log = self.dir.path().join("server.log");
        self.pg_ctl(&["start", "-w", "-t", "60", "-l", path_str(&log)?, "-o", &options])?;
        self.running = true;
        let port = self.port;
        wait_for("PostgreSQL", || TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok())
    }

    fn pg_ctl(&self, args: &[&str]) -> io::Result<()> {
        let data = self.data_dir();
        let mut all = vec!["-D", path_str(&data)?];
        all.extend_from_slice(args);
        self.run("pg_ctl", &all)
    }

    fn run(&self, program: &str, args: &[&str]) -> io::Result<()> {
        let exe = self.bin.join(program);
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        let output = command.args(args).stdin(Stdio::null()).output()?;
        if output.status.success() {
            Ok(())
        } else {
            let log = std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default();
            Err(io::Error::other(format!(
                "{program} {args:?} failed: {}{}\n{log}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            )))
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = self.kill();
    }
}

/// Sends `SIG<name>` to `pids` with kill(1), which keeps this crate free of unsafe code.
fn signal(name: &str, pids: &[u32]) -> io::Result<()> {
    let status =
        Command::new("kill").arg(format!("-{name}")).args(pids.iter().map(u32::to_string)).status()?;
    if status.success() {
        Ok(())
    } else {
        Err(io::Error::other(format!("kill -{name} {pids:?} failed")))
    }
}

fn path_str(path: &Path) -> io::Result<&str> {
    path.to_str().ok_or_else(|| io::Error::other("temporary path is not UTF-8"))
}

fn chown_postgres(path: &Path) -> io::Result<()> {
    let status = Command::new("chown").args(["postgres:"]).arg(path).status()?;
    if status.success() {
        Ok(())
    } else {
        Err(io::Error::other("cannot hand the cluster folder to the postgres user"))
    }
}

/// The folder holding `initdb` and `pg_ctl`: `PATH` first, then Debian's
/// `/usr/lib/postgresql/<version>/bin` (newest version).
fn postgres_bin() -> io::Result<PathBuf> {
    let hint = "install PostgreSQL (Debian: apt-get install postgresql; `make` does this)";
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let initdb = dir.join("initdb");
            if initdb.exists() {
                // Debian links initdb into /usr/local/bin on some images: use the real folder,
                // where psql and postgres sit beside it.
                let real = std::fs::canonicalize(&initdb)?;
                if let Some(parent) = real.parent() {
                    if parent.join("postgres").exists() {
                        return Ok(parent.to_path_buf());
                    }
                }
            }
        }
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|_| not_found("initdb", hint))?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    versions.sort_by_key(|p| {
        p.parent().and_then(|v| v.file_name()).and_then(|v| v.to_str()).and_then(|v| v.parse::<u32>().ok())
    });
    versions.pop().ok_or_else(|| not_found("initdb", hint))
}

/// A Redis server on a free loopback port, without persistence, in a temporary folder.
pub struct Redis {
    exe: PathBuf,
    dir: TempDir,
    port: u16,
    child: Option<Child>,
}

impl Redis {
    /// Starts `redis-server` (install Debian's `redis-server`; `make` does).
    pub fn start() -> io::Result<Redis> {
        let exe = find_in_path("redis-server").ok_or_else(|| {
            not_found("redis-server", "install it (Debian: apt-get install redis-server; `make` does this)")
        })?;
        let dir = tempfile::Builder::new().prefix("hookwire-redis-").tempdir()?;
        let mut redis = Redis { exe, dir, port: free_port()?, child: None };
        redis.restart()?;
        Ok(redis)
    }

    /// `redis://127.0.0.1:<port>/0`
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Kills the server (SIGKILL): what it held is gone, as after a crash without persistence.
    pub fn kill(&mut self) -> io::Result<()> {
        if let Some(mut child) = self.child.take() {
            child.kill()?;
            child.wait()?;
        }
        Ok(())
    }

    /// Freezes the server (SIGSTOP), as a hung server or a network that drops packets would
    /// look: connections stay open and nothing is answered. [`Redis::resume`] lets it go on.
    pub fn pause(&self) -> io::Result<()> {
        match &self.child {
            Some(child) => signal("STOP", &[child.id()]),
            None => Ok(()),
        }
    }

    /// Lets a paused server go on (SIGCONT).
    pub fn resume(&self) -> io::Result<()> {
        match &self.child {
            Some(child) => signal("CONT", &[child.id()]),
            None => Ok(()),
        }
    }

    /// Starts the server again on the same port (empty).
    pub fn restart(&mut self) -> io::Result<()> {
        if self.child.is_some() {
            return Ok(());
        }
        let child = Command::new(&self.exe)
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .arg("--dir")
            .arg(self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        self.child = Some(child);
        let port = self.port;
        wait_for("Redis", || redis_ping(port))
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.kill();
    }
}

fn redis_ping(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect((Ipv4Addr::LOCALHOST, port)) else { return false };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    let mut reply = [0u8; 7];
    stream.write_all(b"PING\r\n").is_ok() && stream.read_exact(&mut reply).is_ok() && &reply == b"+PONG\r\n"
}

fn find_in_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(program)).find(|p| p.exists())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_starts_answers_and_comes_back_after_a_kill() {
        let mut pg = Postgres::start().unwrap();
        let port = pg.port();
        assert!(TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok());
        pg.kill().unwrap();
        assert!(TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err());
        pg.restart().unwrap();
        assert!(TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok());
    }

    #[test]
    fn postgres_creates_a_fresh_database_per_name() {
        let pg = Postgres::start().unwrap();
        let url = pg.create_database("case_1").unwrap();
        assert_eq!(url, format!("postgres://postgres@127.0.0.1:{}/case_1", pg.port()));
        let port = pg.port().to_string();
        pg.run(
            "psql",
            &["-h", "127.0.0.1", "-p", &port, "-U", "postgres", "-d", "case_1", "-q", "-c", "SELECT 1"],
        )
        .expect("the new database answers");
        assert!(pg.create_database("case_1").is_err(), "it exists");
        for bad in ["", "1st", "a-b", "a; DROP DATABASE hookwire"] {
            assert_eq!(pg.create_database(bad).unwrap_err().kind(), io::ErrorKind::InvalidInput, "{bad:?}");
        }
    }

    #[test]
    fn a_paused_redis_answers_nothing_until_resumed() {
        let redis = Redis::start().unwrap();
        redis.pause().unwrap();
        assert!(!redis_ping(redis.port()));
        redis.resume().unwrap();
        assert!(redis_ping(redis.port()));
    }

    #[test]
    fn redis_starts_answers_and_comes_back_after_a_kill() {
        let mut redis = Redis::start().unwrap();
        assert!(redis_ping(redis.port()));
        redis.kill().unwrap();
        assert!(!redis_ping(redis.port()));
        redis.restart().unwrap();
        assert!(redis_ping(redis.port()));
    }
}
