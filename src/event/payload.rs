//! Typed payloads of the device, order, job and user families. Field sets come from the five
//! systems hookwire integrates with; every field is optional and everything else is kept in
//! `extra`, so parse → serialize is lossless.

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::value::RawValue;

use super::json::{
    invalid, null_raw, read_streamed, refuse_other_kinds, Cx, Decimal, Extra, FromJson, HasCx, Id, Json, Key,
    Nullable, Path, Timestamp, REPEATED,
};
use crate::Error;

/// One typed field of a payload type (see [`payload_types`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PayloadField {
    /// The JSON key (`"type"`).
    pub key: &'static str,
    /// The Rust field name (`job_type`).
    pub name: &'static str,
    /// The Rust type inside the `Option` (`Decimal`, `Vec<Probe>`).
    pub ty: &'static str,
}

/// Every typed payload type with its fields, nested types included: the one source the Python
/// stubs, TypeScript types and uniffi records are checked against.
///
/// ```
/// let types = hookwire::payload_types();
/// let (_, order) = types.iter().find(|(name, _)| *name == "Order").unwrap();
/// assert!(order.iter().any(|f| f.key == "total_amount" && f.ty == "Decimal"));
/// ```
pub fn payload_types() -> [(&'static str, &'static [PayloadField]); 7] {
    [
        ("Device", Device::FIELDS),
        ("Probe", Probe::FIELDS),
        ("Order", Order::FIELDS),
        ("OrderItem", OrderItem::FIELDS),
        ("Job", Job::FIELDS),
        ("Actor", Actor::FIELDS),
        ("User", User::FIELDS),
    ]
}

/// The most bytes an array of records first reserves: below glibc's smallest large-block size
/// (1,024 bytes with its header), so the first reservation is served from the small bins. A
/// `Vec`'s first block holds at least four elements, so this holds for records of up to 250
/// bytes: those read in arrays are (`OrderItem` 136; a test checks).
const FIRST_ROOM: usize = 1000;

