#!/usr/bin/env python3
"""Generate tests/vectors/signatures.json, the cross-language webhook signature vectors.

This file is a second, independent implementation of the hookwire signing rules.
Every expected signature is computed here from the rules and never copied from
the Rust crate's output, so a bug in one implementation shows up as a
disagreement instead of being frozen into the vectors.

The rules in short (the project's ARCHITECTURE.md has them in full): the scheme decides how
secret text becomes a key; signature headers hold lists, also when a framework joined repeated
headers with "," (RFC 9110), at most MAX_ENTRIES entries; headers read once (id, timestamp,
event, Stripe's t=) may repeat only with the same value; svix also reads the unbranded
webhook-* headers when its own are not all there.

Each verify case states the outcome its author intended. A small reference
verifier, written from the same rules, recomputes that outcome, and generation
stops if the two disagree. Published provider examples (Standard Webhooks,
GitHub, Slack) are asserted byte for byte, which pins this implementation to
the outside world as well.

Usage (from the repository root):
    python3 tests/vectors/generate_signatures.py          # rewrite signatures.json
    python3 tests/vectors/generate_signatures.py --check  # exit 1 if the file is stale
"""

from __future__ import annotations

import base64
import dataclasses
import difflib
import hashlib
import hmac
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

OUTPUT = Path(__file__).resolve().parent / "signatures.json"
GENERATED_BY = "tests/vectors/generate_signatures.py"

NOW = 1_700_000_000
# The message timestamp differs from NOW so that a verifier which signs with
# its own clock instead of the header value cannot pass by accident.
TS = NOW - 30
TOLERANCE = 300
MAX_BODY = 1_048_576

INVALID_SIGNATURE = "invalid_signature"
MISSING_HEADER = "missing_header"
MALFORMED_HEADER = "malformed_header"
TOO_OLD = "timestamp_too_old"
TOO_NEW = "timestamp_too_new"
TOO_LARGE = "payload_too_large"
INVALID_SECRET = "invalid_secret"
INVALID_ARGUMENT = "invalid_argument"

HEX, BASE64 = "hex", "base64"
KEY_HOOKWIRE, KEY_BASE64, KEY_TEXT = "hookwire", "base64", "text"
MIN_HOOKWIRE_KEY = 16
HMAC_LEN, ED25519_SIG_LEN = 32, 64
# The most signature entries (any version, all values of the header together) a request may carry.
MAX_ENTRIES = 16


# --------------------------------------------------------------------------
# The schemes, as data
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Scheme:
    name: str
    sig_header: str
    version: str  # text in front of every signature entry; "" for bare values
    encoding: str
    separator: str  # between entries inside one header value
    signed: str  # template of the signed bytes
    key_rule: str
    id_header: Optional[str] = None
    ts_header: Optional[str] = None
    ts_param: Optional[str] = None  # timestamp carried inside the signature header
    event_header: Optional[str] = None
    ed25519_version: Optional[str] = None  # asymmetric entries, where supported
    # Signature, id and timestamp headers read instead, as a whole, when the scheme's own are
    # not all present (svix reads the unbranded webhook-* headers, as Svix's SDKs do).
    fallback: Optional[Tuple[str, str, str]] = None

    @property
    def id_required(self) -> bool:
        # Only a signed id has to be present: without it there is nothing to verify.
        return "{id}" in self.signed

    @property
    def has_timestamp(self) -> bool:
        return bool(self.ts_header or self.ts_param)

    @property
    def timestamp_signed(self) -> bool:
        return "{timestamp}" in self.signed


ID_TS_BODY = "{id}.{timestamp}.{body}"

SCHEMES: Dict[str, Scheme] = {
    s.name: s
    for s in [
        Scheme("hookwire", "x-webhook-signature", "sha256=", HEX, " ", ID_TS_BODY, KEY_HOOKWIRE,
               id_header="x-webhook-id", ts_header="x-webhook-timestamp",
               event_header="x-webhook-event"),
        Scheme("standard-webhooks", "webhook-signature", "v1,", BASE64, " ", ID_TS_BODY, KEY_BASE64,
               id_header="webhook-id", ts_header="webhook-timestamp", ed25519_version="v1a,"),
        Scheme("svix", "svix-signature", "v1,", BASE64, " ", ID_TS_BODY, KEY_BASE64,
               id_header="svix-id", ts_header="svix-timestamp", ed25519_version="v1a,",
               fallback=("webhook-signature", "webhook-id", "webhook-timestamp")),
        Scheme("github", "x-hub-signature-256", "sha256=", HEX, " ", "{body}", KEY_TEXT,
               id_header="x-github-delivery", event_header="x-github-event"),
        Scheme("stripe", "stripe-signature", "v1=", HEX, ",", "{timestamp}.{body}", KEY_TEXT,
               ts_param="t"),
        Scheme("shopify", "x-shopify-hmac-sha256", "", BASE64, " ", "{body}", KEY_TEXT,
               id_header="x-shopify-webhook-id", event_header="x-shopify-topic"),
        Scheme("slack", "x-slack-signature", "v0=", HEX, " ", "v0:{timestamp}:{body}", KEY_TEXT,
               ts_header="x-slack-request-timestamp"),
        Scheme("device-service", "x-webhook-signature", "", HEX, " ", "{body}", KEY_TEXT),
        Scheme("ops-center", "x-webhook-signature", "", HEX, " ", "{body}", KEY_TEXT),
        Scheme("webnet", "x-webhook-signature", "sha256=", HEX, " ", "{body}", KEY_TEXT),
        Scheme("homechef", "x-homechef-signature", "sha256=", HEX, " ", "{body}", KEY_TEXT),
        # The timestamp is sent and checked for freshness, but it is not part of
        # the MAC, so a replayed body with a fresh timestamp still verifies.
        Scheme("auraconnect", "x-auraconnect-signature", "sha256=", HEX, " ", "{body}", KEY_TEXT,
               id_header="x-auraconnect-event-id", ts_header="x-auraconnect-timestamp",
               event_header="x-auraconnect-event"),
    ]
}

# A version label each versioned scheme must skip, used to prove that a correct
# MAC under the wrong label is not accepted.
UNKNOWN_VERSION = {"sha256=": "sha512=", "v1,": "v2,", "v1=": "v0=", "v0=": "v1="}


# --------------------------------------------------------------------------
# Fixtures: realistic secrets, ids and bodies per scheme
# --------------------------------------------------------------------------

ORDER_BODY = ('{"type":"order.created","data":{"order_id":"ord_8842","customer":"Ada Lovelace",'
              '"currency":"EUR","total_amount":45.99,"items":[{"sku":"BK-101","qty":2}]}}')
DEVICE_BODY = ('{"type":"device.temperature_updated","data":{"device_id":"dev_17",'
               '"temperature_c":21.5,"recorded_at":"2023-11-14T22:12:20Z"}}')
JOB_BODY = ('{"type":"job.completed","data":{"job_id":"job_5521","status":"succeeded",'
            '"duration_ms":8421}}')
# Non-ASCII text makes byte length and character length differ.
MEAL_BODY = ('{"type":"order.created","data":{"order_id":"hc_3391","dish":"Crème brûlée",'
             '"chef":"Zoë","total_amount":45.99}}')
# Starts with bytes that can never appear in UTF-8, so it must travel as base64.
BINARY_BODY = b"\xff\xfe\x00\x80" + b"\x1f\x8b\x08\x00 gzip-ish \xc3\x28 \x00\x01\x02\xfe"


@dataclass(frozen=True)
class Fixture:
    secret: str
    other_secret: str  # a valid secret that did not sign anything
    msg_id: str
    event: Optional[str]
    body: str


