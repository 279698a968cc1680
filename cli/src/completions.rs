//! `hookwire completions`: shell completion scripts, generated from the same definitions as
//! the parser (clap_complete), so they cannot drift from the commands.

use clap::{Args as ClapArgs, CommandFactory as _};
use clap_complete::Shell;

use crate::exit::Outcome;

const EXAMPLES: &str = "\
Examples:
  hookwire completions bash > ~/.local/share/bash-completion/completions/hookwire
  hookwire completions zsh > \"${fpath[1]}/_hookwire\"
  hookwire completions fish > ~/.config/fish/completions/hookwire.fish";

/// `hookwire completions`
#[derive(Debug, ClapArgs)]
#[command(after_long_help = EXAMPLES)]
pub struct Args {
    /// The shell.
    #[arg(value_enum)]
    shell: Shell,
}

/// Prints the script.
pub fn run(args: Args) -> Outcome {
    let mut command = crate::Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "hookwire", &mut script);
    crate::output::out!("{}", String::from_utf8_lossy(&script).trim_end());
    Ok(true)
}
