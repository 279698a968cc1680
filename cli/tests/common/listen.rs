//! `hookwire listen` as a child process: its address (read from standard error) and its
//! request lines (`--json`, one object per line on standard output).

use std::io::{BufRead, BufReader};
use std::process::{Child, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::hookwire;

/// A running `hookwire listen --port 0 --json …`; killed when dropped.
pub struct Listen {
    child: Child,
    /// `http://127.0.0.1:<port>/webhooks`
    pub url: String,
    lines: Receiver<serde_json::Value>,
    stderr: Arc<Mutex<String>>,
}

impl Listen {
    /// Starts `hookwire listen --port 0 --json` with `args` and waits until it listens.
    pub fn start(args: &[&str]) -> Listen {
        Listen::start_with(args, &[])
    }

    /// [`Listen::start`] with environment variables.
    pub fn start_with(args: &[&str], env: &[(&str, &str)]) -> Listen {
        let mut command = hookwire(&["listen", "--port", "0", "--json"]);
        command.args(args).env_remove("HOOKWIRE_SECRET").envs(env.iter().copied());
        let mut child =
            command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("start hookwire listen");
        let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
        let mut first = String::new();
        stderr.read_line(&mut first).expect("read the listen line");
        let url = first
            .split_whitespace()
            .find(|word| word.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in {first:?}"))
            .to_owned();
        let collected = Arc::new(Mutex::new(first));
        std::thread::spawn({
            let collected = Arc::clone(&collected);
            move || {
                for line in stderr.lines().map_while(Result::ok) {
                    collected.lock().unwrap().push_str(&line);
                    collected.lock().unwrap().push('\n');
                }
            }
        });
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                let value = serde_json::from_str(&line).unwrap_or_else(|err| panic!("{err}: {line}"));
                if tx.send(value).is_err() {
                    break;
                }
            }
        });
        Listen { child, url, lines, stderr: collected }
    }

    /// The next request's line.
    pub fn next(&self) -> serde_json::Value {
        self.lines
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("no request line; stderr: {}", self.stderr()))
    }

    /// Whether another line arrives within `wait`.
    pub fn quiet_for(&self, wait: Duration) -> bool {
        self.lines.recv_timeout(wait).is_err()
    }

    /// What it wrote on standard error.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Sends SIGTERM and waits for the exit.
    pub fn terminate(mut self) -> (ExitStatus, String) {
        let pid = self.child.id().to_string();
        let sent = std::process::Command::new("kill").args(["-TERM", &pid]).status().expect("kill");
        assert!(sent.success());
        let status = self.child.wait().expect("wait for listen");
        // The reader thread has seen end of file once the process is gone.
        std::thread::sleep(Duration::from_millis(50));
        (status, self.stderr())
    }
}

impl Drop for Listen {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
