//! `hookwire events`: the catalog of event types, or one type's sample event.

use clap::Args as ClapArgs;
use hookwire::Dialect;
use serde_json::json;

use crate::exit::Outcome;
use crate::output::out;

const EXAMPLES: &str = "\
Examples:
  hookwire events                          # every type: name, family, description
  hookwire events --json                   # one JSON object per type
  hookwire events order.created            # the sample event, as `send --type` sends it
  hookwire events job.completed --dialect webnet   # the same sample in webnet's envelope";

/// `hookwire events`
#[derive(Debug, ClapArgs)]
#[command(after_long_help = EXAMPLES)]
pub struct Args {
    /// Print this type's sample event instead of the catalog.
    #[arg(value_name = "TYPE")]
    event_type: Option<String>,
    /// The envelope of the sample: hookwire (default), ops-center, webnet, homechef,
    /// auraconnect, device-service.
    #[arg(long, value_name = "DIALECT", requires = "event_type")]
    dialect: Option<String>,
    /// The catalog as one JSON object per line: type, family, description (a sample is JSON
    /// already).
    #[arg(long)]
    json: bool,
}

/// Prints the catalog or a sample.
pub fn run(args: Args) -> Outcome {
    if let Some(event_type) = &args.event_type {
        let event = hookwire::sample(event_type)?;
        let dialect = args.dialect.as_deref().map_or(Ok(Dialect::Hookwire), Dialect::from_name)?;
        let body = dialect.encode(&event)?;
        out!("{}", String::from_utf8_lossy(&body));
        return Ok(true);
    }
    let catalog = hookwire::catalog();
    let width = catalog.iter().map(|info| info.name.len()).max().unwrap_or(0);
    for info in catalog {
        let family = info.family.as_str();
        if args.json {
            out!("{}", json!({"type": info.name, "family": family, "description": info.description}));
        } else {
            out!("{:<width$}  {family:<6}  {}", info.name, info.description);
        }
    }
    Ok(true)
}
