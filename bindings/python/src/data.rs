//! An event's data as Python objects, built straight from the core's parsed values: the typed
//! payloads serialize (serde) into the `hookwire.payloads` dataclasses through a serializer
//! that makes Python objects, with no JSON text in between; only what the core keeps as raw
//! JSON (fields no type names, the data of other families) is read here, from its exact text.
//! Numbers that are not integers, and every field typed `Decimal`, become exact `Decimal`s.
//!
//! Which class a JSON object becomes, and which of its keys are typed fields of which kind,
//! comes from the generated `hookwire.payloads` (its `_FIELDS` tables, themselves generated from
//! the core's `payload_types()`), read once per process: the field lists are not written here.

use std::collections::HashMap;
use std::fmt;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyDict, PyList, PyString, PyTuple, PyType};
use pyo3::IntoPyObjectExt;
use serde::de::{Deserializer as _, MapAccess, Visitor};
use serde::ser::{self, Impossible, Serialize};
use serde_json::value::RawValue;

/// The name serde_json serializes a `RawValue` under (a struct of one field of this name whose
/// value is the JSON text).
const RAW_VALUE: &str = "$serde_json::private::RawValue";

/// What a value becomes.
#[derive(Debug, Clone)]
enum Kind {
    /// Python's JSON values (`Decimal` for numbers that are not integers).
    Plain,
    /// A `Decimal`, integers included.
    Decimal,
    /// An instance of the payload class of this index, when the value is an object.
    Class(usize),
    /// A list of values of the inner kind.
    List(Box<Kind>),
}

struct Class {
    /// `(cls,)`: the arguments of `object.__new__`, made once (a tuple is immutable).
    new_args: Py<PyTuple>,
    /// JSON key, attribute name, kind: a list, as a payload type has a dozen fields or so (a
    /// scan of short keys beats hashing them).
    fields: Vec<(String, Py<PyString>, Kind)>,
}

struct Tables {
    classes: Vec<Class>,
    /// Event family (`order`) → its payload class.
    families: HashMap<String, usize>,
    actor: usize,
    decimal: Py<PyAny>,
    int: Py<PyAny>,
    /// `object.__new__`: a payload object is made without its `__init__`.
    new: Py<PyAny>,
    extra: Py<PyString>,
}

fn tables(py: Python<'_>) -> PyResult<&Tables> {
    static TABLES: PyOnceLock<Tables> = PyOnceLock::new();
    TABLES.get_or_try_init(py, || load(py))
}

fn load(py: Python<'_>) -> PyResult<Tables> {
    let payloads = py.import("hookwire.payloads")?;
    let types = payloads.getattr("_TYPES")?.cast_into::<PyDict>()?;
    let mut names: Vec<String> = Vec::new();
    let mut classes: Vec<Bound<'_, PyType>> = Vec::new();
    for (name, cls) in types.iter() {
        names.push(name.extract()?);
        classes.push(cls.cast_into::<PyType>()?);
    }
    let index = |name: &str| -> PyResult<usize> {
        names.iter().position(|n| n == name).ok_or_else(|| {
            PyValueError::new_err(format!("hookwire.payloads has no class {name} (regenerate it)"))
        })
    };
    fn kind_of(text: &str, index: &dyn Fn(&str) -> PyResult<usize>) -> PyResult<Kind> {
        Ok(match text {
            "plain" => Kind::Plain,
            "decimal" => Kind::Decimal,
            _ => match text.strip_prefix("list:") {
                Some(inner) => Kind::List(Box::new(kind_of(inner, index)?)),
                None => Kind::Class(index(text)?),
            },
        })
    }
    let mut out = Vec::with_capacity(classes.len());
    for cls in &classes {
        let mut fields = Vec::new();
        for row in cls.getattr("_FIELDS")?.try_iter()? {
            let (key, name, kind): (String, String, String) = row?.extract()?;
            fields.push((key, PyString::intern(py, &name).unbind(), kind_of(&kind, &index)?));
        }
        let new_args = PyTuple::new(py, [cls])?.unbind();
        out.push(Class { new_args, fields });
    }
    let mut families = HashMap::new();
    for (family, cls) in payloads.getattr("FAMILIES")?.cast_into::<PyDict>()?.iter() {
        let name: String = cls.getattr("__name__")?.extract()?;
        families.insert(family.extract()?, index(&name)?);
    }
    Ok(Tables {
        classes: out,
        families,
        actor: index("Actor")?,
        decimal: py.import("decimal")?.getattr("Decimal")?.unbind(),
        int: py.import("builtins")?.getattr("int")?.unbind(),
        new: py.import("builtins")?.getattr("object")?.getattr("__new__")?.unbind(),
        extra: PyString::intern(py, "extra").unbind(),
    })
}

