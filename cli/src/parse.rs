//! Small argument formats: durations (`500ms`, `30s`, `5m`, `2h`, `7d`; a bare number is
//! seconds), rates (`1000/1h`), headers (`Name: value`), fixed resolutions (`name:ip`).

use std::net::IpAddr;
use std::time::Duration;

/// `500ms`, `30s`, `5m`, `2h`, `7d`, or a bare number of seconds.
pub fn duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let value: u64 =
        digits.parse().map_err(|_| format!("`{text}` is not a duration such as 500ms, 30s, 5m, 2h, 7d"))?;
    let millis = match unit {
        "ms" => 1,
        "" | "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return Err(format!("`{text}`: the unit must be ms, s, m, h or d")),
    };
    value.checked_mul(millis).map(Duration::from_millis).ok_or_else(|| format!("`{text}` is too long"))
}

/// A list of durations (one argument, so clap must not see a `Vec`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Durations(pub Vec<Duration>);

/// A comma-separated list of durations: `0,30s,5m`.
pub fn durations(text: &str) -> Result<Durations, String> {
    text.split(',').map(duration).collect::<Result<_, _>>().map(Durations)
}

/// `COUNT/PERIOD`, e.g. `1000/1h`.
pub fn rate(text: &str) -> Result<(u32, Duration), String> {
    let (count, period) =
        text.split_once('/').ok_or_else(|| format!("`{text}` is not a rate such as 1000/1h"))?;
    let count = count.trim().parse().map_err(|_| format!("`{count}` is not a count"))?;
    Ok((count, duration(period)?))
}

/// `Name: value`.
pub fn header(text: &str) -> Result<(String, String), String> {
    let (name, value) =
        text.split_once(':').ok_or_else(|| format!("`{text}` is not a header such as 'X-Tenant: 7'"))?;
    Ok((name.trim().to_owned(), value.trim().to_owned()))
}

/// `name:address`, like curl's `--resolve` (without the port).
pub fn resolve(text: &str) -> Result<(String, IpAddr), String> {
    let (name, addr) = text.split_once(':').ok_or_else(|| format!("`{text}` is not NAME:ADDRESS"))?;
    let addr = addr.trim_matches(['[', ']']).parse().map_err(|_| format!("`{addr}` is not an IP address"))?;
    Ok((name.to_owned(), addr))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_people_write_them() {
        let cases = [
            ("500ms", 500),
            ("30s", 30_000),
            ("30", 30_000),
            ("5m", 300_000),
            ("2h", 7_200_000),
            ("7d", 604_800_000),
        ];
        for (text, millis) in cases {
            assert_eq!(duration(text), Ok(Duration::from_millis(millis)), "{text}");
        }
        for bad in ["", "s", "5 weeks", "-1s", "1.5s", "99999999999999999999d"] {
            assert!(duration(bad).is_err(), "{bad}");
        }
        assert_eq!(durations("0,1s,2m").unwrap().0.len(), 3);
        assert_eq!(rate("1000/1h"), Ok((1000, Duration::from_secs(3600))));
        assert_eq!(header("X-Tenant: kitchen-7"), Ok(("X-Tenant".into(), "kitchen-7".into())));
        assert_eq!(resolve("hooks.example.com:127.0.0.1").unwrap().1, "127.0.0.1".parse::<IpAddr>().unwrap());
    }
}