FIXTURES: Dict[str, Fixture] = {
    "hookwire": Fixture("whsec_yDdGyLViYX8tn6RRNz2l4RoJY8Tkw8MHTCNX7uO6qik=",
                        "whsec_ZiODD4UD+muER9DQZYWFCbZOEJKP7ddDwv414C5gTec=",
                        "msg_2bX7Q9kLmN4pR8sT", "order.created", ORDER_BODY),
    "standard-webhooks": Fixture("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                                 "whsec_BOPODQkuKt7ANEMfy8YBkPdl0EYTVkDi",
                                 "msg_p5jXN8AQM9LWM0D4loKWxJek", None, ORDER_BODY),
    "svix": Fixture("whsec_4Ap4WVlgEChibnfHIW8Kr4WNxEtkfOPm",
                    "whsec_6CpOuB1sraF8yATRPjOB10AjC0sjpJqE",
                    "msg_2Yh0Ck8pQ4bD7nHzL1xR9vWq", None, JOB_BODY),
    "github": Fixture("It's a Secret to Everybody", "It's a Secret to Nobody",
                      "72d3162e-cc78-11e3-81ab-4c9367dc0958", "workflow_job",
                      '{"action":"completed","workflow_job":{"id":4821,"name":"build",'
                      '"status":"completed","conclusion":"success"}}'),
    # Stripe secrets look like whsec_ + base64 but are used as raw text.
    "stripe": Fixture("whsec_7Hn3kQpZ2mN8vR4tY6wX1aB5cD9eF0gJ",
                      "whsec_Rk2pL8vQ3nT6wY1zA4dF7hJ0mC5xB9eG",
                      "evt_1OB7yz2eZvKYlo2C", None,
                      '{"id":"evt_1OB7yz2eZvKYlo2C","object":"event","type":"order.created",'
                      '"data":{"object":{"id":"ord_8842","total_amount":45.99,"currency":"usd"}}}'),
    "shopify": Fixture("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", "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",
                       "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043", "orders/create",
                       '{"id":820982911946154508,"email":"jon@example.com","total_amount":45.99,'
                       '"currency":"USD","line_items":[{"sku":"BK-101","quantity":2}]}'),
    "slack": Fixture("8f742231b10e8888abcd99yyyzzz85a5", "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
                     "Ev08MFMKH6", None,
                     '{"type":"event_callback","team_id":"T1DC2JH3J","event":{"type":"app_mention",'
                     '"text":"job_5521 finished ✅","ts":"1699999969.000100"}}'),
    "device-service": Fixture("device-service-shared-secret-01", "device-service-shared-secret-00",
                              "dev-evt-000917", None, DEVICE_BODY),
    "ops-center": Fixture("ops-center-webhook-secret", "ops-center-webhook-secret-v0",
                          "job-5521-done", None, JOB_BODY),
    "webnet": Fixture("webnet_s3cr3t_2023", "webnet_s3cr3t_2022", "wn-20231114-0042", None, ORDER_BODY),
    "homechef": Fixture("homechef-kitchen-secret", "homechef-kitchen-secret-old", "hc-evt-3391", None,
                        MEAL_BODY),
    "auraconnect": Fixture("aura-connect-signing-key", "aura-connect-signing-key-2022",
                           "evt_aura_7731", "device.temperature_updated", DEVICE_BODY),
}

# RFC 8032 section 7.1, TEST 1: a seed whose public key is published, so the
# ed25519 keys below can be checked against the RFC.
ED25519_SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_TEST1_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")