/// The data of an event of `family`: its payload class, or plain values for other families.
pub(crate) fn payload<'py>(
    py: Python<'py>,
    family: &str,
    data: &impl Serialize,
) -> PyResult<Bound<'py, PyAny>> {
    let tables = tables(py)?;
    let kind = tables.families.get(family).map_or(Kind::Plain, |&index| Kind::Class(index));
    data.serialize(ToPy { py, tables, kind: &kind }).map_err(|Error(e)| e)
}

/// Webnet's actor as a `hookwire.payloads.Actor`.
pub(crate) fn actor<'py>(py: Python<'py>, actor: &impl Serialize) -> PyResult<Bound<'py, PyAny>> {
    let tables = tables(py)?;
    actor.serialize(ToPy { py, tables, kind: &Kind::Class(tables.actor) }).map_err(|Error(e)| e)
}

/// A serializer error: the Python exception that stopped it.
struct Error(PyErr);

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(PyValueError::new_err(msg.to_string()))
    }
}

impl From<PyErr> for Error {
    fn from(error: PyErr) -> Self {
        Error(error)
    }
}

type Out<'py> = Result<Bound<'py, PyAny>, Error>;

/// An object of payload class `index`: its typed fields set, every other key (and a typed key
/// sent as `null`) in `extra`. Made without `__init__` (the dataclass's defaults are class
/// attributes), its attributes set as `object.__setattr__` sets them: most of the time an
/// `__init__` of a frozen dataclass would take is its Python call of `object.__setattr__` per
/// field.
struct Instance<'a, 'py> {
    class: &'a Class,
    object: Bound<'py, PyAny>,
    extra: Bound<'py, PyDict>,
    /// Where the next key's field is looked for first: the core writes a payload's fields in
    /// the order of its type, which is the order of `fields`, so the scan mostly hits at once.
    next: usize,
}

impl<'a, 'py> Instance<'a, 'py> {
    fn new(py: Python<'py>, tables: &'a Tables, index: usize) -> PyResult<Self> {
        let class = &tables.classes[index];
        let object = tables.new.bind(py).call1(class.new_args.bind(py))?;
        let extra = PyDict::new(py);
        set_attribute(&object, tables.extra.bind(py), &extra)?;
        Ok(Instance { class, object, extra, next: 0 })
    }

    /// The JSON key, attribute name and kind of `key`, when it is a typed field.
    fn field(&mut self, key: &str) -> Option<(&'a str, &'a Py<PyString>, &'a Kind)> {
        let fields: &'a [(String, Py<PyString>, Kind)] = &self.class.fields;
        // Lengths first: most keys that are not this field are told apart without a compare.
        let mut at = self.next;
        for _ in 0..fields.len() {
            if at >= fields.len() {
                at = 0;
            }
            let (text, name, kind) = &fields[at];
            if text.len() == key.len() && text.as_bytes() == key.as_bytes() {
                self.next = at + 1;
                return Some((text, name, kind));
            }
            at += 1;
        }
        None
    }

    fn set(
        &self,
        key: &Bound<'py, PyAny>,
        field: Option<(&str, &Py<PyString>, &Kind)>,
        value: Bound<'py, PyAny>,
    ) -> PyResult<()> {
        match field {
            Some((_, name, _)) if !value.is_none() => {
                set_attribute(&self.object, name.bind(key.py()), &value)
            }
            _ => self.extra.set_item(key, value),
        }
    }

