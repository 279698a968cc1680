//! `event.data` for JS without JSON text: the typed payload handed over as a tape of numbers
//! and one string, from which `lib/event.js` builds the objects with a function per payload
//! type (issue 18).
//!
//! The data's JS value was `JSON.parse` of the core's JSON text of the data: the core wrote the
//! text (escaping every key and string, a tenth of the call) and V8 parsed it again (a third).
//! Here the payload's own `Serialize` (the code that writes that text, so the members, their
//! order, the kept `null`s and the extra fields are the same by construction) drives a
//! serializer that writes each value as a tag and its number into a `Float64Array` the package
//! owns, and the text of strings and keys, unescaped, into the answer string. A typed field is
//! named by its index in its type's field list (the core's [`hookwire::payload_types`]), which
//! the package's function for that type turns into a store of a constant key; an extra field
//! carries its key as text.
//!
//! The JS value is the one `JSON.parse` gives for the JSON text, member for member and in the
//! same order: numbers are the nearest doubles of their digits (Rust's parse and
//! ECMAScript's both round correctly, an `i64` to the nearest double as well), strings the
//! same characters, raw JSON (extra fields, `Json` fields, strings with escapes) handed to
//! `JSON.parse` as written. Lengths are in UTF-16 code units, as JS counts: text that is not
//! ASCII makes the answer a UTF-8 string (V8 decodes it), ASCII text a one-byte one. A payload
//! the tape does not take (more numbers than the package's array holds; a shape the payload
//! types never serialize) is refused with nothing written, and the data goes as JSON text.

use std::sync::OnceLock;

use hookwire::{payload_types, Payload, PayloadField};
use serde::ser::{self, Impossible, Serialize, SerializeMap, SerializeSeq, SerializeStruct, Serializer};

/// The tags of the tape, each followed by what it says (`lib/event.js` reads the same).
pub mod tag {
    /// The end of an object's members.
    pub const END: f64 = 0.0;
    /// A number: the next slot.
    pub const NUM: f64 = 1.0;
    /// A string: the next slot is its length in the text.
    pub const STR: f64 = 2.0;
    pub const TRUE: f64 = 3.0;
    pub const FALSE: f64 = 4.0;
    pub const NULL: f64 = 5.0;
    /// JSON text for `JSON.parse`: the next slot is its length in the text.
    pub const RAW: f64 = 6.0;
    /// An array: the next slot is how many values follow.
    pub const ARR: f64 = 7.0;
    /// A typed record: the next slot is its type's index in [`super::type_keys`], then its
    /// members, then [`END`].
    pub const REC: f64 = 8.0;
    /// An extra member: its key's length in the text, then its value.
    pub const KEY: f64 = 9.0;
    /// A typed member: `FIELD + i` for the type's field `i`, then its value.
    pub const FIELD: f64 = 16.0;
}

/// The payload types, in the order of [`hookwire::payload_types`]: each one's typed fields, and
/// for each field the index of the record type it holds (itself or in a `Vec`), if any.
struct Types {
    names: Vec<&'static str>,
    fields: Vec<&'static [PayloadField]>,
    records: Vec<Vec<Option<usize>>>,
}

fn types() -> &'static Types {
    static TYPES: OnceLock<Types> = OnceLock::new();
    TYPES.get_or_init(|| {
        let all = payload_types();
        let names: Vec<&'static str> = all.iter().map(|(name, _)| *name).collect();
        let record = |ty: &str| {
            let inner = ty.strip_prefix("Vec<").and_then(|rest| rest.strip_suffix('>')).unwrap_or(ty);
            names.iter().position(|name| *name == inner)
        };
        let fields = all.iter().map(|(_, fields)| *fields).collect();
        let records =
            all.iter().map(|(_, fields)| fields.iter().map(|field| record(field.ty)).collect()).collect();
        Types { names, fields, records }
    })
}

/// The JSON keys of each payload type's typed fields, by type index: what the package's
/// builders are made from.
pub fn type_keys() -> Vec<Vec<&'static str>> {
    types().fields.iter().map(|fields| fields.iter().map(|field| field.key).collect()).collect()
}

