//! How a name given by a person becomes the name of a preset: one rule and one table of other
//! spellings, read by [`Scheme::from_name`](crate::Scheme::from_name),
//! [`RetryPolicy::from_name`](crate::RetryPolicy::from_name) and
//! [`Dialect::from_name`](crate::Dialect::from_name), so that a spelling one of them accepts for
//! a system, the others accept for it too.

/// Other spellings of preset names, each with the name it stands for. Only here: a preset's own
/// list (schemes, retry policies, dialects) holds its names once, in this canonical form.
const ALIASES: &[(&str, &str)] = &[
    ("standardwebhooks", "standard-webhooks"),
    ("opscenter", "ops-center"),
    ("thermoworks", "device-service"),
];

/// `name` in the canonical form of preset names: trimmed, lower case, `-` for `_`, and an alias
/// replaced by the name it stands for. Look the result up in the preset's own list.
///
/// ```text
/// " Ops_Center " → "ops-center"      "OpsCenter" → "ops-center"      "ThermoWorks" → "device-service"
/// ```
pub(crate) fn canonical(name: &str) -> String {
    let normal = name.trim().to_ascii_lowercase().replace('_', "-");
    match ALIASES.iter().find(|(alias, _)| *alias == normal) {
        Some((_, name)) => (*name).to_owned(),
        None => normal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_reaches_the_canonical_name() {
        for (given, want) in [
            ("ops-center", "ops-center"),
            (" Ops_Center ", "ops-center"),
            ("OpsCenter", "ops-center"),
            ("standard_webhooks", "standard-webhooks"),
            ("StandardWebhooks", "standard-webhooks"),
            ("ThermoWorks", "device-service"),
            ("nope", "nope"),
        ] {
            assert_eq!(canonical(given), want, "{given:?}");
        }
    }

    #[test]
    fn aliases_stand_for_names_of_the_presets() {
        for (alias, name) in ALIASES {
            assert_eq!(canonical(alias), *name);
            let known = crate::Scheme::names().contains(name)
                || crate::RetryPolicy::names().contains(name)
                || crate::Dialect::names().contains(name);
            assert!(known, "{alias} → {name}, which no preset has");
        }
    }
}