    fn finish(self) -> Out<'py> {
        Ok(self.object)
    }
}

/// Sets attribute `name` of `object` as `object.__setattr__` does, past a frozen dataclass's
/// own `__setattr__`: into the instance's attribute values where CPython keeps them inline
/// (3.11 and later), without making its `__dict__` and without a Python call per field.
fn set_attribute(
    object: &Bound<'_, PyAny>,
    name: &Bound<'_, PyString>,
    value: &Bound<'_, PyAny>,
) -> PyResult<()> {
    // SAFETY: the three are live references (bound to the attached interpreter) for the call;
    // `PyObject_GenericSetAttr` (stable ABI) borrows them and takes its own reference to
    // `value`. On -1 it has set the exception, which `PyErr::fetch` takes.
    let status =
        unsafe { pyo3::ffi::PyObject_GenericSetAttr(object.as_ptr(), name.as_ptr(), value.as_ptr()) };
    if status == 0 {
        Ok(())
    } else {
        Err(PyErr::fetch(object.py()))
    }
}

/// A number written as JSON text: an `int` when it is an integer (and the kind is not
/// `Decimal`), else an exact `Decimal`.
fn number<'py>(py: Python<'py>, tables: &Tables, text: &str, kind: &Kind) -> Out<'py> {
    let integer = !text.bytes().any(|b| matches!(b, b'.' | b'e' | b'E'));
    let as_str = || PyString::new(py, text);
    if integer && !matches!(kind, Kind::Decimal) {
        if let Ok(small) = text.parse::<i64>() {
            return Ok(small.into_bound_py_any(py)?);
        }
        // Longer than Python converts (sys.get_int_max_str_digits()): ValueError, which the
        // caller reports as InvalidPayload.
        return Ok(tables.int.bind(py).call1((as_str(),))?);
    }
    Ok(tables.decimal.bind(py).call1((as_str(),))?)
}

/// A value the core keeps as JSON text (`RawValue`), read into Python objects of `kind`.
fn raw<'py>(py: Python<'py>, tables: &Tables, text: &str, kind: &Kind) -> Out<'py> {
    let text = text.trim();
    let json = |e: serde_json::Error| Error(PyValueError::new_err(e.to_string()));
    match text.as_bytes().first() {
        Some(b'{') => {
            let mut de = serde_json::Deserializer::from_str(text);
            let entries = de.deserialize_map(Entries).map_err(json)?;
            match kind {
                Kind::Class(index) => {
                    let mut instance = Instance::new(py, tables, *index)?;
                    for (key, value) in entries {
                        let field = instance.field(&key);
                        let kind = field.map_or(&Kind::Plain, |(_, _, kind)| kind);
                        let value = raw(py, tables, value.get(), kind)?;
                        instance.set(PyString::new(py, &key).as_any(), field, value)?;
                    }
                    instance.finish()
                }
                _ => {
                    let dict = PyDict::new(py);
                    for (key, value) in entries {
                        dict.set_item(key, raw(py, tables, value.get(), &Kind::Plain)?)?;
                    }
                    Ok(dict.into_any())
                }
            }
        }
        Some(b'[') => {
            let items: Vec<&RawValue> = serde_json::from_str(text).map_err(json)?;
            let inner = match kind {
                Kind::List(inner) => inner,
                _ => &Kind::Plain,
            };
            let items =
                items.iter().map(|item| raw(py, tables, item.get(), inner)).collect::<Result<Vec<_>, _>>()?;
            Ok(PyList::new(py, items)?.into_any())
        }
        Some(b'"') => {
            let text: String = serde_json::from_str(text).map_err(json)?;
            Ok(PyString::new(py, &text).into_any())
        }
        Some(b't') => Ok(PyBool::new(py, true).to_owned().into_any()),
        Some(b'f') => Ok(PyBool::new(py, false).to_owned().into_any()),
        Some(b'n') => Ok(py.None().into_bound(py)),
        _ => number(py, tables, text, kind),
    }
}