/// Where a payload is written: the tape's numbers, and the text of its strings and keys, added
/// at the end of the answer string.
pub struct Tape<'o> {
    pub slots: &'o mut Vec<f64>,
    pub text: &'o mut Vec<u8>,
    /// Whether the text holds a character that is not ASCII: the answer is then UTF-8, which
    /// JS reads as UTF-16 (the lengths on the tape are in its code units).
    pub wide: bool,
    /// The most slots the package's array holds.
    pub room: usize,
}

/// Writes `payload` onto the tape; `false` (and the tape and text as they were) when it does
/// not take it (see the module's doc).
pub fn write(payload: &Payload, tape: &mut Tape<'_>) -> bool {
    let name = payload.family().payload_type();
    let record = name.and_then(|name| types().names.iter().position(|known| *known == name));
    let (slots, text) = (tape.slots.len(), tape.text.len());
    let written = payload.serialize(Value { tape, record }).is_ok();
    if !written {
        tape.slots.truncate(slots);
        tape.text.truncate(text);
    }
    written
}

/// Why a payload was not taken (never shown: the data then goes as JSON text).
#[derive(Debug)]
pub struct Refused;

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not written on the tape")
    }
}

impl std::error::Error for Refused {}

impl ser::Error for Refused {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Refused
    }
}

impl Tape<'_> {
    /// `values` onto the slots; refused past `room` (the package's array holds no more, and
    /// the slots are kept for the next call: they stay as small as the array).
    fn put(&mut self, values: &[f64]) -> Result<(), Refused> {
        if self.slots.len() + values.len() > self.room {
            return Err(Refused);
        }
        self.slots.extend_from_slice(values);
        Ok(())
    }

    /// `text` after a tag: its length in UTF-16 code units (JS's), and its bytes in the text.
    fn text(&mut self, tag: f64, text: &str) -> Result<(), Refused> {
        let len = utf16_len(text, &mut self.wide);
        self.put(&[tag, len as f64])?;
        self.text.extend_from_slice(text.as_bytes());
        Ok(())
    }

    /// A raw JSON value as written: a number, `true`, `false`, `null` and a string without
    /// escapes as themselves, anything else (whitespace around one of those too, which
    /// serde_json's raw values do not keep) as text for `JSON.parse`.
    fn raw(&mut self, json: &str) -> Result<(), Refused> {
        match json.as_bytes().first() {
            Some(b'-' | b'0'..=b'9') => match json.parse::<f64>() {
                Ok(number) => self.put(&[tag::NUM, number]),
                Err(_) => self.text(tag::RAW, json),
            },
            Some(b'"') if json.len() >= 2 && json.ends_with('"') && !json.contains('\\') => {
                self.text(tag::STR, &json[1..json.len() - 1])
            }
            _ => match json {
                "true" => self.put(&[tag::TRUE]),
                "false" => self.put(&[tag::FALSE]),
                "null" => self.put(&[tag::NULL]),
                _ => self.text(tag::RAW, json),
            },
        }
    }
}

/// A serializer that takes a string only (a member's key, a raw value's JSON text) and hands it
/// to its function: every other kind is refused.
struct Text<F>(F);