/// Declares a payload struct whose fields are all optional, with the JSON key of each, and
/// derives reading (naming the field on error) and lossless writing from that one list.
macro_rules! typed_object {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$field_meta:meta])* $field:ident: $ty:ty = $key:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq)]
        #[non_exhaustive]
        pub struct $name {
            $( $(#[$field_meta])* pub $field: Option<$ty>, )*
            /// Fields not typed above, kept as they arrived.
            pub extra: Extra,
        }

        impl $name {
            /// The JSON keys this type reads into typed fields.
            pub const KEYS: &'static [&'static str] = &[$($key),*];

            /// The typed fields: JSON key, Rust field name and type. The bindings' types are
            /// checked against this (`bindings/payload_fields.json`).
            pub const FIELDS: &'static [PayloadField] =
                &[$(PayloadField { key: $key, name: stringify!($field), ty: stringify!($ty) }),*];

            /// Whether the object held any key this type reads (a typed key sent as `null` counts).
            // Asked of the four family payloads only, not of the nested types.
            #[allow(dead_code)]
            pub(crate) fn has_typed_key(&self) -> bool {
                $( self.$field.is_some() || )* self.extra.iter().any(|(key, _)| Self::KEYS.contains(&key))
            }
        }

        impl FromJson for $name {
            const STREAMED: bool = true;

            fn from_json(raw: &RawValue, path: &Path<'_>) -> Result<Self, Error> {
                read_streamed(raw.get(), path)
            }

            fn from_de<'de, D: Deserializer<'de>>(deserializer: D, cx: &Cx<'_>) -> Result<Self, D::Error> {
                let mut out = $name::default();
                $name::read_into(deserializer, cx, &mut out)?;
                Ok(out)
            }

            fn push_de<'de, D: Deserializer<'de>>(
                deserializer: D,
                cx: &Cx<'_>,
                items: &mut Vec<Self>,
            ) -> Result<(), D::Error> {
                if items.is_empty() {
                    // Arrays of records hold several as a rule: room for them at once, rather
                    // than moving the first ones through two reallocations. Up to eight, in
                    // at most `FIRST_ROOM` bytes: a larger block is no longer one of glibc's
                    // small sizes, and allocating one first merges every small block freed
                    // since (`malloc_consolidate`: 2 % of Node's parseEvent of the order).
                    items.reserve((FIRST_ROOM / std::mem::size_of::<Self>().max(1)).clamp(1, 8));
                }
                items.push($name::default());
                match items.last_mut() {
                    Some(out) => $name::read_into(deserializer, cx, out),
                    None => Ok(()),
                }
            }
        }

        impl $name {
            /// Reads an object into `out` (a default record) where it already lies.
            pub(crate) fn read_into<'de, D: Deserializer<'de>>(deserializer: D, cx: &Cx<'_>, out: &mut $name) -> Result<(), D::Error> {
                struct V<'c, 'o>(&'c Cx<'c>, &'o mut $name);
                impl<'c> HasCx<'c> for V<'c, '_> {
                    fn cx(&self) -> &'c Cx<'c> {
                        self.0
                    }
                }
                impl<'de> Visitor<'de> for V<'_, '_> {
                    type Value = ();
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str("an object")
                    }
                    // Fields in order: typed keys are read into their fields, everything else
                    // is kept raw (repeats included, as they came). A typed key seen twice is an
                    // error, a null first included: parsers disagree on which copy counts (RFC
                    // 8259 leaves it open), and one typed field cannot keep both.
                    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
                        let cx = self.0;
                        let out = self.1;
                        let mut nulls: Vec<&'static str> = Vec::new();
                        let mut extra: Vec<(String, Box<RawValue>)> = Vec::new();
                        while let Some(Key(key)) = map.next_key()? {
                            match key.as_ref() {
                                $( $key => {
                                    if out.$field.is_some() || nulls.contains(&$key) {
                                        return Err(cx.fail(invalid(&cx.path.key($key), REPEATED)));
                                    }
                                    let path = cx.path.key($key);
                                    let inner = Cx { path: &path, error: cx.error };
                                    let value = if <$ty as FromJson>::STREAMED {
                                        map.next_value_seed(Nullable::<$ty>::new(&inner))?
                                    } else {
                                        // A scalar is one token: taken raw at once, which is what
                                        // its streamed read would do after asking for a null.
                                        let raw: &RawValue = map.next_value()?;
                                        match raw.get() {
                                            "null" => None,
                                            _ => Some(<$ty>::from_json(raw, &path).map_err(|e| inner.fail(e))?),
                                        }
                                    };
                                    match value {
                                        Some(value) => out.$field = Some(value),
                                        None => {
                                            nulls.push($key);
                                            extra.push(($key.to_owned(), null_raw()));
                                        }
                                    }
                                } )*
                                _ => {
                                    let raw: &RawValue = map.next_value()?;
                                    extra.push((key.into_owned(), raw.to_owned()));
                                }
                            }
                        }
                        out.extra = Extra::from_fields(extra);
                        Ok(())
                    }
                    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<(), A::Error> {
                        Err(self.0.fail(invalid(self.0.path, "must be an object")))
                    }
                    refuse_other_kinds!("must be an object"; visit_bool(bool), visit_i64(i64), visit_u64(u64),
                        visit_f64(f64), visit_str(&str), visit_unit());
                }
                deserializer.deserialize_any(V(cx, out))
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(None)?;
                $( if let Some(value) = &self.$field { map.serialize_entry($key, value)?; } )*
                // The typed fields' names are asked for only when there are extra ones.
                if !self.extra.is_empty() {
                    self.extra.write(&mut map, &[$(($key, self.$field.is_some())),*])?;
                }
                map.end()
            }
        }
    };
}