/// The members of a JSON object in order, each value still JSON text (a repeated key: the
/// last wins when they land in a dict, as with `json.loads`).
struct Entries;

impl<'de> Visitor<'de> for Entries {
    type Value = Vec<(String, &'de RawValue)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(map.size_hint().unwrap_or(8));
        while let Some(entry) = map.next_entry::<String, &'de RawValue>()? {
            out.push(entry);
        }
        Ok(out)
    }
}

/// A serializer whose output is a Python object of `kind`.
struct ToPy<'a, 'py> {
    py: Python<'py>,
    tables: &'a Tables,
    kind: &'a Kind,
}

impl<'a, 'py> ToPy<'a, 'py> {
    fn with(&self, kind: &'a Kind) -> ToPy<'a, 'py> {
        ToPy { py: self.py, tables: self.tables, kind }
    }

    fn plain(&self) -> ToPy<'a, 'py> {
        self.with(&Kind::Plain)
    }

    fn int(&self, value: impl IntoPyObject<'py>) -> Out<'py> {
        if matches!(self.kind, Kind::Decimal) {
            let text = value.into_bound_py_any(self.py)?.str()?;
            return Ok(self.tables.decimal.bind(self.py).call1((text,))?);
        }
        Ok(value.into_bound_py_any(self.py)?)
    }
}

impl<'a, 'py> ser::Serializer for ToPy<'a, 'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;
    type SerializeSeq = Seq<'a, 'py>;
    type SerializeTuple = Seq<'a, 'py>;
    type SerializeTupleStruct = Seq<'a, 'py>;
    type SerializeTupleVariant = Impossible<Self::Ok, Error>;
    type SerializeMap = Map<'a, 'py>;
    type SerializeStruct = Struct<'a, 'py>;
    type SerializeStructVariant = Impossible<Self::Ok, Error>;

    fn serialize_bool(self, v: bool) -> Out<'py> {
        Ok(PyBool::new(self.py, v).to_owned().into_any())
    }
    fn serialize_i8(self, v: i8) -> Out<'py> {
        self.int(v)
    }
    fn serialize_i16(self, v: i16) -> Out<'py> {
        self.int(v)
    }
    fn serialize_i32(self, v: i32) -> Out<'py> {
        self.int(v)
    }
    fn serialize_i64(self, v: i64) -> Out<'py> {
        self.int(v)
    }
    fn serialize_u8(self, v: u8) -> Out<'py> {
        self.int(v)
    }
    fn serialize_u16(self, v: u16) -> Out<'py> {
        self.int(v)
    }
    fn serialize_u32(self, v: u32) -> Out<'py> {
        self.int(v)
    }
    fn serialize_u64(self, v: u64) -> Out<'py> {
        self.int(v)
    }
    fn serialize_f32(self, v: f32) -> Out<'py> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Out<'py> {
        // The core writes no float (money and readings are exact decimals); should one come, it
        // is read as its shortest text, exactly, like every other number.
        number(self.py, self.tables, &v.to_string(), self.kind)
    }
    fn serialize_char(self, v: char) -> Out<'py> {
        Ok(PyString::new(self.py, v.encode_utf8(&mut [0; 4])).into_any())
    }
    fn serialize_str(self, v: &str) -> Out<'py> {
        Ok(PyString::new(self.py, v).into_any())
    }
    fn serialize_bytes(self, v: &[u8]) -> Out<'py> {
        Ok(PyBytes::new(self.py, v).into_any())
    }
    fn serialize_none(self) -> Out<'py> {
        Ok(self.py.None().into_bound(self.py))
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Out<'py> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Out<'py> {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Out<'py> {
        self.serialize_none()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Out<'py> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(self, _: &'static str, value: &T) -> Out<'py> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Out<'py> {
        let dict = PyDict::new(self.py);
        dict.set_item(variant, value.serialize(self.plain())?)?;
        Ok(dict.into_any())
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Seq<'a, 'py>, Error> {
        let inner = match self.kind {
            Kind::List(inner) => inner,
            _ => &Kind::Plain,
        };
        Ok(Seq { to: self.with(inner), items: Vec::with_capacity(len.unwrap_or(0)) })
    }
    fn serialize_tuple(self, len: usize) -> Result<Seq<'a, 'py>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Seq<'a, 'py>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(ser::Error::custom("tuple variants are not JSON"))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Map<'a, 'py>, Error> {
        let target = match self.kind {
            Kind::Class(index) => Target::Instance(Instance::new(self.py, self.tables, *index)?),
            _ => Target::Dict(PyDict::new(self.py)),
        };
        Ok(Map { to: self, target, pending: None })
    }
    fn serialize_struct(self, name: &'static str, _: usize) -> Result<Struct<'a, 'py>, Error> {
        if name == RAW_VALUE {
            return Ok(Struct::Raw(self, None));
        }
        let map = self.serialize_map(None)?;
        Ok(Struct::Map(map))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(ser::Error::custom("struct variants are not JSON"))
    }
}

