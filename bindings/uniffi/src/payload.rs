//! The typed payloads as uniffi records, one `From` per core type. Field names are the core's
//! (`bindings/payload_fields.json`, checked by the tests below); every field is optional, as
//! in the core, and the fields the core does not type are in `extra` (key → JSON text).
//!
//! Scalars: `Decimal` → `String` (exact, as sent: `"45.99"`); `Timestamp` → `String` (RFC 3339
//! text or unix seconds, as sent); `Json` → `String` (JSON text); `Id` → [`Id`] (integer or
//! text, as sent).

use std::collections::HashMap;

/// A translation from a core value to its foreign form.
trait Translate<T> {
    fn translate(&self) -> T;
}

macro_rules! same {
    ($($t:ty),*) => {$(
        impl Translate<$t> for $t {
            fn translate(&self) -> $t {
                self.clone()
            }
        }
    )*};
}
same!(String, bool, i64);

impl<A: Translate<B>, B> Translate<Vec<B>> for Vec<A> {
    fn translate(&self) -> Vec<B> {
        self.iter().map(Translate::translate).collect()
    }
}

impl Translate<String> for hookwire::Decimal {
    fn translate(&self) -> String {
        self.as_str().to_owned()
    }
}

impl Translate<String> for hookwire::Timestamp {
    fn translate(&self) -> String {
        self.to_string()
    }
}

impl Translate<String> for hookwire::Json {
    fn translate(&self) -> String {
        self.get().to_owned()
    }
}

impl Translate<Id> for hookwire::Id {
    fn translate(&self) -> Id {
        match self {
            hookwire::Id::Int(value) => Id::Integer { value: *value },
            hookwire::Id::Text(value) => Id::Text { value: value.clone() },
            hookwire::Id::BigInt(digits) => Id::Text { value: digits.to_string() },
        }
    }
}

impl Translate<TemperatureUnit> for hookwire::TemperatureUnit {
    fn translate(&self) -> TemperatureUnit {
        match self {
            hookwire::TemperatureUnit::Fahrenheit => TemperatureUnit::Fahrenheit,
            hookwire::TemperatureUnit::Celsius => TemperatureUnit::Celsius,
        }
    }
}

/// An id as it was sent: ids are integers in one system and strings in another.
#[derive(uniffi::Enum, Debug, Clone, PartialEq, Eq, Hash)]
pub enum Id {
    /// Sent as a JSON integer (`1001`).
    Integer {
        /// The number.
        value: i64,
    },
    /// Sent as a JSON string (`"order_123"`).
    Text {
        /// The text.
        value: String,
    },
}

#[uniffi::export]
impl Id {
    /// The id as text, whichever way it was sent (`"1001"`, `"order_123"`).
    pub fn text(&self) -> String {
        match self {
            Id::Integer { value } => value.to_string(),
            Id::Text { value } => value.clone(),
        }
    }
}

/// Unit of a probe reading (`"F"` or `"C"` on the wire).
#[derive(uniffi::Enum, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TemperatureUnit {
    /// `"F"`
    Fahrenheit,
    /// `"C"`
    Celsius,
}

fn extra_of(extra: &hookwire::Extra) -> HashMap<String, String> {
    extra.iter().map(|(key, value)| (key.to_owned(), value.get().to_owned())).collect()
}

/// Declares a record for a core payload type from one field list: the record, its `FIELDS`
/// (checked against `payload_fields.json`), the `From` conversion (a struct literal, so a record
/// field without a conversion does not compile) and `present` (the fields that hold a value).
macro_rules! record {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$field_meta:meta])* $field:ident: $ty:ty, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(uniffi::Record, Debug, Clone, Default, PartialEq)]
        pub struct $name {
            $( $(#[$field_meta])* pub $field: Option<$ty>, )*
            /// Fields not typed above: key → JSON text, as sent.
            pub extra: HashMap<String, String>,
        }

        impl $name {
            /// The typed fields, in the core's order.
            pub const FIELDS: &'static [&'static str] = &[$(stringify!($field)),*];

            /// The typed fields that hold a value.
            pub fn present(&self) -> Vec<&'static str> {
                let mut present = Vec::new();
                $( if self.$field.is_some() { present.push(stringify!($field)); } )*
                present
            }
        }

        impl From<&hookwire::$name> for $name {
            fn from(core: &hookwire::$name) -> $name {
                $name {
                    $( $field: core.$field.as_ref().map(Translate::translate), )*
                    extra: extra_of(&core.extra),
                }
            }
        }

        impl Translate<$name> for hookwire::$name {
            fn translate(&self) -> $name {
                $name::from(self)
            }
        }
    };
}