def ed25519_public(seed: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(
        Encoding.Raw, PublicFormat.Raw)


ED25519_PUBLIC = ed25519_public(ED25519_SEED)
WHSK = "whsk_" + base64.b64encode(ED25519_SEED + ED25519_PUBLIC).decode()
WHPK = "whpk_" + base64.b64encode(ED25519_PUBLIC).decode()


# --------------------------------------------------------------------------
# Secrets
# --------------------------------------------------------------------------

_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")


def b64decode_strict(text: str) -> Optional[bytes]:
    """Standard alphabet, padding required, canonical (unused bits zero), else None."""
    if not _BASE64.fullmatch(text):
        return None
    raw = base64.b64decode(text)
    return raw if base64.b64encode(raw).decode() == text else None


_UNPADDED_BASE64 = re.compile(r"[A-Za-z0-9+/]*")


def b64decode_key(text: str) -> Optional[bytes]:
    """A base64 HMAC secret: standard alphabet, with complete padding or none. Set trailing
    bits are tolerated, as the reference libraries' decoders tolerate them."""
    if text.endswith("="):
        if not _BASE64.fullmatch(text):
            return None
    elif not _UNPADDED_BASE64.fullmatch(text) or len(text) % 4 == 1:
        return None
    return base64.b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Key:
    kind: str  # "hmac" or "ed25519"
    material: bytes  # HMAC key, or ed25519 public key
    seed: Optional[bytes] = None  # ed25519 only, when the text could sign


def parse_secret(s: Scheme, text: str, signing: bool) -> Optional[Key]:
    """The key a secret text stands for under scheme `s`, or None if it is invalid.

    Only what no scheme can use is refused whatever the scheme (empty text, surrounding
    whitespace, a malformed whsk_/whpk_ key); the rest is the scheme's key rule."""
    if not text or text != text.strip():
        return None
    for prefix, size in (("whsk_", 64), ("whpk_", 32)):
        if text.startswith(prefix):
            raw = b64decode_strict(text[len(prefix):])
            if not s.ed25519_version or raw is None or len(raw) != size:
                return None
            if prefix == "whpk_":
                return None if signing else Key("ed25519", raw)
            seed, public = raw[:32], raw[32:]
            return Key("ed25519", public, seed) if ed25519_public(seed) == public else None
    if s.key_rule == KEY_TEXT:
        # The whole text, whsec_ included (Stripe's secrets look like whsec_ + base64 but are text).
        return Key("hmac", text.encode())
    if s.key_rule == KEY_BASE64:
        key = b64decode_key(text[len("whsec_"):] if text.startswith("whsec_") else text)
        return Key("hmac", key) if key else None
    # hookwire: whsec_ promises base64; any other text is its UTF-8 bytes.
    key = b64decode_key(text[len("whsec_"):]) if text.startswith("whsec_") else text.encode()
    return Key("hmac", key) if key and len(key) >= MIN_HOOKWIRE_KEY else None


# --------------------------------------------------------------------------
# Signing
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    msg_id: str
    ts: int
    event: Optional[str]
    body: bytes


def fixture_message(s: Scheme) -> Message:
    fx = FIXTURES[s.name]
    return Message(fx.msg_id, TS, fx.event if s.event_header else None, fx.body.encode())


def signed_content(s: Scheme, msg_id: Optional[str], ts: Optional[int], body: bytes) -> bytes:
    parts = re.split(r"(\{id\}|\{timestamp\}|\{body\})", s.signed)
    fields = {"{id}": str(msg_id).encode(), "{timestamp}": str(ts).encode(), "{body}": body}
    return b"".join(fields.get(p, p.encode()) for p in parts)


def encode(encoding: str, raw: bytes) -> str:
    return raw.hex() if encoding == HEX else base64.b64encode(raw).decode()


def mac(key: bytes, content: bytes) -> bytes:
    return hmac.new(key, content, hashlib.sha256).digest()


def sign_entry(s: Scheme, key: Key, msg: Message) -> str:
    content = signed_content(s, msg.msg_id, msg.ts, msg.body)
    if key.kind == "ed25519":
        sig = Ed25519PrivateKey.from_private_bytes(key.seed).sign(content)
        return s.ed25519_version + encode(BASE64, sig)
    return s.version + encode(s.encoding, mac(key.material, content))


def signature_value(s: Scheme, entries: List[str], ts_text: str) -> str:
    lead = [f"{s.ts_param}={ts_text}"] if s.ts_param else []
    return s.separator.join(lead + entries)


def emitted_headers(s: Scheme, msg_id: Optional[str], ts_text: Optional[str], event: Optional[str],
                    sig_value: str) -> List[List[str]]:
    pairs = [[s.sig_header, sig_value]]
    if s.id_header and msg_id is not None:
        pairs.append([s.id_header, msg_id])
    if s.ts_header and ts_text is not None:
        pairs.append([s.ts_header, ts_text])
    if s.event_header and event is not None:
        pairs.append([s.event_header, event])
    return sorted(pairs)


def valid_id(msg_id: str) -> bool:
    # The id ends up in headers and, for some schemes, in dot-separated signed
    # content, so it must be plain visible ASCII without dots.
    return 0 < len(msg_id) <= 256 and all("!" <= c <= "~" for c in msg_id) and "." not in msg_id


def sign(s: Scheme, secrets: List[str], msg: Message) -> dict:
    keys = [parse_secret(s, t, signing=True) for t in secrets]
    if not keys or None in keys:
        return err(INVALID_SECRET)
    if not valid_id(msg.msg_id) or msg.ts < 0:
        return err(INVALID_ARGUMENT)
    entries = [sign_entry(s, k, msg) for k in keys]
    sig = signature_value(s, entries, str(msg.ts))
    ts_text = str(msg.ts) if s.has_timestamp else None
    return {"headers": emitted_headers(s, msg.msg_id, ts_text, msg.event, sig)}


# --------------------------------------------------------------------------
# Reference verifier (cross-checks every stated expectation)
# --------------------------------------------------------------------------

# Canonical decimal only: a leading zero would make the signed digits differ from the number
# that peer libraries re-render, so it is refused rather than interpreted.
TIMESTAMP = re.compile(r"0|[1-9][0-9]{0,17}")


def split_entries(s: Scheme, value: str) -> List[Tuple[str, str]]:
    """(version with its separator, value) pairs of one header value; version "" for bare ones.

    Entries are separated by the scheme's list separator and by the RFC 9110 list join ("," and
    optional whitespace) that frameworks apply to repeated headers. A version runs to the version
    separator; its value runs to the next separator."""
    seps = s.separator + ", \t"
    vsep = s.version[-1] if s.version else ""
    entries, i = [], 0
    while True:
        while i < len(value) and value[i] in seps:
            i += 1
        if i == len(value):
            return entries
        j = i
        while j < len(value) and value[j] not in seps and value[j] != vsep:
            j += 1
        if vsep and j < len(value) and value[j] == vsep:
            k = j + 1
            while k < len(value) and value[k] not in seps:
                k += 1
            entries.append((value[i:j + 1], value[j + 1:k]))
            i = k
        else:
            entries.append(("", value[i:j]))
            i = j


def usable_signatures(entries: List[Tuple[str, str]], version: str, encoding: str, size: int) -> List[bytes]:
    found = []
    for entry_version, text in entries:
        if entry_version != version:
            continue
        if encoding == HEX:
            if re.fullmatch(r"[0-9a-f]{%d}" % (2 * size), text):
                found.append(bytes.fromhex(text))
        else:
            raw = b64decode_strict(text)
            if raw is not None and len(raw) == size:
                found.append(raw)
    return found


def ed25519_ok(public: bytes, sig: bytes, content: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(sig, content)
        return True
    except InvalidSignature:
        return False


class Refused(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def reference_verify(case: dict) -> dict:
    try:
        return _reference_verify(case)
    except Refused as refused:
        return err(refused.code)


def _reference_verify(case: dict) -> dict:
    s = SCHEMES[case["scheme"]]
    keys = [parse_secret(s, t, signing=False) for t in case["secrets"]]
    if None in keys:
        return err(INVALID_SECRET)
    body = case_body(case)
    if len(body) > case["max_body"]:
        return err(TOO_LARGE)

    def values(name: Optional[str]) -> List[str]:
        return [v for n, v in case["headers"] if name and n.lower() == name]

    def once(name: Optional[str]) -> Optional[str]:
        found = values(name)
        if len(set(found)) > 1:
            raise Refused(MALFORMED_HEADER)  # sent more than once with different values
        return found[0] if found else None

    sig_header, id_header, ts_header = s.sig_header, s.id_header, s.ts_header
    own = [h for h in (sig_header, id_header, ts_header) if h]
    if s.fallback and not all(values(h) for h in own) and all(values(h) for h in s.fallback):
        sig_header, id_header, ts_header = s.fallback

    sig_values = values(sig_header)
    if not sig_values:
        return err(MISSING_HEADER)
    entries = [e for v in sig_values for e in split_entries(s, v)]
    if len(entries) > MAX_ENTRIES:
        return err(MALFORMED_HEADER)
    msg_id = once(id_header)
    if msg_id == "":
        return err(MALFORMED_HEADER)
    if s.id_required:
        if msg_id is None:
            return err(MISSING_HEADER)
        if "." in msg_id:
            return err(MALFORMED_HEADER)
    ts = None
    if s.has_timestamp:
        if ts_header:
            found = once(ts_header)
            if found is None:
                return err(MISSING_HEADER)
        else:
            params = {value for version, value in entries if version == s.ts_param + "="}
            if not params:
                return err(MALFORMED_HEADER)
            if len(params) > 1:
                return err(MALFORMED_HEADER)
            found = params.pop()
        if not TIMESTAMP.fullmatch(found):
            return err(MALFORMED_HEADER)
        ts = int(found)
        if case["now"] - ts > case["tolerance"]:
            return err(TOO_OLD)
        if ts - case["now"] > case["tolerance"]:
            return err(TOO_NEW)
    # An entry is usable only if some configured key can check it: the other kind is skipped
    # like an unknown version.
    kinds = {key.kind for key in keys}
    macs = usable_signatures(entries, s.version, s.encoding, HMAC_LEN) if "hmac" in kinds else []
    eds = (usable_signatures(entries, s.ed25519_version, BASE64, ED25519_SIG_LEN)
           if s.ed25519_version and "ed25519" in kinds else [])
    if not macs and not eds:
        return err(MALFORMED_HEADER)
    content = signed_content(s, msg_id, ts, body)
    for index, key in enumerate(keys):
        if key.kind == "hmac":
            matched = any(hmac.compare_digest(mac(key.material, content), m) for m in macs)
        else:
            matched = any(ed25519_ok(key.material, e, content) for e in eds)
        if matched:
            event = once(s.event_header)
            if event == "":
                return err(MALFORMED_HEADER)
            return ok(s, msg_id, ts, event, index)
    return err(INVALID_SIGNATURE)


# --------------------------------------------------------------------------
# Case construction
# --------------------------------------------------------------------------


def err(code: str) -> dict:
    return {"error": code}


def ok(s: Scheme, msg_id: Optional[str], ts: Optional[int], event: Optional[str], index: int = 0) -> dict:
    return {"ok": True,
            "id": msg_id if s.id_header else None,
            "timestamp": ts if s.has_timestamp else None,
            "timestamp_signed": s.timestamp_signed,
            "event_type": event if s.event_header else None,
            "secret_index": index}


def ok_msg(s: Scheme, msg: Message, index: int = 0) -> dict:
    return ok(s, msg.msg_id, msg.ts, msg.event, index)


def as_bytes(body) -> bytes:
    return body.encode() if isinstance(body, str) else body


def body_fields(body: bytes) -> dict:
    try:
        return {"body": body.decode("utf-8")}
    except UnicodeDecodeError:
        return {"body_base64": base64.b64encode(body).decode()}


def case_body(case: dict) -> bytes:
    return case["body"].encode() if "body" in case else base64.b64decode(case["body_base64"])


def title(name: str) -> str:
    return "-".join(part.capitalize() for part in name.split("-"))


def titled(pairs: List[List[str]]) -> List[List[str]]:
    # Verify inputs use the capitalisation a real HTTP client would send.
    return [[title(n), v] for n, v in pairs]


def without(headers: List[List[str]], name: str) -> List[List[str]]:
    return [[n, v] for n, v in headers if n.lower() != name]


def replaced(headers: List[List[str]], name: str, value: str) -> List[List[str]]:
    return [[n, value if n.lower() == name else v] for n, v in headers]


def request(s: Scheme, msg: Message, entries: List[str], ts_text: Optional[str] = None) -> List[List[str]]:
    """Headers as a sender would deliver them, with a chosen list of signature entries."""
    ts_text = str(msg.ts) if ts_text is None else ts_text
    sig = signature_value(s, entries, ts_text)
    return titled(emitted_headers(s, msg.msg_id, ts_text if s.has_timestamp else None, msg.event, sig))


def entries_for(s: Scheme, secrets: List[str], msg: Message) -> List[str]:
    return [sign_entry(s, parse_secret(s, t, signing=True), msg) for t in secrets]


def signed_request(s: Scheme, secrets: List[str], msg: Message) -> List[List[str]]:
    return request(s, msg, entries_for(s, secrets, msg))


HEX_ALPHABET = "0123456789abcdef"
B64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def tamper(encoding: str, encoded: str, where: str) -> str:
    """Change one character so the signature still decodes to the right length."""
    if encoding == HEX:
        i = 0 if where == "first" else len(encoded) - 1
        return encoded[:i] + HEX_ALPHABET[(HEX_ALPHABET.index(encoded[i]) + 1) % 16] + encoded[i + 1:]
    data = encoded.rstrip("=")
    pad = len(encoded) - len(data)
    i = 0 if where == "first" else len(data) - 1
    # The last base64 digit before padding carries unused low bits that must
    # stay zero for the text to be canonical, so step over them.
    step = 1 if where == "first" or pad == 0 else {1: 4, 2: 16}[pad]
    return data[:i] + B64_ALPHABET[(B64_ALPHABET.index(data[i]) + step) % 64] + data[i + 1:] + "=" * pad


def non_canonical(encoded: str) -> str:
    """Set an unused trailing bit: same bytes for a lenient decoder, invalid for a strict one."""
    data = encoded.rstrip("=")
    pad = len(encoded) - len(data)
    assert pad, "only padded base64 has unused bits"
    return data[:-1] + B64_ALPHABET[B64_ALPHABET.index(data[-1]) + 1] + "=" * pad


def odd_case(name: str) -> str:
    return "".join(c.upper() if i % 2 else c.lower() for i, c in enumerate(name))


class Cases:
    def __init__(self) -> None:
        self.cases: List[dict] = []

    def _add(self, case: dict) -> None:
        if any(c["name"] == case["name"] for c in self.cases):
            raise ValueError(f"duplicate case name {case['name']}")
        self.cases.append(case)

    def verify(self, slug: str, s: Scheme, secrets: List[str], headers: List[List[str]], body,
               expect: dict, now: int = NOW, tolerance: int = TOLERANCE, max_body: int = MAX_BODY) -> None:
        case = {"name": f"{s.name}/{slug}", "op": "verify", "scheme": s.name, "secrets": list(secrets),
                "tolerance": tolerance, "max_body": max_body, "headers": headers,
                **body_fields(as_bytes(body)), "now": now, "expect": expect}
        actual = reference_verify(case)
        if actual != expect:
            raise AssertionError(f"{case['name']}: stated {expect}, reference verifier says {actual}")
        self._add(case)

    def sign(self, slug: str, s: Scheme, secrets: List[str], msg: Message,
             expect_error: Optional[str] = None) -> None:
        expect = sign(s, secrets, msg)
        if expect_error is not None and expect != err(expect_error):
            raise AssertionError(f"{s.name}/{slug}: stated {expect_error}, signer says {expect}")
        if expect_error is None:
            if "error" in expect:
                raise AssertionError(f"{s.name}/{slug}: signer failed with {expect}")
            # Whatever the signer emits must verify with the same secrets.
            round_trip = {"scheme": s.name, "secrets": secrets, "headers": expect["headers"],
                          **body_fields(msg.body), "max_body": MAX_BODY, "now": msg.ts, "tolerance": 0}
            assert reference_verify(round_trip).get("ok"), (s.name, slug, reference_verify(round_trip))
        self._add({"name": f"{s.name}/{slug}", "op": "sign", "scheme": s.name, "secrets": list(secrets),
                   "id": msg.msg_id, "timestamp": msg.ts, "event_type": msg.event,
                   **body_fields(msg.body), "expect": expect})


# --------------------------------------------------------------------------
# Cases every scheme gets
# --------------------------------------------------------------------------


def basic_cases(c: Cases, s: Scheme, fx: Fixture, msg: Message) -> None:
    good = signed_request(s, [fx.secret], msg)
    c.sign("sign", s, [fx.secret], msg)
    c.verify("valid", s, [fx.secret], good, msg.body, ok_msg(s, msg))
    c.verify("valid-second-secret", s, [fx.other_secret, fx.secret], good, msg.body, ok_msg(s, msg, 1))
    c.verify("wrong-secret", s, [fx.other_secret], good, msg.body, err(INVALID_SIGNATURE))
    c.verify("tampered-body", s, [fx.secret], good, msg.body[:-1] + b" " + msg.body[-1:],
             err(INVALID_SIGNATURE))
    entry = entries_for(s, [fx.secret], msg)[0]
    for where in ("first", "last"):
        bad = s.version + tamper(s.encoding, entry[len(s.version):], where)
        c.verify(f"tampered-signature-{where}-char", s, [fx.secret], request(s, msg, [bad]), msg.body,
                 err(INVALID_SIGNATURE))
    mixed = [[odd_case(n), v] for n, v in good]
    c.verify("header-names-mixed-case", s, [fx.secret], mixed, msg.body, ok_msg(s, msg))

    binary = dataclasses.replace(msg, body=BINARY_BODY)
    c.verify("non-utf8-body", s, [fx.secret], signed_request(s, [fx.secret], binary), BINARY_BODY,
             ok_msg(s, binary))

    # Headers that only report metadata may be absent; the result then says null.
    optional = [h for h in (s.event_header, None if s.id_required else s.id_header) if h]
    if optional:
        headers = [h for h in good if h[0].lower() not in optional]
        c.verify("valid-without-optional-headers", s, [fx.secret], headers, msg.body,
                 ok(s, msg.msg_id if s.id_required else None, msg.ts, None))


def missing_header_cases(c: Cases, s: Scheme, fx: Fixture, msg: Message) -> None:
    good = signed_request(s, [fx.secret], msg)
    c.verify("missing-signature-header", s, [fx.secret], without(good, s.sig_header), msg.body,
             err(MISSING_HEADER))
    if s.id_required:
        c.verify("missing-id-header", s, [fx.secret], without(good, s.id_header), msg.body,
                 err(MISSING_HEADER))
    if s.ts_header:
        c.verify("missing-timestamp-header", s, [fx.secret], without(good, s.ts_header), msg.body,
                 err(MISSING_HEADER))


def good_mac(s: Scheme, fx: Fixture, msg: Message) -> bytes:
    return mac(parse_secret(s, fx.secret, signing=True).material, signed_content(s, msg.msg_id, msg.ts, msg.body))


def signature_format_cases(c: Cases, s: Scheme, fx: Fixture, msg: Message) -> None:
    raw = good_mac(s, fx, msg)
    encoded = encode(s.encoding, raw)

    def malformed(slug: str, entries: List[str]) -> None:
        c.verify(slug, s, [fx.secret], request(s, msg, entries), msg.body, err(MALFORMED_HEADER))

    malformed("garbage-signature", ["not-a-signature"])
    malformed("signature-too-short", [s.version + encode(s.encoding, raw[:30])])
    if s.encoding == HEX:
        assert encoded != encoded.upper()
        malformed("signature-upper-case-hex", [s.version + encoded.upper()])
    if s.version:
        # A correct MAC under a label the scheme does not use.
        malformed("unknown-version-only", [UNKNOWN_VERSION[s.version] + encoded])


def base64_signature_cases(c: Cases, s: Scheme) -> None:
    fx = FIXTURES[s.name]
    msg = fixture_message(s)
    raw = good_mac(s, fx, msg)
    encoded = encode(BASE64, raw)
    # 31 and 33 bytes both encode to 44 characters, so the text length alone
    # does not prove the signature is 32 bytes.
    for slug, text in [("31-bytes", encode(BASE64, raw[:31])), ("33-bytes", encode(BASE64, raw + b"\x00")),
                       ("unpadded", encoded.rstrip("=")), ("non-canonical", non_canonical(encoded))]:
        c.verify(f"signature-base64-{slug}", s, [fx.secret], request(s, msg, [s.version + text]), msg.body,
                 err(MALFORMED_HEADER))


# Secret texts whose meaning depends on the scheme's key rule: (slug, text, usable under the
# text rule, the base64 rule, the hookwire rule). Usable texts must sign and verify; the others
# are invalid_secret when the verifier is built.
SECRET_RULE_TEXTS = [
    # stripe-python's and stripe-node's own test secret: Stripe keys with the whole text.
    ("stripe-test-secret", "whsec_test_secret", True, False, False),
    ("whsec-not-base64", "whsec_!!!notbase64", True, False, False),
    ("whsec-prefix-only", "whsec_", True, False, False),
    # The Standard Webhooks libraries' unpadded example (its last digit has set trailing bits).
    ("whsec-unpadded", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS", True, True, True),
    ("whsec-unpadded-canonical", "whsec_" + base64.b64encode(b"sixteen byte key").decode().rstrip("="),
     True, True, True),
    ("bare-unpadded", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS", True, True, True),
    ("whsec-incomplete-padding", "whsec_" + base64.b64encode(b"sixteen byte key").decode()[:-1],
     True, False, False),
]


def secret_rule_cases(c: Cases, s: Scheme, fx: Fixture, msg: Message) -> None:
    good = signed_request(s, [fx.secret], msg)
    for slug, text, as_text, as_base64, as_hookwire in SECRET_RULE_TEXTS:
        usable = {KEY_TEXT: as_text, KEY_BASE64: as_base64, KEY_HOOKWIRE: as_hookwire}[s.key_rule]
        if usable:
            c.verify(f"secret-rule-{slug}", s, [text], signed_request(s, [text], msg), msg.body, ok_msg(s, msg))
        else:
            c.verify(f"secret-rule-{slug}", s, [text], good, msg.body, err(INVALID_SECRET))
            c.sign(f"sign-secret-rule-{slug}", s, [text], msg, INVALID_SECRET)


def signature_list_cases(c: Cases, s: Scheme, fx: Fixture, msg: Message) -> None:
    """Lists of entries: joined repeats (RFC 9110), and the limit on how many are read."""
    entry, wrong = entries_for(s, [fx.secret, fx.other_secret], msg)
    ts = str(msg.ts)
    rest = [h for h in signed_request(s, [fx.secret], msg) if h[0].lower() != s.sig_header]
    sig_name = title(s.sig_header)
    # Two signature headers (a rotation split over two lines), joined by a framework.
    for slug, join in [("comma-space", ", "), ("comma", ",")]:
        joined = join.join([signature_value(s, [wrong], ts), signature_value(s, [entry], ts)])
        c.verify(f"signature-headers-joined-{slug}", s, [fx.secret], rest + [[sig_name, joined]], msg.body,
                 ok_msg(s, msg))
    # Stripe's t= counts as an entry too.
    room = MAX_ENTRIES - (1 if s.ts_param else 0)
    content = signed_content(s, msg.msg_id, msg.ts, msg.body)
    decoys = [s.version + encode(s.encoding, mac(b"decoy-%d" % i, content)) for i in range(room)]
    c.verify("signature-entries-at-limit", s, [fx.secret], request(s, msg, decoys[:room - 1] + [entry]), msg.body,
             ok_msg(s, msg))
    c.verify("signature-entries-over-limit", s, [fx.secret], request(s, msg, decoys + [entry]), msg.body,
             err(MALFORMED_HEADER))
    # The limit holds across repeated headers too.
    lines = [[sig_name, signature_value(s, decoys[:room // 2], ts)],
             [sig_name, signature_value(s, decoys[room // 2:] + [entry], ts)]]
    c.verify("signature-entries-over-limit-across-headers", s, [fx.secret], rest + lines, msg.body,
             err(MALFORMED_HEADER))


def read_once_cases(c: Cases, s: Scheme, fx: Fixture, msg: Message) -> None:
    """Headers read once: repeats with the same value are fine, different values never are,
    whatever their order or spelling."""
    good = signed_request(s, [fx.secret], msg)
    others = {s.id_header: "msg_other", s.ts_header: str(msg.ts + 1), s.event_header: "order.refunded"}
    for kind, name in [("id", s.id_header), ("timestamp", s.ts_header), ("event", s.event_header)]:
        if not name:
            continue
        value = dict((n.lower(), v) for n, v in good)[name]
        c.verify(f"{kind}-header-repeated-same-value", s, [fx.secret], good + [[title(name), value]], msg.body,
                 ok_msg(s, msg))
        c.verify(f"{kind}-header-repeated-different-value-after", s, [fx.secret],
                 good + [[title(name), others[name]]], msg.body, err(MALFORMED_HEADER))
        c.verify(f"{kind}-header-repeated-different-value-before", s, [fx.secret],
                 [[title(name), others[name]]] + good, msg.body, err(MALFORMED_HEADER))
        # Two spellings of one name, as a map keyed by the exact spelling holds them.
        c.verify(f"{kind}-header-two-spellings-different-values", s, [fx.secret],
                 good + [[name.upper(), others[name]]], msg.body, err(MALFORMED_HEADER))


def timestamp_cases(c: Cases, s: Scheme, fx: Fixture, msg: Message, extra: bool) -> None:
    good = signed_request(s, [fx.secret], msg)
    entries = entries_for(s, [fx.secret], msg)
    for slug, now, expect in [
        ("timestamp-too-new", msg.ts - TOLERANCE - 1, err(TOO_NEW)),
        ("timestamp-too-old", msg.ts + TOLERANCE + 1, err(TOO_OLD)),
        ("timestamp-at-future-limit", msg.ts - TOLERANCE, ok_msg(s, msg)),
        ("timestamp-at-past-limit", msg.ts + TOLERANCE, ok_msg(s, msg)),
    ]:
        c.verify(slug, s, [fx.secret], good, msg.body, expect, now=now)
    bad_values = [("non-numeric", "yesterday"), ("negative", f"-{msg.ts}"), ("empty", ""),
                  ("overflowing", "99999999999999999999")]
    if extra:
        bad_values += [("plus-sign", f"+{msg.ts}"), ("inner-space", f"{str(msg.ts)[:4]} {str(msg.ts)[4:]}"),
                       ("nineteen-digits", f"{msg.ts}000000000"), ("leading-zero", f"0{msg.ts}")]
    for slug, text in bad_values:
        c.verify(f"timestamp-{slug}", s, [fx.secret], request(s, msg, entries, ts_text=text), msg.body,
                 err(MALFORMED_HEADER))
    moved = dataclasses.replace(msg, ts=msg.ts + 1)
    if s.timestamp_signed:
        # Signature computed for msg.ts, header claims a different second.
        c.verify("timestamp-changed", s, [fx.secret], request(s, moved, entries), msg.body,
                 err(INVALID_SIGNATURE))
    else:
        c.verify("timestamp-changed-not-signed", s, [fx.secret], request(s, moved, entries), msg.body,
                 ok_msg(s, moved))


def body_size_cases(c: Cases, s: Scheme, fx: Fixture, msg: Message) -> None:
    good = signed_request(s, [fx.secret], msg)
    c.verify("body-exactly-max-body", s, [fx.secret], good, msg.body, ok_msg(s, msg), max_body=len(msg.body))
    c.verify("body-over-max-body", s, [fx.secret], good, msg.body, err(TOO_LARGE),
             max_body=len(msg.body) - 1)


def secret_text_cases(c: Cases, s: Scheme, slugs: List[str]) -> None:
    """Secret texts that are invalid whatever the scheme's key rule (refused by Secret::parse)."""
    fx = FIXTURES[s.name]
    msg = fixture_message(s)
    good = signed_request(s, [fx.secret], msg)
    texts = {
        "empty": "", "leading-space": " " + fx.secret, "trailing-newline": fx.secret + "\n",
        "ed25519-public-key-unsupported": WHPK, "ed25519-signing-key-unsupported": WHSK,
    }
    for slug in slugs:
        c.verify(f"secret-{slug}", s, [texts[slug]], good, msg.body, err(INVALID_SECRET))


def scheme_cases(c: Cases, s: Scheme) -> None:
    fx = FIXTURES[s.name]
    msg = fixture_message(s)
    basic_cases(c, s, fx, msg)
    missing_header_cases(c, s, fx, msg)
    signature_format_cases(c, s, fx, msg)
    secret_rule_cases(c, s, fx, msg)
    signature_list_cases(c, s, fx, msg)
    read_once_cases(c, s, fx, msg)
    if s.has_timestamp:
        timestamp_cases(c, s, fx, msg, extra=s.name == "hookwire")
    body_size_cases(c, s, fx, msg)


# --------------------------------------------------------------------------
# Scheme-specific and cross-cutting cases
# --------------------------------------------------------------------------

# Published examples, reproduced here to anchor this implementation to the
# providers' own documentation.
SLACK_DOC_BODY = ("token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&"
                  "channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&"
                  "command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2F"
                  "commands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&"
                  "trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c")
PUBLISHED = [
    # (scheme, secret, id, timestamp, body, signature header value)
    ("standard-webhooks", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
     1614265330, '{"test": 2432232314}', "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
    ("svix", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
     1614265330, '{"test": 2432232314}', "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
    ("github", "It's a Secret to Everybody", "d-1", 0, "Hello, World!",
     "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"),
    ("slack", "8f742231b10e8888abcd99yyyzzz85a5", "unused", 1531420618, SLACK_DOC_BODY,
     "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"),
]


def published_cases(c: Cases) -> None:
    for name, secret, msg_id, ts, body, expected in PUBLISHED:
        s = SCHEMES[name]
        msg = Message(msg_id, ts, None, body.encode())
        headers = signed_request(s, [secret], msg)
        actual = dict((n.lower(), v) for n, v in headers)[s.sig_header]
        if actual != expected:
            raise AssertionError(f"{name}: published example gives {expected}, we compute {actual}")
        c.verify("published-example", s, [secret], headers, body, ok_msg(s, msg), now=ts or NOW)


def hookwire_cases(c: Cases) -> None:
    s, fx = SCHEMES["hookwire"], FIXTURES["hookwire"]
    msg = fixture_message(s)
    new = "whsec_" + base64.b64encode(bytes(range(100, 132))).decode()
    good = signed_request(s, [fx.secret], msg)

    c.sign("sign-rotation-two-secrets", s, [new, fx.secret], msg)
    rotated = titled(sign(s, [new, fx.secret], msg)["headers"])
    c.verify("rotation-old-secret-only", s, [fx.secret], rotated, msg.body, ok_msg(s, msg))
    c.verify("first-matching-secret-wins", s, [new, fx.secret], rotated, msg.body, ok_msg(s, msg, 0))
    split = [h for h in good if h[0].lower() != s.sig_header] + [
        ["X-Webhook-Signature", entries_for(s, [fx.other_secret], msg)[0]],
        ["X-Webhook-Signature", entries_for(s, [fx.secret], msg)[0]]]
    c.verify("signature-split-across-headers", s, [fx.secret], split, msg.body, ok_msg(s, msg))
    entry, wrong = entries_for(s, [fx.secret, fx.other_secret], msg)
    c.verify("several-entries-one-good", s, [fx.secret], request(s, msg, [wrong, entry]), msg.body,
             ok_msg(s, msg))
    c.verify("unknown-version-skipped", s, [fx.secret], request(s, msg, ["sha512=" + entry[7:], entry]),
             msg.body, ok_msg(s, msg))
    c.verify("signature-header-empty", s, [fx.secret], replaced(good, s.sig_header, ""), msg.body,
             err(MALFORMED_HEADER))
    c.verify("tampered-id", s, [fx.secret], replaced(good, s.id_header, "msg_2bX7Q9kLmN4pR8sU"), msg.body,
             err(INVALID_SIGNATURE))
    # The event header is informational and not covered by the MAC.
    c.verify("event-header-not-signed", s, [fx.secret], replaced(good, s.event_header, "order.refunded"),
             msg.body, ok(s, msg.msg_id, msg.ts, "order.refunded"))

    dotted = dataclasses.replace(msg, msg_id="msg_2bX7.Q9kL")
    c.verify("id-with-dot", s, [fx.secret], signed_request(s, [fx.secret], dotted), msg.body,
             err(MALFORMED_HEADER))
    c.sign("sign-id-with-dot", s, [fx.secret], dotted, INVALID_ARGUMENT)
    c.sign("sign-negative-timestamp", s, [fx.secret], dataclasses.replace(msg, ts=-1), INVALID_ARGUMENT)
    c.sign("sign-timestamp-zero", s, [fx.secret], dataclasses.replace(msg, ts=0))
    c.sign("sign-without-event-type", s, [fx.secret], dataclasses.replace(msg, event=None))
    c.sign("sign-non-utf8-body", s, [fx.secret], dataclasses.replace(msg, body=BINARY_BODY))
    c.sign("sign-id-256-chars", s, [fx.secret], dataclasses.replace(msg, msg_id="m" * 256))
    for slug, bad_id in [("empty", ""), ("257-chars", "m" * 257), ("space", "msg 1"),
                         ("non-ascii", "msg_é1")]:
        c.sign(f"sign-id-{slug}", s, [fx.secret], dataclasses.replace(msg, msg_id=bad_id), INVALID_ARGUMENT)

    # Plain text keys are their UTF-8 bytes; 16 bytes is the floor.
    plain = "hookwire-plain-secret"
    c.verify("plain-text-secret", s, [plain], signed_request(s, [plain], msg), msg.body, ok_msg(s, msg))
    c.verify("plain-text-secret-16-bytes", s, ["sixteen-byte-key"],
             signed_request(s, ["sixteen-byte-key"], msg), msg.body, ok_msg(s, msg))
    c.verify("plain-text-secret-15-bytes", s, ["fifteen-bytekey"], good, msg.body, err(INVALID_SECRET))
    c.verify("whsec-secret-8-bytes", s, ["whsec_OGJ5dGVrZXk="], good, msg.body, err(INVALID_SECRET))
    c.sign("sign-secret-too-short", s, ["short-secret"], msg, INVALID_SECRET)
    secret_text_cases(c, s, ["empty", "leading-space", "trailing-newline", "ed25519-public-key-unsupported",
                             "ed25519-signing-key-unsupported"])

    # Eighteen digits still parse (then fail freshness); nineteen are malformed.
    c.verify("timestamp-eighteen-digits", s, [fx.secret], request(s, msg, [entry], ts_text="9" * 18),
             msg.body, err(TOO_NEW))
    c.verify("tolerance-zero-one-second-late", s, [fx.secret], good, msg.body, err(TOO_OLD),
             now=msg.ts + 1, tolerance=0)

    # Byte length, not character length, is what max_body limits.
    meal = dataclasses.replace(msg, body=MEAL_BODY.encode())
    c.verify("max-body-counts-bytes", s, [fx.secret], signed_request(s, [fx.secret], meal), meal.body,
             err(TOO_LARGE), max_body=len(MEAL_BODY))
    empty = dataclasses.replace(msg, body=b"")
    c.verify("empty-body", s, [fx.secret], signed_request(s, [fx.secret], empty), b"", ok_msg(s, empty),
             max_body=0)

    # Error precedence: the first failing check in the documented order wins.
    c.verify("precedence-invalid-secret-over-payload-too-large", s, [fx.secret, "short"], good, msg.body,
             err(INVALID_SECRET), max_body=1)
    c.verify("precedence-payload-too-large-over-missing-header", s, [fx.secret], [], msg.body,
             err(TOO_LARGE), max_body=1)
    c.verify("precedence-missing-id-over-malformed-timestamp", s, [fx.secret],
             replaced(without(good, s.id_header), s.ts_header, "soon"), msg.body, err(MISSING_HEADER))
    c.verify("precedence-dotted-id-over-missing-timestamp", s, [fx.secret],
             without(replaced(good, s.id_header, "msg.1"), s.ts_header), msg.body, err(MALFORMED_HEADER))
    c.verify("precedence-stale-timestamp-over-malformed-signature", s, [fx.secret],
             replaced(good, s.sig_header, "garbage"), msg.body, err(TOO_OLD), now=msg.ts + 3600)
    c.verify("precedence-stale-timestamp-over-invalid-signature", s, [fx.secret], good, b"tampered",
             err(TOO_OLD), now=msg.ts + 3600)


def standard_webhooks_cases(c: Cases) -> None:
    s, fx = SCHEMES["standard-webhooks"], FIXTURES["standard-webhooks"]
    msg = fixture_message(s)
    good = signed_request(s, [fx.secret], msg)
    entry = entries_for(s, [fx.secret], msg)[0]

    c.sign("sign-rotation-two-secrets", s, [fx.other_secret, fx.secret], msg)
    c.verify("extra-unknown-entries", s, [fx.secret], request(s, msg, ["v2,xxx", entry]), msg.body,
             ok_msg(s, msg))
    c.verify("entry-with-wrong-separator", s, [fx.secret], request(s, msg, ["v1=" + entry[3:]]), msg.body,
             err(MALFORMED_HEADER))
    # No event header exists for this scheme, so an event type is dropped.
    c.sign("sign-event-type-ignored", s, [fx.secret], dataclasses.replace(msg, event="order.created"))

    dotted = dataclasses.replace(msg, msg_id="msg_p5jX.N8AQ")
    c.verify("id-with-dot", s, [fx.secret], signed_request(s, [fx.secret], dotted), msg.body,
             err(MALFORMED_HEADER))
    c.sign("sign-id-with-dot", s, [fx.secret], dotted, INVALID_ARGUMENT)
    c.sign("sign-negative-timestamp", s, [fx.secret], dataclasses.replace(msg, ts=-1700000000),
           INVALID_ARGUMENT)

    # Only hookwire insists on 16-byte keys.
    short = "whsec_OGJ5dGVrZXk="
    c.verify("whsec-secret-8-bytes", s, [short], signed_request(s, [short], msg), msg.body, ok_msg(s, msg))
    bare = fx.secret[len("whsec_"):]
    c.verify("secret-without-prefix", s, [bare], good, msg.body, ok_msg(s, msg))
    c.verify("secret-without-prefix-not-base64", s, ["plain-text-secret"], good, msg.body,
             err(INVALID_SECRET))
    # The key is the decoded bytes; MACing with the literal text must not verify.
    literal = [s.version + encode(BASE64, mac(fx.secret.encode(), signed_content(s, msg.msg_id, msg.ts, msg.body)))]
    c.verify("secret-text-is-not-the-key", s, [fx.secret], request(s, msg, literal), msg.body,
             err(INVALID_SIGNATURE))

    secret_text_cases(c, s, ["empty", "leading-space", "trailing-newline"])
    c.sign("sign-secret-empty", s, [""], msg, INVALID_SECRET)
    base64_signature_cases(c, s)


def svix_cases(c: Cases) -> None:
    s, fx = SCHEMES["svix"], FIXTURES["svix"]
    msg = fixture_message(s)
    good = signed_request(s, [fx.secret], msg)
    rest = [h for h in good if h[0].lower() != s.sig_header]
    lines = [["Svix-Signature", entries_for(s, [fx.other_secret], msg)[0]],
             ["Svix-Signature", entries_for(s, [fx.secret], msg)[0]]]
    c.verify("signature-split-across-headers", s, [fx.secret], rest + lines, msg.body, ok_msg(s, msg))
    c.sign("sign-rotation-two-secrets", s, [fx.other_secret, fx.secret], msg)

    # Svix's SDKs read the unbranded webhook-* headers when the svix-* ones are not all there;
    # the two sets are never mixed.
    def unbranded(headers: List[List[str]]) -> List[List[str]]:
        return [[n.replace("Svix-", "Webhook-"), v] for n, v in headers]

    forged = request(s, msg, entries_for(s, [fx.other_secret], msg))
    c.verify("unbranded-webhook-headers", s, [fx.secret], unbranded(good), msg.body, ok_msg(s, msg))
    c.verify("unbranded-webhook-headers-mixed-case", s, [fx.secret],
             [[odd_case(n), v] for n, v in unbranded(good)], msg.body, ok_msg(s, msg))
    c.verify("svix-headers-first", s, [fx.secret], good + unbranded(forged), msg.body, ok_msg(s, msg))
    c.verify("svix-headers-first-even-when-forged", s, [fx.secret], forged + unbranded(good), msg.body,
             err(INVALID_SIGNATURE))
    stray = [h for h in good if h[0].lower() == "svix-id"]
    c.verify("incomplete-svix-headers-fall-back", s, [fx.secret], stray + unbranded(good), msg.body,
             ok_msg(s, msg))
    partial = [h for h in unbranded(good) if h[0].lower() != "webhook-timestamp"]
    c.verify("incomplete-unbranded-headers", s, [fx.secret], partial, msg.body, err(MISSING_HEADER))
    c.verify("sets-never-mixed", s, [fx.secret],
             [h for h in good if h[0].lower() != "svix-timestamp"] + [h for h in unbranded(good)
                                                                      if h[0].lower() == "webhook-timestamp"],
             msg.body, err(MISSING_HEADER))
    c.verify("unbranded-id-repeated-different-value", s, [fx.secret],
             unbranded(good) + [["webhook-id", "msg_other"]], msg.body, err(MALFORMED_HEADER))
    c.verify("ed25519-unbranded-webhook-headers", s, [WHPK], unbranded(signed_request(s, [WHSK], msg)),
             msg.body, ok_msg(s, msg))

    # Standard Webhooks itself does not read Svix's branded headers.
    sw = SCHEMES["standard-webhooks"]
    c.verify("branded-svix-headers-not-read", sw, [fx.secret], good, msg.body, err(MISSING_HEADER))
    c.verify("id-with-dot", s, [fx.secret],
             signed_request(s, [fx.secret], dataclasses.replace(msg, msg_id="msg_2Yh0.Ck8p")), msg.body,
             err(MALFORMED_HEADER))


def github_cases(c: Cases) -> None:
    s, fx = SCHEMES["github"], FIXTURES["github"]
    msg = fixture_message(s)
    good = signed_request(s, [fx.secret], msg)
    other_id = "0b3c9e7a-1d2f-4a5b-8c6d-7e8f9a0b1c2d"
    c.verify("delivery-id-not-signed", s, [fx.secret], replaced(good, s.id_header, other_id), msg.body,
             ok(s, other_id, None, fx.event))
    c.verify("sha1-header-only", s, [fx.secret],
             without(good, s.sig_header) + [
                 ["X-Hub-Signature", "sha1=" + hmac.new(fx.secret.encode(), msg.body, hashlib.sha1).hexdigest()]],
             msg.body, err(MISSING_HEADER))
    c.sign("sign-id-with-dot", s, [fx.secret], dataclasses.replace(msg, msg_id="delivery.1"), INVALID_ARGUMENT)
    # A secret that merely looks like whsec_ is still the raw text for GitHub.
    whsec = "whsec_" + base64.b64encode(b"github-looking-secret").decode()
    c.verify("whsec-secret-used-as-text", s, [whsec], signed_request(s, [whsec], msg), msg.body,
             ok_msg(s, msg))
    c.verify("short-plain-secret-ok", s, ["abc"], signed_request(s, ["abc"], msg), msg.body, ok_msg(s, msg))
    secret_text_cases(c, s, ["empty", "trailing-newline",
                             "ed25519-public-key-unsupported", "ed25519-signing-key-unsupported"])


def stripe_cases(c: Cases) -> None:
    s, fx = SCHEMES["stripe"], FIXTURES["stripe"]
    msg = fixture_message(s)
    entry = entries_for(s, [fx.secret], msg)[0]
    hexsig = entry[len("v1="):]
    t = f"t={msg.ts}"

    def header(value: str) -> List[List[str]]:
        return [["Stripe-Signature", value]]

    c.sign("sign-rotation-two-secrets", s, [fx.secret, fx.other_secret], msg)
    c.verify("v0-entry-and-good-v1", s, [fx.secret], header(f"{t},v0={hexsig},{entry}"), msg.body,
             ok_msg(s, msg))
    c.verify("v0-entry-only", s, [fx.secret], header(f"{t},v0={hexsig}"), msg.body, err(MALFORMED_HEADER))
    c.verify("missing-t", s, [fx.secret], header(entry), msg.body, err(MALFORMED_HEADER))
    c.verify("t-after-signatures", s, [fx.secret], header(f"{entry},{t}"), msg.body, ok_msg(s, msg))
    c.verify("unknown-keys-skipped", s, [fx.secret], header(f"{t},scheme=hmac,{entry}"), msg.body,
             ok_msg(s, msg))
    # t= is read once: a repeat must agree, wherever it stands.
    moved = f"t={msg.ts + 1}"
    c.verify("t-repeated-same-value", s, [fx.secret], header(f"{t},{entry},{t}"), msg.body, ok_msg(s, msg))
    c.verify("t-repeated-different-value-after", s, [fx.secret], header(f"{t},{entry},{moved}"), msg.body,
             err(MALFORMED_HEADER))
    c.verify("t-repeated-different-value-before", s, [fx.secret], header(f"{moved},{t},{entry}"), msg.body,
             err(MALFORMED_HEADER))
    c.verify("t-in-two-headers-different-values", s, [fx.secret],
             header(f"{t},{entry}") + [["stripe-signature", f"{moved},{entry}"]], msg.body, err(MALFORMED_HEADER))
    c.sign("sign-stripe-test-secret", s, ["whsec_test_secret"], msg)
    c.sign("sign-negative-timestamp", s, [fx.secret], dataclasses.replace(msg, ts=-5), INVALID_ARGUMENT)
    # Stripe keys with the whole whsec_ text; MACing with the decoded bytes must fail.
    decoded = b64decode_strict(fx.secret[len("whsec_"):])
    wrong_key = "v1=" + mac(decoded, signed_content(s, None, msg.ts, msg.body)).hex()
    c.verify("whsec-secret-is-not-decoded", s, [fx.secret], header(f"{t},{wrong_key}"), msg.body,
             err(INVALID_SIGNATURE))
    secret_text_cases(c, s, ["ed25519-public-key-unsupported"])


def auraconnect_cases(c: Cases) -> None:
    s, fx = SCHEMES["auraconnect"], FIXTURES["auraconnect"]
    msg = fixture_message(s)
    good = signed_request(s, [fx.secret], msg)
    # Replaying an old body with a fresh timestamp header passes by design.
    c.verify("old-body-fresh-timestamp", s, [fx.secret], replaced(good, s.ts_header, str(NOW + 3600)),
             msg.body, ok(s, msg.msg_id, NOW + 3600, fx.event), now=NOW + 3600)
    c.verify("event-id-not-signed", s, [fx.secret], replaced(good, s.id_header, "evt_aura_0001"), msg.body,
             ok(s, "evt_aura_0001", msg.ts, fx.event))


def bare_hex_cases(c: Cases) -> None:
    # Bare-hex schemes must not accept a prefixed value, and vice versa.
    for name in ("device-service", "ops-center"):
        s, fx = SCHEMES[name], FIXTURES[name]
        msg = fixture_message(s)
        entry = entries_for(s, [fx.secret], msg)[0]
        c.verify("prefixed-signature-rejected", s, [fx.secret], request(s, msg, ["sha256=" + entry]), msg.body,
                 err(MALFORMED_HEADER))
    s, fx = SCHEMES["webnet"], FIXTURES["webnet"]
    msg = fixture_message(s)
    entry = entries_for(s, [fx.secret], msg)[0]
    c.verify("bare-hex-rejected", s, [fx.secret], request(s, msg, [entry[len("sha256="):]]), msg.body,
             err(MALFORMED_HEADER))


def shopify_cases(c: Cases) -> None:
    s, fx = SCHEMES["shopify"], FIXTURES["shopify"]
    msg = fixture_message(s)
    entry, wrong = entries_for(s, [fx.secret, fx.other_secret], msg)
    c.verify("several-entries-one-good", s, [fx.secret], request(s, msg, [wrong, entry]), msg.body,
             ok_msg(s, msg))
    base64_signature_cases(c, s)


def ed25519_cases(c: Cases) -> None:
    s, fx = SCHEMES["standard-webhooks"], FIXTURES["standard-webhooks"]
    msg = fixture_message(s)
    c.sign("ed25519-sign", s, [WHSK], msg)
    signed = titled(sign(s, [WHSK], msg)["headers"])
    c.verify("ed25519-verify-public-key", s, [WHPK], signed, msg.body, ok_msg(s, msg))
    c.verify("ed25519-verify-with-signing-key", s, [WHSK], signed, msg.body, ok_msg(s, msg))
    c.verify("ed25519-tampered-body", s, [WHPK], signed, msg.body[:-1] + b" " + msg.body[-1:],
             err(INVALID_SIGNATURE))
    sig = dict((n.lower(), v) for n, v in signed)[s.sig_header]
    bad = s.ed25519_version + tamper(BASE64, sig[len(s.ed25519_version):], "last")
    c.verify("ed25519-tampered-signature", s, [WHPK], replaced(signed, s.sig_header, bad), msg.body,
             err(INVALID_SIGNATURE))
    c.verify("ed25519-hmac-and-public-key", s, [fx.secret, WHPK], signed, msg.body, ok_msg(s, msg, 1))
    c.sign("ed25519-sign-hmac-and-signing-key", s, [fx.secret, WHSK], msg)
    both = titled(sign(s, [fx.secret, WHSK], msg)["headers"])
    c.verify("ed25519-mixed-header-public-key-only", s, [WHPK], both, msg.body, ok_msg(s, msg))
    c.verify("ed25519-public-key-wrong-length", s, ["whpk_" + base64.b64encode(ED25519_PUBLIC[:16]).decode()],
             signed, msg.body, err(INVALID_SECRET))
    c.sign("ed25519-sign-with-public-key", s, [WHPK], msg, INVALID_SECRET)
    hmac_signed = signed_request(s, [fx.secret], msg)
    c.verify("ed25519-public-key-only-sees-no-v1a", s, [WHPK], hmac_signed, msg.body, err(MALFORMED_HEADER))
    c.verify("ed25519-hmac-only-sees-no-v1", s, [fx.secret], signed, msg.body, err(MALFORMED_HEADER))
    # Each v1a entry costs a hash of the whole body: a flood of forged ones is refused unread.
    sig_entry = dict((n.lower(), v) for n, v in signed)[s.sig_header]
    forged = [s.ed25519_version + tamper(BASE64, sig_entry[len(s.ed25519_version):], "first")]
    c.verify("ed25519-forged-entries-over-limit", s, [WHPK], request(s, msg, forged * MAX_ENTRIES + [sig_entry]),
             msg.body, err(MALFORMED_HEADER))
    c.verify("ed25519-forged-entries-at-limit", s, [WHPK], request(s, msg, forged * (MAX_ENTRIES - 1) + [sig_entry]),
             msg.body, ok_msg(s, msg))
    other_public = ed25519_public(bytes(range(32)))
    c.verify("ed25519-signing-key-with-foreign-public-half", s,
             ["whsk_" + base64.b64encode(ED25519_SEED + other_public).decode()], signed, msg.body,
             err(INVALID_SECRET))

    svix = SCHEMES["svix"]
    smsg = fixture_message(svix)
    c.verify("ed25519-verify-public-key", svix, [WHPK], signed_request(svix, [WHSK], smsg), smsg.body,
             ok_msg(svix, smsg))

    hw = SCHEMES["hookwire"]
    c.sign("sign-ed25519-key-unsupported", hw, [WHSK], fixture_message(hw), INVALID_SECRET)


def build_cases() -> List[dict]:
    assert ED25519_PUBLIC == RFC8032_TEST1_PUBLIC, "ed25519 library disagrees with RFC 8032"
    c = Cases()
    for s in SCHEMES.values():
        scheme_cases(c, s)
    published_cases(c)
    hookwire_cases(c)
    standard_webhooks_cases(c)
    svix_cases(c)
    github_cases(c)
    stripe_cases(c)
    auraconnect_cases(c)
    bare_hex_cases(c)
    shopify_cases(c)
    ed25519_cases(c)
    # Group by scheme so diffs of the JSON stay local to the scheme that changed.
    order = list(SCHEMES)
    return sorted(c.cases, key=lambda case: order.index(case["scheme"]))


def render() -> str:
    document = {
        "version": 1,
        "generated_by": GENERATED_BY,
        "description": ("Webhook signing and verification vectors for hookwire, computed by an independent "
                        "Python implementation. Regenerate with: python3 " + GENERATED_BY),
        "cases": build_cases(),
    }
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def main(argv: List[str]) -> int:
    text = render()
    if argv[1:] == ["--check"]:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current == text:
            return 0
        diff = difflib.unified_diff(current.splitlines(), text.splitlines(), "committed", "regenerated",
                                    lineterm="", n=2)
        lines = list(diff)
        print("\n".join(lines[:200]), file=sys.stderr)
        if len(lines) > 200:
            print(f"... ({len(lines) - 200} more diff lines)", file=sys.stderr)
        print(f"{OUTPUT} is stale: run python3 {GENERATED_BY}", file=sys.stderr)
        return 1
    if argv[1:]:
        print(f"usage: python3 {GENERATED_BY} [--check]", file=sys.stderr)
        return 2
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {len(json.loads(text)['cases'])} cases to {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