/// Methods of a serializer (`Ok` type `$ok`) that refuse their kind of value, by name.
macro_rules! refuse {
    ($ok:ty; $($method:ident),* $(,)?) => {$( refuse!(@ $ok; $method); )*};
    (@ $ok:ty; serialize_some) => {
        fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<$ok, Refused> {
            Err(Refused)
        }
    };
    (@ $ok:ty; serialize_newtype_struct) => {
        fn serialize_newtype_struct<T: ?Sized + Serialize>(self, _: &'static str, _: &T) -> Result<$ok, Refused> {
            Err(Refused)
        }
    };
    (@ $ok:ty; serialize_newtype_variant) => {
        fn serialize_newtype_variant<T: ?Sized + Serialize>(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: &T,
        ) -> Result<$ok, Refused> {
            Err(Refused)
        }
    };
    (@ $ok:ty; serialize_seq) => {
        fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Refused> {
            Err(Refused)
        }
    };
    (@ $ok:ty; serialize_tuple) => {
        fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Refused> {
            Err(Refused)
        }
    };
    (@ $ok:ty; serialize_tuple_struct) => {
        fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, Refused> {
            Err(Refused)
        }
    };
    (@ $ok:ty; serialize_tuple_variant) => {
        fn serialize_tuple_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleVariant, Refused> {
            Err(Refused)
        }
    };
    (@ $ok:ty; serialize_map) => {
        fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Refused> {
            Err(Refused)
        }
    };
    (@ $ok:ty; serialize_struct) => {
        fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Refused> {
            Err(Refused)
        }
    };
    (@ $ok:ty; serialize_struct_variant) => {
        fn serialize_struct_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeStructVariant, Refused> {
            Err(Refused)
        }
    };
    (@ $ok:ty; serialize_unit_variant) => {
        fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Result<$ok, Refused> {
            Err(Refused)
        }
    };
    (@ $ok:ty; serialize_unit_struct) => {
        fn serialize_unit_struct(self, _: &'static str) -> Result<$ok, Refused> {
            Err(Refused)
        }
    };
    (@ $ok:ty; serialize_none) => {
        fn serialize_none(self) -> Result<$ok, Refused> {
            Err(Refused)
        }
    };
    (@ $ok:ty; serialize_unit) => {
        fn serialize_unit(self) -> Result<$ok, Refused> {
            Err(Refused)
        }
    };
    (@ $ok:ty; serialize_bytes) => {
        fn serialize_bytes(self, _: &[u8]) -> Result<$ok, Refused> {
            Err(Refused)
        }
    };
    (@ $ok:ty; serialize_char) => {
        fn serialize_char(self, _: char) -> Result<$ok, Refused> {
            Err(Refused)
        }
    };
    (@ $ok:ty; $method:ident) => {
        // The numbers and `bool`: one argument of the kind the name says.
        refuse!(@scalar $ok; $method);
    };
    (@scalar $ok:ty; serialize_bool) => { fn serialize_bool(self, _: bool) -> Result<$ok, Refused> { Err(Refused) } };
    (@scalar $ok:ty; serialize_i8) => { fn serialize_i8(self, _: i8) -> Result<$ok, Refused> { Err(Refused) } };
    (@scalar $ok:ty; serialize_i16) => { fn serialize_i16(self, _: i16) -> Result<$ok, Refused> { Err(Refused) } };
    (@scalar $ok:ty; serialize_i32) => { fn serialize_i32(self, _: i32) -> Result<$ok, Refused> { Err(Refused) } };
    (@scalar $ok:ty; serialize_i64) => { fn serialize_i64(self, _: i64) -> Result<$ok, Refused> { Err(Refused) } };
    (@scalar $ok:ty; serialize_u8) => { fn serialize_u8(self, _: u8) -> Result<$ok, Refused> { Err(Refused) } };
    (@scalar $ok:ty; serialize_u16) => { fn serialize_u16(self, _: u16) -> Result<$ok, Refused> { Err(Refused) } };
    (@scalar $ok:ty; serialize_u32) => { fn serialize_u32(self, _: u32) -> Result<$ok, Refused> { Err(Refused) } };
    (@scalar $ok:ty; serialize_u64) => { fn serialize_u64(self, _: u64) -> Result<$ok, Refused> { Err(Refused) } };
    (@scalar $ok:ty; serialize_f32) => { fn serialize_f32(self, _: f32) -> Result<$ok, Refused> { Err(Refused) } };
    (@scalar $ok:ty; serialize_f64) => { fn serialize_f64(self, _: f64) -> Result<$ok, Refused> { Err(Refused) } };
}

