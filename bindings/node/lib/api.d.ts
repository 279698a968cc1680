// ---- Package layer (lib/*.js): constants, errors, headers, helpers ----

// @error-codes
/** Every error code (the core's `Error::CODES`). */
export declare const ERROR_CODES: readonly ErrorCode[]
/** The outbox's own error codes (`hookwire_outbox::Error::CODES`). */
export declare const OUTBOX_ERROR_CODES: readonly ErrorCode[]
/** The signature scheme names (`scheme` option). */
export declare const SCHEMES: readonly string[]
/** The event dialect names (`dialect` option, `event.encode`). */
export declare const DIALECTS: readonly string[]
/** The retry policy presets (`RetryPolicy.fromName`). */
export declare const RETRY_POLICIES: readonly string[]

/**
 * Every hookwire failure; `code` is the stable machine-readable string. The details of each code
 * (`header`, `limit`, `age`, ...) are properties of its subclass.
 */
export declare class WebhookError extends Error {
  constructor(message: string, code?: ErrorCode, details?: Record<string, unknown>)
  readonly code: ErrorCode
  static readonly code: ErrorCode
}
/** The timestamp is outside the tolerance window (too old or too new). */
export declare class TimestampOutOfTolerance extends WebhookError {}
// @errors
/** No endpoint, message or delivery has this id (outbox). */
export declare class NotFound extends WebhookError { readonly code: 'not_found' }
/** A worker's lease on a delivery expired before it could record its attempt (outbox). */
export declare class LeaseLost extends WebhookError { readonly code: 'lease_lost' }
/** The outbox's database was made by a newer hookwire. */
export declare class SchemaTooNew extends WebhookError { readonly code: 'schema_too_new' }
/** Deliveries were still due when `outbox.runUntilIdle`'s time ran out. */
export declare class Timeout extends WebhookError { readonly code: 'timeout' }
/** The error class of each code. */
export declare const ERROR_CLASSES: ReadonlyMap<ErrorCode, typeof WebhookError>
/** The error for a code (what the addon throws). */
export declare function fromCode(code: string, message: string, details?: Record<string, unknown>): WebhookError

/**
 * Request headers: a plain object (Node's `IncomingHttpHeaders`: array values are joined with
 * ", "), a fetch `Headers`, or `[name, value]` pairs. Names match case-insensitively; only the
 * headers the scheme reads are looked at.
 */
export type HeadersLike =
  | Record<string, string | readonly string[] | number | undefined>
  | { get(name: string): string | null }
  | ReadonlyArray<readonly [string, string]>

/** Options of `new Endpoint(url, secret, options)` (the sender API's endpoint). */
export interface EndpointConfig {
  /** The signature scheme (`SCHEMES`); default `hookwire`. */
  scheme?: string
  /** Which events go there; default every event. */
  subscription?: Subscription
  /** A `RetryPolicy` or a preset name (`RETRY_POLICIES`); default `standard-webhooks`. */
  retry?: RetryPolicy | string
  /** Custom headers sent with every request (the scheme's own headers win). */
  headers?: Record<string, string>
  /** How long the receiver has to answer (ms); default 30,000. */
  timeoutMs?: number
  /** Pacing: at most `count` requests per `periodMs`. */
  rateLimit?: { count: number; periodMs: number }
  /** The largest body sent (bytes); default 1 MiB: larger ones are `PayloadTooLarge`. */
  maxPayload?: number
  /** Allow loopback and private destinations (an internal receiver on purpose); cloud metadata
   * stays refused. Default false: `BlockedUrl`. */
  allowPrivate?: boolean
}

/** Options of `endpoint.request(options)`. */
export interface RequestOptions {
  /** The exact bytes to send (a string is sent as its UTF-8). */
  body: Uint8Array | string
  /** The message id: the same on every attempt and resend, so receivers can deduplicate. */
  msgId: string
  /** The event type, for schemes with an event header. */
  eventType?: string
  /** The attempt's start (a `Date` or unix ms); default now. Sign afresh on every attempt. */
  now?: Date | number
}

