'use strict'
// hookwire for Node: the native addon (napi-rs, `native.js`) plus the error classes and the
// Express/Fastify/fetch helpers. Every rule is the Rust core's; this file only wires.

const native = require('./native.js')
const errors = require('./lib/errors.js')
const http = require('./lib/http.js')
const message = require('./lib/message.js')
const event = require('./lib/event.js')
const pending = require('./lib/pending.js')
const { isAnyArrayBuffer } = require('node:util').types

native.setErrorFactory(errors.fromCode)
message.install(native)
const events = event.install(native)
message.useParseEvent(events.parseEventIn)
pending.install(native)

// `outbox.publish` of a data object: written here with JSON.stringify, a plain JS call, and read
// by the addon (a call from Rust into JS costs more than the stringifying; issue 16). When
// JSON.stringify throws or gives nothing, the addon is handed that (its thrown reason, as napi
// would write it) rather than the object, so a `toJSON` or getter runs once, and the addon names
// the error. Bytes, a string, other values and array buffers (bytes the body rule refuses) go to
// the addon's own `publish`, which applies the body rule and names the error.
const publishData = native.Outbox.prototype.publish
native.Outbox.prototype.publish = function publish(eventType, data, options) {
  if (
    typeof data === 'object' &&
    data !== null &&
    !ArrayBuffer.isView(data) &&
    !isAnyArrayBuffer(data) &&
    this instanceof native.Outbox
  ) {
    let json
    let thrown
    try {
      json = JSON.stringify(data)
    } catch (error) {
      thrown = reasonOf(error)
    }
    return native.outboxPublishJson(this, eventType, typeof json === 'string' ? json : undefined, options, thrown)
  }
  return publishData.call(this, eventType, data, options)
}

// What napi makes of a thrown value (`String(value)` without its Symbol case; '' when that throws).
function reasonOf(thrown) {
  try {
    return `${thrown}`
  } catch {
    return ''
  }
}

/** `verifier.verifyRequest(request)`: the Fetch API helper as a method. */
native.Verifier.prototype.verifyRequest = function verifyRequest(request, options) {
  return http.verifyRequest(request, this, options)
}

// One `exports.name =` line per name, so ESM `import { Verifier } from 'hookwire'` sees them all.
exports.Secret = native.Secret
exports.Signer = native.Signer
exports.Verifier = native.Verifier
exports.Message = message.Message
exports.AsyncMessage = message.AsyncMessage
exports.VerifiedMessage = message.VerifiedMessage
exports.SeenStore = native.SeenStore
exports.Event = native.Event
exports.Subscription = native.Subscription
exports.Endpoint = native.Endpoint
exports.Outcome = native.Outcome
exports.RetryPolicy = native.RetryPolicy
exports.Delivery = native.Delivery
exports.Scheduler = native.Scheduler
exports.EndpointHealth = native.EndpointHealth
exports.UrlGuard = native.UrlGuard
exports.Outbox = native.Outbox
exports.parseEvent = events.parseEvent
exports.eventTypes = native.eventTypes
exports.sampleEvent = native.sampleEvent
exports.responseStatus = native.responseStatus
exports.payloadTypes = native.payloadTypes
exports.ERROR_CODES = Object.freeze(native.errorCodes())
exports.SCHEMES = Object.freeze(native.schemes())
exports.DIALECTS = Object.freeze(native.dialects())
exports.RETRY_POLICIES = Object.freeze(native.retryPolicies())
exports.OUTBOX_ERROR_CODES = Object.freeze(native.outboxErrorCodes())
exports.WebhookError = errors.WebhookError
exports.TimestampOutOfTolerance = errors.TimestampOutOfTolerance
exports.InvalidSignature = errors.InvalidSignature
exports.MissingHeader = errors.MissingHeader
exports.MalformedHeader = errors.MalformedHeader
exports.TimestampTooOld = errors.TimestampTooOld
exports.TimestampTooNew = errors.TimestampTooNew
exports.Replayed = errors.Replayed
exports.ReplayInProgress = errors.ReplayInProgress
exports.PayloadTooLarge = errors.PayloadTooLarge
exports.InvalidSecret = errors.InvalidSecret
exports.InvalidArgument = errors.InvalidArgument
exports.InvalidPayload = errors.InvalidPayload
exports.UnknownScheme = errors.UnknownScheme
exports.UnknownEventType = errors.UnknownEventType
exports.UnknownDialect = errors.UnknownDialect
exports.BlockedUrl = errors.BlockedUrl
exports.InvalidState = errors.InvalidState
exports.StoreError = errors.StoreError
exports.InternalError = errors.InternalError
exports.NotFound = errors.NotFound
exports.LeaseLost = errors.LeaseLost
exports.SchemaTooNew = errors.SchemaTooNew
exports.Timeout = errors.Timeout
exports.fromCode = errors.fromCode
exports.ERROR_CLASSES = errors.ERROR_CLASSES
exports.expressWebhook = http.expressWebhook
exports.fastifyWebhook = http.fastifyWebhook
exports.verifyRequest = http.verifyRequest
exports.fetchWebhook = http.fetchWebhook