impl<O, F: FnOnce(&str) -> Result<O, Refused>> Serializer for Text<F> {
    type Ok = O;
    type Error = Refused;
    type SerializeSeq = Impossible<O, Refused>;
    type SerializeTuple = Impossible<O, Refused>;
    type SerializeTupleStruct = Impossible<O, Refused>;
    type SerializeTupleVariant = Impossible<O, Refused>;
    type SerializeMap = Impossible<O, Refused>;
    type SerializeStruct = Impossible<O, Refused>;
    type SerializeStructVariant = Impossible<O, Refused>;

    fn serialize_str(self, text: &str) -> Result<O, Refused> {
        (self.0)(text)
    }

    refuse!(O; serialize_bool, serialize_i8, serialize_i16, serialize_i32, serialize_i64, serialize_u8,
        serialize_u16, serialize_u32, serialize_u64, serialize_f32, serialize_f64, serialize_char,
        serialize_bytes, serialize_none, serialize_unit, serialize_unit_struct, serialize_unit_variant,
        serialize_some, serialize_newtype_struct, serialize_newtype_variant, serialize_seq,
        serialize_tuple, serialize_tuple_struct, serialize_tuple_variant, serialize_map,
        serialize_struct, serialize_struct_variant);
}

/// The length of `text` in UTF-16 code units: its bytes when ASCII, else counted (`wide` set).
pub fn utf16_len(text: &str, wide: &mut bool) -> usize {
    if text.is_ascii() {
        return text.len();
    }
    *wide = true;
    text.chars().map(char::len_utf16).sum()
}

/// Methods of [`Value`] writing an integer of each width as the nearest double.
macro_rules! integers {
    ($($method:ident($ty:ty)),*) => {$(
        #[allow(clippy::cast_precision_loss, clippy::cast_lossless)]
        fn $method(self, v: $ty) -> Result<(), Refused> {
            self.tape.put(&[tag::NUM, v as f64])
        }
    )*};
}

/// A value to write, and the record type it is when it is one.
struct Value<'t, 'o> {
    tape: &'t mut Tape<'o>,
    record: Option<usize>,
}

/// The name serde_json's `RawValue` serializes under (a struct of one field, its text).
const RAW_VALUE: &str = "$serde_json::private::RawValue";

impl<'t, 'o> Serializer for Value<'t, 'o> {
    type Ok = ();
    type Error = Refused;
    type SerializeSeq = Elements<'t, 'o>;
    type SerializeTuple = Impossible<(), Refused>;
    type SerializeTupleStruct = Impossible<(), Refused>;
    type SerializeTupleVariant = Impossible<(), Refused>;
    type SerializeMap = Members<'t, 'o>;
    type SerializeStruct = Raw<'t, 'o>;
    type SerializeStructVariant = Impossible<(), Refused>;