typed_object! {
    /// A device: a thermometer, an edge box, a network switch.
    ///
    /// ```
    /// use hookwire::{Device, Decimal};
    /// let mut device = Device::default();
    /// device.device_id = Some("device_12345".into());
    /// device.battery_level = Some(Decimal::from(85));
    /// ```
    pub struct Device {
        /// Device id (`"device_12345"`).
        device_id: Id = "device_id",
        /// Human name.
        device_name: String = "device_name",
        /// Model name.
        model: String = "model",
        /// Battery level in percent.
        battery_level: Decimal = "battery_level",
        /// Signal strength in percent.
        signal_strength: Decimal = "signal_strength",
        /// Whether the device is reachable.
        is_online: bool = "is_online",
        /// Status text (`online`, `offline`, `reachable`, ...).
        status: String = "status",
        /// When the device was last heard from.
        last_seen: Timestamp = "last_seen",
        /// Temperature probes.
        probes: Vec<Probe> = "probes",
    }
}

typed_object! {
    /// One temperature probe reading.
    ///
    /// ```
    /// use hookwire::{Probe, TemperatureUnit};
    /// let mut probe = Probe::default();
    /// probe.temperature = Some("225.5".parse()?);
    /// probe.unit = Some(TemperatureUnit::Fahrenheit);
    /// # Ok::<(), hookwire::Error>(())
    /// ```
    pub struct Probe {
        /// Probe id (`"1"`).
        probe_id: Id = "probe_id",
        /// The reading, exact as sent.
        temperature: Decimal = "temperature",
        /// `F` or `C`.
        unit: TemperatureUnit = "unit",
        /// When it was read.
        timestamp: Timestamp = "timestamp",
    }
}

/// Unit of a probe reading: `"F"` or `"C"` on the wire; anything else is `invalid_payload`.
///
/// ```
/// let event = hookwire::Dialect::DeviceService.parse(
///     br#"{"probes":[{"probe_id":"1","temperature":107.5,"unit":"C"}]}"#, Some("temperature_update"))?;
/// let hookwire::Payload::Device(device) = event.payload() else { unreachable!() };
/// assert_eq!(device.probes.as_ref().unwrap()[0].unit, Some(hookwire::TemperatureUnit::Celsius));
/// # Ok::<(), hookwire::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemperatureUnit {
    /// `"F"`
    Fahrenheit,
    /// `"C"`
    Celsius,
}

impl FromJson for TemperatureUnit {
    fn from_json(raw: &RawValue, path: &Path<'_>) -> Result<Self, Error> {
        match raw.get() {
            "\"F\"" => Ok(TemperatureUnit::Fahrenheit),
            "\"C\"" => Ok(TemperatureUnit::Celsius),
            _ => Err(invalid(path, "must be \"F\" or \"C\"")),
        }
    }
}

impl Serialize for TemperatureUnit {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(match self {
            TemperatureUnit::Fahrenheit => "F",
            TemperatureUnit::Celsius => "C",
        })
    }
}

typed_object! {
    /// An order of a restaurant or delivery platform. Money is exact ([`Decimal`]).
    ///
    /// ```
    /// use hookwire::{Order, Id};
    /// let mut order = Order::default();
    /// order.id = Some(Id::from(1001));
    /// order.total_amount = Some("45.99".parse()?);
    /// # Ok::<(), hookwire::Error>(())
    /// ```
    pub struct Order {
        /// Order id (AuraConnect: `1001`).
        id: Id = "id",
        /// Order id (HomeChef: `"order_123"`).
        order_id: Id = "order_id",
        /// Human order number.
        order_number: String = "order_number",
        /// Restaurant.
        restaurant_id: Id = "restaurant_id",
        /// Customer.
        customer_id: Id = "customer_id",
        /// Chef.
        chef_id: Id = "chef_id",
        /// Status (`pending`, `preparing`, `completed`, ...).
        status: String = "status",
        /// Status before this change.
        previous_status: String = "previous_status",
        /// Names of the fields this update changed.
        updated_fields: Vec<String> = "updated_fields",
        /// Total, exact.
        total_amount: Decimal = "total_amount",
        /// Line items.
        items: Vec<OrderItem> = "items",
        /// Preparation time in minutes.
        preparation_time: i64 = "preparation_time",
        /// Total time in minutes.
        total_time_minutes: i64 = "total_time_minutes",
        /// Created.
        created_at: Timestamp = "created_at",
        /// Updated.
        updated_at: Timestamp = "updated_at",
        /// Completed.
        completed_at: Timestamp = "completed_at",
    }
}