/** Options of `new Verifier(secret, options)`. */
export interface VerifierOptions {
  /** The scheme (`SCHEMES`); default `hookwire`. */
  scheme?: string
  /** Timestamp tolerance in seconds, both directions; default 300. */
  tolerance?: number
  /** The largest body in bytes; default 1 MiB. */
  maxBody?: number
  /**
   * Claim every verified message in this store until it is committed or released: a duplicate
   * meanwhile is `replay_in_progress` (409), after a commit `replayed` (200). A PostgreSQL or
   * Redis store is used through `verifyAsync` only (it never blocks the event loop).
   */
  seenStore?: SeenStore
  /** How long a claim holds when neither committed nor released (its handler died), in
   * seconds; default 60. Make it longer than the slowest handler. */
  claimTtl?: number
  /** The shorthand of `seenStore: SeenStore.memory(replayCapacity)`. */
  replayCapacity?: number
}

// @members Event
  /**
   * The data as JS values (keys as in the JSON), exactly what `JSON.parse(ev.dataJson())`
   * gives: numbers are JS numbers, so read `dataJson()` for the exact digits. Built once (by
   * `parseEvent` as it makes the event, else on the first read) and kept: every read gives
   * the same object.
   */
  get data(): unknown
// @end
// @members Verifier
  /**
   * Verifies the raw `body` with its `headers` at `now` (unix seconds; default: the clock) and
   * returns the checked message, claimed when the verifier has a memory or SQLite store; throws
   * the `WebhookError` of the failure's code (`ReplayInProgress` while another delivery is being
   * handled, `Replayed` after it was committed). Only the headers the scheme reads are looked at.
   * With a PostgreSQL or Redis store it throws `InvalidState`: use `verifyAsync`.
   */
  verify(body: Uint8Array | string, headers: HeadersLike, options?: VerifyOptions): Message
  /**
   * `verify` for every store: the checks run at once, the claim is awaited (a network store never
   * blocks the event loop); rejects with the `WebhookError` of the failure (`StoreError` when the
   * store cannot answer within its timeout). The message commits and releases with Promises.
   */
  verifyAsync(body: Uint8Array | string, headers: HeadersLike, options?: VerifyOptions): Promise<AsyncMessage>
  /** The Fetch API helper as a method: `await verifier.verifyRequest(request)`. */
  verifyRequest(request: Request, options?: VerifyOptions): Promise<AsyncMessage>
// @end

/** Options of `verifier.verify(body, headers, options)`. */
export interface VerifyOptions {
  /** Unix seconds; default: the clock. */
  now?: number
}

/** Options of `message.commit(options)`. */
export interface CommitOptions {
  /** The instant of the commit (unix seconds); default: the `now` given to verify, else the clock. */
  now?: number
}

/** A verified message: what the headers said, and the body they signed. */
export declare abstract class VerifiedMessage {
  protected constructor()
  /** The message id, where the scheme has one. */
  readonly id: string | null
  /** The timestamp (unix seconds), where the scheme has one. */
  readonly timestamp: number | null
  /** Whether the timestamp was part of the signed content. */
  readonly timestampSigned: boolean
  /** The event type header, where the scheme has one. */
  readonly eventType: string | null
  /** Which configured secret matched (0 = the first). */
  readonly secretIndex: number
  /** The verified body: the caller's own Buffer/Uint8Array (a string body as a Buffer). */
  get body(): Uint8Array
  /** The body parsed as JSON (`JSON.parse`); a body that is not JSON throws InvalidPayload. */
  json(): unknown
  /**
   * The body as an event in the envelope of the scheme's senders: native for `hookwire`,
   * `standard-webhooks` and `svix`, each system's own for `auraconnect`, `ops-center`, `webnet`,
   * `homechef` and `device-service`. Throws `InvalidPayload` for a body in another envelope
   * and for schemes whose senders write their own JSON (`github`, `stripe`, `shopify`,
   * `slack`: read `json()`).
   */
  get event(): WebhookEvent
  /** The body in another system's envelope (`DIALECTS`), the event header as type hint. */
  eventAs(dialect: string): WebhookEvent
  /** Whether the message is claimed in a replay store (false when the verifier has none). */
  get claimed(): boolean
  /** When the claim lapses (unix seconds) if neither committed nor released; null without a store. */
  get claimUntil(): number | null
}

