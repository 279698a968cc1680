'use strict'
// hookwire's errors: one base class with the stable `code` string, a subclass per code. The codes
// are the same in every language hookwire is bound to (Python `.code`, Kotlin/Swift enums), and
// so are the structured details each code carries (`header`, `limit`, `age`, ...: the core's
// `Error::details`, listed in bindings/errors.json, against which __test__/errors.test.mjs holds
// this file and index.d.ts).

class WebhookError extends Error {
  constructor(message, code, details) {
    super(message)
    this.name = new.target.name
    this.code = code ?? new.target.code ?? 'internal'
    // The details as own properties (`err.header`, `err.limit`), camelCase (`err.eventType`).
    if (details) for (const key of Object.keys(details)) this[key] = details[key]
  }
}
WebhookError.code = 'internal'

function define(name, code, parent = WebhookError) {
  const cls = { [name]: class extends parent {} }[name]
  cls.code = code
  return cls
}

/** The timestamp is outside the tolerance window (too old or too new). */
class TimestampOutOfTolerance extends WebhookError {}

const InvalidSignature = define('InvalidSignature', 'invalid_signature')
const MissingHeader = define('MissingHeader', 'missing_header')
const MalformedHeader = define('MalformedHeader', 'malformed_header')
const TimestampTooOld = define('TimestampTooOld', 'timestamp_too_old', TimestampOutOfTolerance)
const TimestampTooNew = define('TimestampTooNew', 'timestamp_too_new', TimestampOutOfTolerance)
const Replayed = define('Replayed', 'replayed')
const ReplayInProgress = define('ReplayInProgress', 'replay_in_progress')
const PayloadTooLarge = define('PayloadTooLarge', 'payload_too_large')
const InvalidSecret = define('InvalidSecret', 'invalid_secret')
const InvalidArgument = define('InvalidArgument', 'invalid_argument')
const InvalidPayload = define('InvalidPayload', 'invalid_payload')
const UnknownScheme = define('UnknownScheme', 'unknown_scheme')
const UnknownEventType = define('UnknownEventType', 'unknown_event_type')
const UnknownDialect = define('UnknownDialect', 'unknown_dialect')
const BlockedUrl = define('BlockedUrl', 'blocked_url')
const InvalidState = define('InvalidState', 'invalid_state')
const StoreError = define('StoreError', 'store_error')
const InternalError = define('InternalError', 'internal')
// The outbox's own codes (OUTBOX_ERROR_CODES, from hookwire_outbox::Error::CODES).
/** No endpoint, message or delivery has this id. */
const NotFound = define('NotFound', 'not_found')
/** A worker's lease on a delivery expired before it could record its attempt. */
const LeaseLost = define('LeaseLost', 'lease_lost')
/** The outbox's database was made by a newer hookwire. */
const SchemaTooNew = define('SchemaTooNew', 'schema_too_new')
/** Deliveries were still due when `runUntilIdle`'s time ran out. */
const Timeout = define('Timeout', 'timeout')

const BY_CODE = new Map(
  [
    InvalidSignature, MissingHeader, MalformedHeader, TimestampTooOld, TimestampTooNew, Replayed,
    ReplayInProgress, PayloadTooLarge, InvalidSecret, InvalidArgument, InvalidPayload, UnknownScheme, UnknownEventType,
    UnknownDialect, BlockedUrl, InvalidState, StoreError, InternalError, NotFound, LeaseLost, SchemaTooNew, Timeout,
  ].map((cls) => [cls.code, cls]),
)

/** The error for an error code of the core or the outbox, with its details (used by the addon;
 * unknown codes get the base class). */
function fromCode(code, message, details) {
  const cls = BY_CODE.get(code) ?? WebhookError
  return new cls(message, code, details)
}

module.exports = {
  WebhookError, TimestampOutOfTolerance, InvalidSignature, MissingHeader, MalformedHeader,
  TimestampTooOld, TimestampTooNew, Replayed, ReplayInProgress, PayloadTooLarge, InvalidSecret, InvalidArgument,
  InvalidPayload, UnknownScheme, UnknownEventType, UnknownDialect, BlockedUrl, InvalidState,
  StoreError, InternalError, NotFound, LeaseLost, SchemaTooNew, Timeout, fromCode, ERROR_CLASSES: BY_CODE,
}