typed_object! {
    /// One line of an order.
    ///
    /// ```
    /// let mut item = hookwire::OrderItem::default();
    /// item.quantity = Some(2);
    /// item.price = Some("12.99".parse()?);
    /// # Ok::<(), hookwire::Error>(())
    /// ```
    pub struct OrderItem {
        /// Line id.
        id: Id = "id",
        /// Menu item.
        menu_item_id: Id = "menu_item_id",
        /// How many.
        quantity: i64 = "quantity",
        /// Unit price, exact.
        price: Decimal = "price",
        /// Modifiers, as sent.
        modifiers: Vec<Json> = "modifiers",
    }
}

typed_object! {
    /// A job of an automation system (webnet: backups, deployments, compliance checks).
    ///
    /// ```
    /// use hookwire::{Event, Job, Json, Payload};
    /// let mut job = Job::default();
    /// job.job_type = Some("config_backup".into());
    /// job.result_summary = Some(Json::parse(r#"{"backed_up":5}"#)?);
    /// let event = Event::new("job.completed", Payload::Job(job))?;
    /// assert_eq!(event.to_json(), br#"{"type":"job.completed","data":{"type":"config_backup","result_summary":{"backed_up":5}}}"#);
    /// # Ok::<(), hookwire::Error>(())
    /// ```
    pub struct Job {
        /// Job id.
        id: Id = "id",
        /// Kind of job (`config_backup`).
        job_type: String = "type",
        /// Status (`success`, `failed`, ...).
        status: String = "status",
        /// Requested.
        requested_at: Timestamp = "requested_at",
        /// Started.
        started_at: Timestamp = "started_at",
        /// Finished.
        finished_at: Timestamp = "finished_at",
        /// What the job ran against (`{"device_count": 5}`).
        target_summary: Json = "target_summary",
        /// What it produced (`{"backed_up": 5}`).
        result_summary: Json = "result_summary",
    }
}

typed_object! {
    /// Who caused an event (webnet's envelope `actor`).
    ///
    /// ```
    /// let mut event = hookwire::sample("job.completed")?;
    /// let mut actor = hookwire::Actor::default();
    /// actor.username = Some("admin".into());
    /// event.set_actor(Some(actor));
    /// assert_eq!(event.actor().unwrap().username.as_deref(), Some("admin"));
    /// # Ok::<(), hookwire::Error>(())
    /// ```
    pub struct Actor {
        /// User id.
        id: Id = "id",
        /// User name.
        username: String = "username",
    }
}

typed_object! {
    /// A user account; whatever else arrives (`ip`, `mfa`, ...) is in `extra`.
    ///
    /// ```
    /// let event = hookwire::Event::from_data("user.created", &serde_json::json!({"user_id": 123, "plan": "pro"}))?;
    /// let hookwire::Payload::User(user) = event.payload() else { unreachable!() };
    /// assert_eq!(user.user_id, Some(hookwire::Id::Int(123)));
    /// assert_eq!(user.extra.get("plan").unwrap().get(), r#""pro""#);
    /// # Ok::<(), hookwire::Error>(())
    /// ```
    pub struct User {
        /// User id (`123` or `"usr_…"`).
        user_id: Id = "user_id",
        /// E-mail address.
        email: String = "email",
        /// Created.
        created_at: Timestamp = "created_at",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_read_in_arrays_take_their_first_room_in_a_small_block() {
        // A `Vec`'s first block holds at least four elements: `FIRST_ROOM` bounds it only for
        // records of at most a quarter of it.
        for (name, size) in
            [("OrderItem", std::mem::size_of::<OrderItem>()), ("Probe", std::mem::size_of::<Probe>())]
        {
            assert!(size * 4 <= FIRST_ROOM, "{name} is {size} bytes");
        }
    }
}