/**
 * A message of `verify` (memory and SQLite stores): commit and release answer at once. Both
 * answer false without a replay store.
 */
export declare class Message extends VerifiedMessage {
  private constructor()
  /**
   * Records the message as handled: later deliveries are `replayed`. `false`, and nothing
   * changed, when the claim was lost: it lapsed (the handler took longer than `claimTtl`) and
   * another delivery of the message took it.
   */
  commit(options?: CommitOptions): boolean
  /** Gives the claim up (the handler failed): the sender's retry is accepted. `false` when nothing was released. */
  release(): boolean
}

/** A message of `verifyAsync`: commit and release are Promises, whatever the store. */
export declare class AsyncMessage extends VerifiedMessage {
  private constructor()
  /** `Message.commit`, as a Promise (a lost claim: `false`, nothing changed). */
  commit(options?: CommitOptions): Promise<boolean>
  /** `Message.release`, as a Promise. */
  release(): Promise<boolean>
}

/** Options of the Express middleware and the Fastify plugin. */
export interface WebhookHelperOptions {
  /** The clock for `now` (unix seconds); default: the system clock. */
  now?: () => number
}
/**
 * Express middleware: verifies `req.body` (a Buffer from `express.raw({ type: '*\/*' })`) with
 * `req.headers` (`verifyAsync`) and sets `req.webhook` (typed on Express's `Request` below).
 * A failure answers `responseStatus(code)` (401 not authentic, 409 replay in progress, 413 too
 * large, 503 replay store down, 500 misconfigured, 400 malformed) with `{ error: code, message }`;
 * a replay answers 200 `{ duplicate: true }` without calling the handler, so the sender stops. A
 * parsed `req.body` is an `InvalidArgument` passed to `next` that says to pass the raw request
 * body. `onError(err, req, res, next)` replaces those answers. The claim is committed once a 2xx
 * answer is sent, released after any other answer or when the connection closes first.
 */
export declare function expressWebhook(
  verifier: Verifier,
  options?: WebhookHelperOptions & {
    onError?: (error: WebhookError, req: any, res: any, next: (error?: unknown) => void) => void
  },
): (req: any, res: any, next: (error?: unknown) => void) => void
/**
 * Fastify plugin: keeps bodies raw in the registering scope and verifies them in a `preHandler`
 * hook, setting `request.webhook`; the claim is committed when a 2xx answer was sent, released
 * after any other answer (a handler that throws answers 500) or when the request is aborted.
 */
export declare function fastifyWebhook(
  fastify: any,
  options: WebhookHelperOptions & {
    verifier: Verifier
    onError?: (error: WebhookError, request: any, reply: any) => unknown
  },
  done: (error?: Error) => void,
): void
/** Fetch API: verifies a `Request` (reads its raw body); rejects with the WebhookError. The
 * caller commits or releases the message's claim (or uses `fetchWebhook`). */
export declare function verifyRequest(request: Request, verifier: Verifier, options?: VerifyOptions): Promise<AsyncMessage>
/**
 * Fetch API handler: verifies each `Request`, calls `handler(message, request)` and settles the
 * claim before answering: committed when its Response is 2xx, released when it is anything else
 * or the handler throws. Failed verifications are answered without the handler.
 */
export declare function fetchWebhook<Rest extends unknown[] = []>(
  verifier: Verifier,
  handler: (message: AsyncMessage, request: Request, ...rest: Rest) => Response | Promise<Response>,
  options?: WebhookHelperOptions,
): (request: Request, ...rest: Rest) => Promise<Response>