struct Seq<'a, 'py> {
    to: ToPy<'a, 'py>,
    items: Vec<Bound<'py, PyAny>>,
}

impl<'py> Seq<'_, 'py> {
    fn push<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        self.items.push(value.serialize(self.to.with(self.to.kind))?);
        Ok(())
    }

    fn list(self) -> Out<'py> {
        Ok(PyList::new(self.to.py, self.items)?.into_any())
    }
}

impl<'py> ser::SerializeSeq for Seq<'_, 'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        self.push(value)
    }
    fn end(self) -> Out<'py> {
        self.list()
    }
}

impl<'py> ser::SerializeTuple for Seq<'_, 'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        self.push(value)
    }
    fn end(self) -> Out<'py> {
        Ok(PyTuple::new(self.to.py, self.items)?.into_any())
    }
}

impl<'py> ser::SerializeTupleStruct for Seq<'_, 'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        self.push(value)
    }
    fn end(self) -> Out<'py> {
        self.list()
    }
}

enum Target<'a, 'py> {
    Instance(Instance<'a, 'py>),
    Dict(Bound<'py, PyDict>),
}

struct Map<'a, 'py> {
    to: ToPy<'a, 'py>,
    target: Target<'a, 'py>,
    /// Where the value of the key just read goes.
    pending: Option<Slot<'a, 'py>>,
}

/// Where a map's value goes, decided from its key's text when the key is read (the text is
/// never copied: a typed field is found from it, and only keys that land in a dict become
/// Python `str`s).
enum Slot<'a, 'py> {
    /// A payload's typed field: its JSON key, attribute name and kind.
    Field(&'a str, &'a Py<PyString>, &'a Kind),
    /// A key of a dict: the data of other families, a payload's `extra`.
    Key(Bound<'py, PyString>),
}

impl<'a, 'py> Map<'a, 'py> {
    fn slot(&mut self, key: &str) -> Slot<'a, 'py> {
        let field = match &mut self.target {
            Target::Instance(instance) => instance.field(key),
            Target::Dict(_) => None,
        };
        match field {
            Some((key, name, kind)) => Slot::Field(key, name, kind),
            None => Slot::Key(PyString::new(self.to.py, key)),
        }
    }

    /// The entry of `slot` → `value`: a typed field's value of its kind (`None` in `extra`),
    /// anything else as plain Python values.
    fn put<T: ?Sized + Serialize>(&mut self, slot: Slot<'a, 'py>, value: &T) -> Result<(), Error> {
        let py = self.to.py;
        match (&self.target, slot) {
            (Target::Dict(dict), Slot::Key(key)) => dict.set_item(key, value.serialize(self.to.plain())?)?,
            (Target::Instance(instance), Slot::Key(key)) => {
                instance.extra.set_item(key, value.serialize(self.to.plain())?)?
            }
            (Target::Instance(instance), Slot::Field(key, name, kind)) => {
                let value = value.serialize(self.to.with(kind))?;
                if value.is_none() {
                    instance.extra.set_item(key, value)?;
                } else {
                    set_attribute(&instance.object, name.bind(py), &value)?;
                }
            }
            (Target::Dict(_), Slot::Field(..)) => return Err(ser::Error::custom("a field of no payload")),
        }
        Ok(())
    }

    /// The entry `key` → `value` (a struct's field, its name known).
    fn entry<T: ?Sized + Serialize>(&mut self, key: &str, value: &T) -> Result<(), Error> {
        let slot = self.slot(key);
        self.put(slot, value)
    }

    fn finish(self) -> Out<'py> {
        match self.target {
            Target::Dict(dict) => Ok(dict.into_any()),
            Target::Instance(instance) => instance.finish(),
        }
    }
}

impl<'py> ser::SerializeMap for Map<'_, 'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), Error> {
        let mut slot = None;
        key.serialize(KeyText(&mut |text: &str| slot = Some(self.slot(text))))?;
        self.pending = slot;
        Ok(())
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        let Some(slot) = self.pending.take() else {
            return Err(ser::Error::custom("a value without a key"));
        };
        self.put(slot, value)
    }
    fn end(self) -> Out<'py> {
        self.finish()
    }
}

