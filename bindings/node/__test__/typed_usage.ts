// Type-checked by `tsc --noEmit -p __test__` (npm test): the public types narrow as documented.
// An `@ts-expect-error` line fails the check if its error disappears, so these lines can fail too.
import {
  parseEvent, sampleEvent, Signer, Verifier, WebhookError, InvalidSignature, RetryPolicy, Outcome,
  Scheduler, SeenStore, Delivery, Endpoint, Subscription, PayloadTooLarge, MissingHeader, fetchWebhook, type WebhookEvent, type Order, type Decimal, type ErrorCode, type Message,
  type AsyncMessage, type VerifiedMessage,
} from 'hookwire'

const verifier = new Verifier(['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'], { scheme: 'hookwire', tolerance: 300 })
const headers: Record<string, string> = new Signer('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw').sign('{}', { id: 'msg_1', timestamp: 1 })
const message: Message = verifier.verify(Buffer.from('{}'), headers, { now: 1 })
verifier.verify('{}', new Headers(headers))
verifier.verify(new Uint8Array(2), { 'x-webhook-signature': ['a', 'b'], 'content-length': '2' })
const fromRequest: Promise<AsyncMessage> = verifier.verifyRequest(new Request('https://example.com', { method: 'POST', body: '{}' }))
void fromRequest

const ev: WebhookEvent = message.event
if (ev.type === 'order.created') {
  // Narrowed to the order event: data is an Order.
  const total: Decimal | undefined = ev.data.total_amount
  const order: Order = ev.data
  void total, order
  // @ts-expect-error -- a device field is not on an order
  void ev.data.battery_level
}
switch (ev.type) {
  case 'device.temperature':
    for (const probe of ev.data.probes ?? []) {
      const unit: 'F' | 'C' | undefined = probe.unit
      void unit
    }
    break
  case 'job.failed': {
    const jobType: string | undefined = ev.data.type
    void jobType
    break
  }
  case 'user.login':
    void ev.data.email
    break
}
if (ev.family === 'other') {
  const name: string = String(ev.type)
  void name
}
// @ts-expect-error -- not an event type of the catalog
if (ev.type === 'order.refunded') void 0

const sample = sampleEvent('order.created')
if (sample.family === 'order') void sample.data.items?.[0]?.price
void parseEvent(Buffer.from('{}'), { dialect: 'ops-center', typeHint: 'device.alert' }).type

try {
  verifier.verify('{}', {})
} catch (error) {
  if (error instanceof InvalidSignature) {
    const code: 'invalid_signature' = error.code
    void code
  } else if (error instanceof WebhookError) {
    const code: ErrorCode = error.code
    void code
  }
}

// Replay claims: `verify` (memory, SQLite) commits at once, `verifyAsync` (every store) with Promises.
const claimed = new Verifier('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', { seenStore: SeenStore.sqlite('replay.db'), claimTtl: 60 })
const committed: boolean = claimed.verify('{}', headers).commit({ now: 1 })
void committed
const shared = new Verifier('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', { seenStore: SeenStore.redis('redis://cache:6379/0', { timeoutMs: 1000 }) })
async function handle(body: Uint8Array): Promise<boolean> {
  const pending: AsyncMessage = await shared.verifyAsync(body, headers)
  const read: VerifiedMessage = pending
  void read.claimUntil
  // @ts-expect-error -- an async message's commit is a Promise
  const wrong: boolean = pending.commit()
  void wrong
  return pending.release()
}
void handle
const route: (request: Request) => Promise<Response> = fetchWebhook(shared, async (m) => Response.json({ id: m.id }))
void route
const kind: 'memory' | 'sqlite' | 'postgres' | 'redis' = SeenStore.memory(10).kind
void kind

// The delivery side: instants in as a Date or unix ms, out as Dates; spans in ms, named *Ms.
const decision = RetryPolicy.fromName('standard-webhooks').withSeed(1).next(1, new Date(0), Date.now(), Outcome.response(503))
const at: Date | null | undefined = decision.at
void at
const due: Array<[string, Date]> = new Scheduler().popDue(new Date(), 10)
void due
const attempts: number = RetryPolicy.fromName('svix').withMaxAttempts(3).maxAttempts
const maxAge: number | null = RetryPolicy.fromName('svix').withMaxAge(60_000).maxAgeMs
void attempts, maxAge
// @ts-expect-error -- a date string is not an instant
new Delivery('msg_1', '2026-01-01')

// The sender's Endpoint: every secret signs; `request` gives what fetch takes.
const endpoint = new Endpoint('https://example.com/hooks', ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'], {
  scheme: 'standard-webhooks', subscription: new Subscription({ patterns: ['order.*'] }), retry: 'svix', timeoutMs: 5000,
})
const request: { method: string; url: string; headers: Record<string, string>; body: Buffer } =
  endpoint.request({ body: '{}', msgId: 'msg_1', now: new Date() })
void request
const active: boolean = endpoint.subscription.active
void active
// @ts-expect-error -- msgId is required
endpoint.request({ body: '{}' })
// Errors carry their details, typed per class.
try {
  endpoint.request({ body: '{}', msgId: 'msg_2' })
} catch (error) {
  if (error instanceof PayloadTooLarge) {
    const limit: number = error.limit
    void limit
  } else if (error instanceof MissingHeader) {
    const header: string = error.header
    void header
  }
}

// The outbox: every database call is a Promise; records carry Dates; statuses are a union.
import { Outbox, NotFound, type DeliveryRecord, type EndpointRecord, type WorkerReport } from 'hookwire'
async function durableDelivery(): Promise<void> {
  const outbox: Outbox = await Outbox.open('sqlite:///tmp/webhooks.db')
  const endpoint: EndpointRecord = await outbox.addEndpoint('https://example.com/hooks', { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', events: ['order.*'], retry: 'ops-center' })
  const messageId: Promise<string> = outbox.publish('order.created', { id: 1 }, { idempotencyKey: 'order-1' })
  void messageId
  outbox.start({ concurrency: 8 })
  const failed: DeliveryRecord[] = await outbox.deliveries({ status: 'failed', endpoint })
  const created: Date = failed[0]!.createdAt
  const report: WorkerReport | null = await outbox.stop(10_000)
  void created, report
  // @ts-expect-error -- not a status
  void outbox.deliveries({ status: 'done' })
  // @ts-expect-error -- opening is a Promise: Outbox.open(url)
  void new Outbox('sqlite:///tmp/webhooks.db')
  // @ts-expect-error -- publish resolves to the message id, not a number
  const wrong: number = await outbox.publish('order.created', {})
  void wrong, NotFound
}
void durableDelivery