    fn serialize_bool(self, v: bool) -> Result<(), Refused> {
        self.tape.put(&[if v { tag::TRUE } else { tag::FALSE }])
    }
    // Every integer as the nearest double, as `JSON.parse` reads its digits.
    integers!(serialize_i8(i8), serialize_i16(i16), serialize_i32(i32), serialize_i64(i64));
    integers!(serialize_u8(u8), serialize_u16(u16), serialize_u32(u32), serialize_u64(u64));
    fn serialize_str(self, v: &str) -> Result<(), Refused> {
        self.tape.text(tag::STR, v)
    }
    fn serialize_none(self) -> Result<(), Refused> {
        self.tape.put(&[tag::NULL])
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<(), Refused> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Refused> {
        self.serialize_none()
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Refused> {
        value.serialize(self)
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Elements<'t, 'o>, Refused> {
        let len = len.ok_or(Refused)?;
        self.tape.put(&[tag::ARR, len as f64])?;
        Ok(Elements { tape: self.tape, record: self.record, left: len })
    }
    /// A typed record (the only maps a payload writes).
    fn serialize_map(self, _: Option<usize>) -> Result<Members<'t, 'o>, Refused> {
        let record = self.record.ok_or(Refused)?;
        let types = types();
        self.tape.put(&[tag::REC, record as f64])?;
        Ok(Members {
            tape: self.tape,
            fields: types.fields[record],
            records: &types.records[record],
            next: 0,
            extras: false,
        })
    }
    /// serde_json's `RawValue` (the only struct a payload writes): its text.
    fn serialize_struct(self, name: &'static str, _: usize) -> Result<Raw<'t, 'o>, Refused> {
        if name != RAW_VALUE {
            return Err(Refused);
        }
        Ok(Raw { tape: self.tape, written: false })
    }

    // Never written by a payload: its numbers are digits or integers (and JSON has no NaN).
    refuse!((); serialize_f32, serialize_f64, serialize_char, serialize_bytes, serialize_unit_struct,
        serialize_unit_variant, serialize_newtype_variant, serialize_tuple, serialize_tuple_struct,
        serialize_tuple_variant, serialize_struct_variant);
}

/// The elements of an array (records of the same type when the field holds them).
struct Elements<'t, 'o> {
    tape: &'t mut Tape<'o>,
    record: Option<usize>,
    left: usize,
}

impl SerializeSeq for Elements<'_, '_> {
    type Ok = ();
    type Error = Refused;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Refused> {
        // As many as announced: the count is already on the tape.
        self.left = self.left.checked_sub(1).ok_or(Refused)?;
        value.serialize(Value { tape: self.tape, record: self.record })
    }
    fn end(self) -> Result<(), Refused> {
        if self.left == 0 {
            Ok(())
        } else {
            Err(Refused)
        }
    }
}

/// The members of a typed record: its typed fields in their order (each named by its index),
/// then the extra ones (each with its key). A member named like a typed field after a later
/// one or after an extra (a kept `null`) goes as an extra: the builder stores each member in
/// the order it comes, so the object is the same either way.
struct Members<'t, 'o> {
    tape: &'t mut Tape<'o>,
    /// The record type's typed fields, and the record type each holds.
    fields: &'static [PayloadField],
    records: &'static [Option<usize>],
    /// The index of the next typed field a member may name.
    next: usize,
    /// Whether an extra member came: every later one goes as an extra too.
    extras: bool,
}

impl SerializeMap for Members<'_, '_> {
    type Ok = ();
    type Error = Refused;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, _: &T) -> Result<(), Refused> {
        // `serialize_entry` is what the payloads call.
        Err(Refused)
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, _: &T) -> Result<(), Refused> {
        Err(Refused)
    }
    fn serialize_entry<K: ?Sized + Serialize, V: ?Sized + Serialize>(
        &mut self,
        key: &K,
        value: &V,
    ) -> Result<(), Refused> {
        let record = key.serialize(Text(|key: &str| self.key(key)))?;
        value.serialize(Value { tape: self.tape, record })
    }
    fn end(self) -> Result<(), Refused> {
        self.tape.put(&[tag::END])
    }
}

impl Members<'_, '_> {
    /// Writes a member's key: the typed field's index, or the key's text; answers the record
    /// type its value is.
    fn key(&mut self, key: &str) -> Result<Option<usize>, Refused> {
        if !self.extras {
            let rest = self.fields.get(self.next..).unwrap_or_default();
            if let Some(at) = rest.iter().position(|field| field.key == key) {
                let field = self.next + at;
                self.next = field + 1;
                self.tape.put(&[tag::FIELD + field as f64])?;
                return Ok(self.records.get(field).copied().flatten());
            }
            self.extras = true;
        }
        self.tape.text(tag::KEY, key)?;
        Ok(None)
    }
}

/// serde_json's `RawValue`: one field, its JSON text.
struct Raw<'t, 'o> {
    tape: &'t mut Tape<'o>,
    written: bool,
}

impl SerializeStruct for Raw<'_, '_> {
    type Ok = ();
    type Error = Refused;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, _: &'static str, value: &T) -> Result<(), Refused> {
        if std::mem::replace(&mut self.written, true) {
            return Err(Refused);
        }
        value.serialize(Text(|json: &str| self.tape.raw(json)))
    }
    fn end(self) -> Result<(), Refused> {
        if self.written {
            Ok(())
        } else {
            Err(Refused)
        }
    }
}