/// A serializer that hands text to its function: a map key's (a JSON object's keys are text),
/// a `RawValue`'s JSON.
struct KeyText<'f>(&'f mut dyn FnMut(&str));

macro_rules! not_a_key {
    ($($method:ident($($arg:ty),*)),* $(,)?) => {$(
        fn $method(self, $(_: $arg),*) -> Result<(), Error> {
            Err(ser::Error::custom("a JSON object's keys are text"))
        }
    )*};
}

impl ser::Serializer for KeyText<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Impossible<(), Error>;
    type SerializeTuple = Impossible<(), Error>;
    type SerializeTupleStruct = Impossible<(), Error>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = Impossible<(), Error>;
    type SerializeStruct = Impossible<(), Error>;
    type SerializeStructVariant = Impossible<(), Error>;

    fn serialize_str(self, v: &str) -> Result<(), Error> {
        (self.0)(v);
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        (self.0)(v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    not_a_key!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str),
        serialize_unit_variant(&'static str, u32, &'static str),
    );
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Error> {
        Err(ser::Error::custom("a JSON object's keys are text"))
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(ser::Error::custom("a JSON object's keys are text"))
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Error> {
        Err(ser::Error::custom("a JSON object's keys are text"))
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, Error> {
        Err(ser::Error::custom("a JSON object's keys are text"))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(ser::Error::custom("a JSON object's keys are text"))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(ser::Error::custom("a JSON object's keys are text"))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Error> {
        Err(ser::Error::custom("a JSON object's keys are text"))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(ser::Error::custom("a JSON object's keys are text"))
    }
}

enum Struct<'a, 'py> {
    /// A `RawValue`: its text, read with the kind wanted.
    Raw(ToPy<'a, 'py>, Option<Bound<'py, PyAny>>),
    Map(Map<'a, 'py>),
}

impl<'py> ser::SerializeStruct for Struct<'_, 'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, name: &'static str, value: &T) -> Result<(), Error> {
        match self {
            Struct::Raw(to, text) => {
                // The JSON text is read where it is (no Python `str` of it is made unless a
                // number needs one).
                let mut read = None;
                value.serialize(KeyText(&mut |json: &str| {
                    read = Some(match json.as_bytes().first() {
                        Some(b'-' | b'0'..=b'9') => number(to.py, to.tables, json, to.kind),
                        _ => raw(to.py, to.tables, json, to.kind),
                    })
                }))?;
                let read =
                    read.ok_or_else(|| <Error as ser::Error>::custom("a raw value without its JSON text"))?;
                *text = Some(read?);
                Ok(())
            }
            Struct::Map(map) => map.entry(name, value),
        }
    }
    fn end(self) -> Out<'py> {
        match self {
            Struct::Raw(to, text) => Ok(text.unwrap_or_else(|| to.py.None().into_bound(to.py))),
            Struct::Map(map) => map.finish(),
        }
    }
}