record! {
    /// A device: a thermometer, an edge box, a network switch.
    pub struct Device {
        /// Device id.
        device_id: Id,
        /// Human name.
        device_name: String,
        /// Model name.
        model: String,
        /// Battery level in percent, exact.
        battery_level: String,
        /// Signal strength in percent, exact.
        signal_strength: String,
        /// Whether the device is reachable.
        is_online: bool,
        /// Status text.
        status: String,
        /// When the device was last heard from.
        last_seen: String,
        /// Temperature probes.
        probes: Vec<Probe>,
    }
}

record! {
    /// One temperature probe reading.
    pub struct Probe {
        /// Probe id.
        probe_id: Id,
        /// The reading, exact as sent.
        temperature: String,
        /// `F` or `C`.
        unit: TemperatureUnit,
        /// When it was read.
        timestamp: String,
    }
}

record! {
    /// An order. Money is exact decimal text (`"45.99"`).
    pub struct Order {
        /// Order id (AuraConnect: `1001`).
        id: Id,
        /// Order id (HomeChef: `"order_123"`).
        order_id: Id,
        /// Human order number.
        order_number: String,
        /// Restaurant.
        restaurant_id: Id,
        /// Customer.
        customer_id: Id,
        /// Chef.
        chef_id: Id,
        /// Status.
        status: String,
        /// Status before this change.
        previous_status: String,
        /// Names of the fields this update changed.
        updated_fields: Vec<String>,
        /// Total, exact decimal text.
        total_amount: String,
        /// Line items.
        items: Vec<OrderItem>,
        /// Preparation time in minutes.
        preparation_time: i64,
        /// Total time in minutes.
        total_time_minutes: i64,
        /// Created.
        created_at: String,
        /// Updated.
        updated_at: String,
        /// Completed.
        completed_at: String,
    }
}

record! {
    /// One line of an order.
    pub struct OrderItem {
        /// Line id.
        id: Id,
        /// Menu item.
        menu_item_id: Id,
        /// How many.
        quantity: i64,
        /// Unit price, exact decimal text.
        price: String,
        /// Modifiers, each as JSON text.
        modifiers: Vec<String>,
    }
}

record! {
    /// A job of an automation system (`type` on the wire).
    pub struct Job {
        /// Job id.
        id: Id,
        /// Kind of job (`config_backup`); the JSON key is `type`.
        job_type: String,
        /// Status.
        status: String,
        /// Requested.
        requested_at: String,
        /// Started.
        started_at: String,
        /// Finished.
        finished_at: String,
        /// What the job ran against, JSON text.
        target_summary: String,
        /// What it produced, JSON text.
        result_summary: String,
    }
}

record! {
    /// Who caused an event.
    pub struct Actor {
        /// User id.
        id: Id,
        /// User name.
        username: String,
    }
}

record! {
    /// A user account.
    pub struct User {
        /// User id.
        user_id: Id,
        /// E-mail address.
        email: String,
        /// Created.
        created_at: String,
    }
}

