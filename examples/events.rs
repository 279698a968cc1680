//! Receives one webhook of each typed family, each from a different system: verifies it with
//! that system's scheme, parses it in that system's dialect and reads typed fields. Run with
//! `make demo`.

use hookwire::{Dialect, Payload, Scheme, Secret, Signer, Verifier};

const NOW: i64 = 1_754_647_200;

fn main() -> Result<(), hookwire::Error> {
    let deliveries: [(&str, Scheme, Dialect, Option<&str>, &str); 4] = [
        (
            "AuraConnect order",
            Scheme::auraconnect(),
            Dialect::AuraConnect,
            None,
            r#"{"id":"evt_123","type":"order.created","created":"2025-08-08T10:00:00Z","data":{"object":{"id":1001,"order_number":"ORD-2025-001","restaurant_id":1,"status":"pending","total_amount":45.99,"items":[{"id":1,"menu_item_id":10,"quantity":2,"price":12.99,"modifiers":[]}]}}}"#,
        ),
        (
            "ThermoWorks reading",
            Scheme::device_service(),
            Dialect::DeviceService,
            Some("temperature_update"),
            r#"{"device_id":"device_12345","device_name":"Signals","battery_level":85,"probes":[{"probe_id":"1","temperature":225.5,"unit":"F","timestamp":"2025-07-20T14:30:00Z"},{"probe_id":"2","temperature":135.2,"unit":"F","timestamp":"2025-07-20T14:30:00Z"}]}"#,
        ),
        (
            "webnet job",
            Scheme::webnet(),
            Dialect::Webnet,
            None,
            r#"{"event_timestamp":"2025-12-02T01:00:00Z","event_type":"job.completed","actor":{"id":1,"username":"admin"},"job":{"id":123,"type":"config_backup","status":"success","target_summary":{"device_count":5},"result_summary":{"backed_up":5}}}"#,
        ),
        (
            "Ops Center user",
            Scheme::ops_center(),
            Dialect::OpsCenter,
            None,
            r#"{"event":"user.created","timestamp":"2025-01-26T12:00:00Z","data":{"user_id":123,"email":"user@example.com","created_at":"2025-01-26T12:00:00Z"},"webhook_id":"wh_9f2c"}"#,
        ),
    ];
    let secret = Secret::parse("your-webhook-secret")?;
    for (label, scheme, dialect, route, body) in deliveries {
        // What the sender does...
        let headers = Signer::new(scheme.clone(), secret.clone()).sign("evt_123", NOW, body.as_bytes())?;
        // ...and what the receiver does: verify the raw bytes, then read the typed event.
        let message = Verifier::new(scheme, [secret.clone()]).verify_at(&headers, body.as_bytes(), NOW)?;
        let event = dialect.parse(message.body(), route)?;
        println!("{label:<20} {:<19} {}", event.event_type(), describe(event.payload()));
    }
    Ok(())
}

fn describe(payload: &Payload) -> String {
    match payload {
        Payload::Order(order) => format!(
            "order {} total {} ({} item(s), exact decimal)",
            order.id.as_ref().map(ToString::to_string).unwrap_or_default(),
            order.total_amount.as_ref().map(|d| d.as_str()).unwrap_or("?"),
            order.items.as_ref().map_or(0, Vec::len)
        ),
        Payload::Device(device) => {
            let probes = device.probes.iter().flatten();
            let readings: Vec<String> = probes
                .map(|p| {
                    let unit = match p.unit {
                        Some(hookwire::TemperatureUnit::Celsius) => "C",
                        Some(hookwire::TemperatureUnit::Fahrenheit) => "F",
                        None => "",
                    };
                    format!("{}°{unit}", p.temperature.as_ref().map(|t| t.as_str()).unwrap_or("?"))
                })
                .collect();
            format!(
                "{} probes: {}",
                device.device_id.as_ref().map(ToString::to_string).unwrap_or_default(),
                readings.join(", ")
            )
        }
        Payload::Job(job) => format!(
            "job {} {} -> {}",
            job.id.as_ref().map(ToString::to_string).unwrap_or_default(),
            job.job_type.as_deref().unwrap_or("?"),
            job.result_summary.as_ref().map(|j| j.get()).unwrap_or("{}")
        ),
        Payload::User(user) => format!(
            "user {} <{}>",
            user.user_id.as_ref().map(ToString::to_string).unwrap_or_default(),
            user.email.as_deref().unwrap_or("?")
        ),
        Payload::Other(data) => format!("other: {}", data.get()),
        _ => "unknown payload".to_owned(),
    }
}
