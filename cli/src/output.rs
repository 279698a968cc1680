//! Standard output that a closed pipe cannot crash: `hookwire events | head -1` ends quietly
//! (exit 0) instead of panicking in `println!`.

use std::fmt;
use std::io::Write as _;

/// Writes one line to standard output.
pub fn write_line(args: fmt::Arguments<'_>) {
    let mut stdout = std::io::stdout().lock();
    let written = stdout.write_fmt(args).and_then(|()| stdout.write_all(b"\n")).and_then(|()| stdout.flush());
    if let Err(err) = written {
        if err.kind() == std::io::ErrorKind::BrokenPipe {
            // Whoever read the output has all they wanted.
            std::process::exit(0);
        }
        eprintln!("error: internal: cannot write to standard output: {err}");
        std::process::exit(1);
    }
}

/// `println!` through [`write_line`].
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::write_line(format_args!($($arg)*))
    };
}
pub(crate) use out;