/// The records' field lists by core type name, for the tests.
#[cfg(test)]
pub(crate) fn record_fields() -> Vec<(&'static str, &'static [&'static str])> {
    vec![
        ("Device", Device::FIELDS),
        ("Probe", Probe::FIELDS),
        ("Order", Order::FIELDS),
        ("OrderItem", OrderItem::FIELDS),
        ("Job", Job::FIELDS),
        ("Actor", Actor::FIELDS),
        ("User", User::FIELDS),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One payload type of `payload_fields.json`: its name and its fields as (key, name, type).
    type Generated = (String, Vec<(String, String, String)>);

    /// `bindings/payload_fields.json`: type name → [(key, name, type)].
    fn generated() -> Vec<Generated> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../payload_fields.json");
        let text = std::fs::read_to_string(path).expect("bindings/payload_fields.json");
        let json: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        let text = |v: &serde_json::Value| v.as_str().expect("a string").to_owned();
        json["types"]
            .as_object()
            .expect("types")
            .iter()
            .map(|(name, fields)| {
                let fields = fields.as_array().expect("fields");
                let fields =
                    fields.iter().map(|f| (text(&f["key"]), text(&f["name"]), text(&f["type"]))).collect();
                (name.clone(), fields)
            })
            .collect()
    }

    #[test]
    fn records_have_exactly_the_fields_of_payload_fields_json() {
        let records = record_fields();
        let generated = generated();
        let mut names: Vec<_> = generated.iter().map(|(name, _)| name.as_str()).collect();
        names.sort_unstable();
        let mut ours: Vec<_> = records.iter().map(|(name, _)| *name).collect();
        ours.sort_unstable();
        assert_eq!(ours, names, "one record per payload type");
        for (name, fields) in &generated {
            let (_, ours) = records.iter().find(|(n, _)| n == name).expect(name);
            let theirs: Vec<_> = fields.iter().map(|(_, name, _)| name.as_str()).collect();
            assert_eq!(
                *ours,
                theirs.as_slice(),
                "fields of the {name} record (add the new field to the record)"
            );
        }
    }

    #[test]
    fn payload_fields_json_is_the_core_table() {
        // The file is the core's table (the core's own test keeps it current); the records
        // follow the file, so they follow the core.
        let generated = generated();
        for (name, fields) in hookwire::payload_types() {
            let (_, theirs) = generated.iter().find(|(n, _)| n == name).expect(name);
            let core: Vec<_> = fields.iter().map(|f| (f.key, f.name, f.ty)).collect();
            let theirs: Vec<_> =
                theirs.iter().map(|(k, n, t)| (k.as_str(), n.as_str(), t.as_str())).collect();
            assert_eq!(core, theirs, "{name}");
        }
    }

    /// A JSON value of the core type `ty`, nested types filled completely.
    fn value_of(ty: &str, generated: &[Generated]) -> serde_json::Value {
        use serde_json::json;
        if let Some(inner) = ty.strip_prefix("Vec<").and_then(|t| t.strip_suffix('>')) {
            return json!([value_of(inner, generated)]);
        }
        match ty {
            "Id" => json!(7),
            "String" => json!("text"),
            "Decimal" => json!(12.50),
            "bool" => json!(true),
            "i64" => json!(3),
            "Timestamp" => json!("2025-08-08T10:00:00Z"),
            "Json" => json!({"k": [1]}),
            "TemperatureUnit" => json!("C"),
            nested => {
                let (_, fields) = generated.iter().find(|(n, _)| n == nested).expect(nested);
                let object =
                    fields.iter().map(|(key, _, ty)| (key.clone(), value_of(ty, generated))).collect();
                serde_json::Value::Object(object)
            }
        }
    }

    #[test]
    fn every_field_is_converted() {
        let generated = generated();
        let all = |name: &str| value_of(name, &generated);
        let parse = |event_type: &str, data: serde_json::Value| {
            let body = serde_json::json!({"type": event_type, "data": data, "actor": all("Actor")});
            hookwire::Event::from_json(body.to_string().as_bytes()).expect(event_type)
        };
        let full = |present: Vec<&str>, fields: &[&str], name: &str| {
            assert_eq!(present, fields, "{name}: every typed field must be converted");
        };
        let event = parse("device.temperature", all("Device"));
        let hookwire::Payload::Device(core) = event.payload() else { panic!("device") };
        let device = Device::from(core);
        full(device.present(), Device::FIELDS, "Device");
        full(device.probes.as_ref().unwrap()[0].present(), Probe::FIELDS, "Probe");
        let actor = Actor::from(event.actor().expect("actor"));
        full(actor.present(), Actor::FIELDS, "Actor");

        let event = parse("order.created", all("Order"));
        let hookwire::Payload::Order(core) = event.payload() else { panic!("order") };
        let order = Order::from(core);
        full(order.present(), Order::FIELDS, "Order");
        full(order.items.as_ref().unwrap()[0].present(), OrderItem::FIELDS, "OrderItem");
        assert_eq!(order.total_amount.as_deref(), Some("12.5"));

        let event = parse("job.completed", all("Job"));
        let hookwire::Payload::Job(core) = event.payload() else { panic!("job") };
        full(Job::from(core).present(), Job::FIELDS, "Job");

        let event = parse("user.created", all("User"));
        let hookwire::Payload::User(core) = event.payload() else { panic!("user") };
        full(User::from(core).present(), User::FIELDS, "User");
    }

    #[test]
    fn values_stay_exact() {
        let body = br#"{"type":"order.created","data":{"id":1001,"order_id":"ord_1","total_amount":45.990,"items":[{"price":0.1,"modifiers":[{"a":1}]}],"tip":{"x":1}}}"#;
        let event = hookwire::Event::from_json(body).unwrap();
        let hookwire::Payload::Order(core) = event.payload() else { panic!("order") };
        let order = Order::from(core);
        assert_eq!(order.id, Some(Id::Integer { value: 1001 }));
        assert_eq!(order.order_id, Some(Id::Text { value: "ord_1".into() }));
        assert_eq!(order.total_amount.as_deref(), Some("45.990"));
        let item = &order.items.as_ref().unwrap()[0];
        assert_eq!(item.price.as_deref(), Some("0.1"));
        assert_eq!(item.modifiers.as_deref(), Some(&[r#"{"a":1}"#.to_owned()][..]));
        assert_eq!(order.extra.get("tip").map(String::as_str), Some(r#"{"x":1}"#));
    }
}