declare global {
  namespace Express {
    interface Request {
      /**
       * The verified message, set by `expressWebhook` before the route's handler runs (only on
       * the routes that mount it); its claim is settled by the answer.
       */
      webhook: AsyncMessage
    }
  }
}

// ---- Durable delivery: the options of Outbox's calls (the records are the addon's) ----

/** A signing secret the outbox stores: its text, or a `Secret` made from text. */
export type OutboxSecret = string | Secret

/** A retry policy: a preset (`RETRY_POLICIES`), or a delay table in milliseconds. */
export type RetryOption =
  | string
  | { preset?: string; delaysMs?: number[]; maxAttempts?: number; maxAgeMs?: number; throttleMinMs?: number }

/** Options of `outbox.addEndpoint(url, options)`. */
export interface EndpointOptions {
  /** The signature scheme (`SCHEMES`); default `standard-webhooks`. */
  scheme?: string
  /** The signing secret, or several (every request carries one signature per secret: rotation). */
  secret: OutboxSecret | OutboxSecret[]
  /** Event patterns (`order.created`, `order.*`, `*`); default `['*']`. */
  events?: string[]
  /** The retry policy; default the `standard-webhooks` preset. */
  retry?: RetryOption
  /** Allow loopback and private networks (127.0.0.1 in tests); default false: `BlockedUrl`. */
  allowPrivate?: boolean
  /** The endpoint's id, when the application keeps its own (1–64 of `A-Za-z0-9_-`). */
  id?: string
  /** Only events whose data field (a dotted path) equals the value. */
  filters?: Record<string, JsonValue>
  /** Custom headers sent with every request. */
  headers?: Record<string, string>
  /** Pacing: at most `count` deliveries per `periodMs`. */
  rateLimit?: { count: number; periodMs: number }
  /** Most requests in flight per worker; default 16. */
  maxInFlight?: number
  /** The receiver's time to answer (ms); default 30,000. */
  timeoutMs?: number
  /** An opaque tenant: its messages go to its endpoints only. */
  tenant?: string
  /** A note for people. */
  description?: string
  /** Accept patterns of types the catalog does not know. */
  anyEventType?: boolean
}

/** Changes of `outbox.updateEndpoint(endpoint, changes)`: each given replaces that setting. */
export interface EndpointChanges {
  url?: string
  scheme?: string
  secret?: OutboxSecret | OutboxSecret[]
  events?: string[]
  retry?: RetryOption
  allowPrivate?: boolean
  filters?: Record<string, JsonValue>
  headers?: Record<string, string>
  /** `null` removes the pacing. */
  rateLimit?: { count: number; periodMs: number } | null
  maxInFlight?: number
  timeoutMs?: number
  /** `null` removes the note. */
  description?: string | null
  anyEventType?: boolean
}

/** Options of `outbox.publish(eventType, data, options)`. */
export interface PublishOptions {
  /** Publishing again with the same key creates nothing and resolves to the first message's id. */
  idempotencyKey?: string
  /** Delivers only to endpoints of this tenant. */
  tenant?: string
  /** The envelope (`DIALECTS`): an object is written in it, a Buffer read in it for filters. */
  dialect?: string
}

/** Which deliveries `outbox.deliveries(filter)` lists; every field narrows. */
export interface DeliveryFilter {
  status?: DeliveryStateName
  endpoint?: string | EndpointRecord
  message?: string
  eventType?: string
  /** Created at or after (a Date or unix ms). */
  since?: Date | number
  /** Created before. */
  until?: Date | number
  limit?: number
}

/** Options of `outbox.start(options)` and `outbox.runUntilIdle(options)`. */
export interface WorkerOptions {
  /** At most this many requests in flight; default 32. */
  concurrency?: number
  /** The lease on each claimed delivery (ms): how long a crashed process's work waits; default 30,000. */
  leaseMs?: number
  /** How often to look for due work when nothing wakes the worker (ms); default 1,000. */
  pollIntervalMs?: number
}
