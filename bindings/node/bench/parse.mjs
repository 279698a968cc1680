// Typed parse speed (issue 18's Node row): `parseEvent(body).data` with a field read, against
// `JSON.parse` of the same bytes, in one run, beside the figures when the issue was filed.
//   node bench/parse.mjs            (ROUNDS=15 N=20000 by default; env ROUNDS / N to change)
import { readFileSync } from 'node:fs'
import { z } from 'zod'

import { Signer, Verifier, parseEvent, sampleEvent } from '../index.js'
import native from '../native.js'

const ROUNDS = Number(process.env.ROUNDS ?? 15)
const N = Number(process.env.N ?? 20000)

function time(fn) {
  for (let i = 0; i < Math.min(N, 2000); i++) fn() // warm-up
  const perRound = []
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.hrtime.bigint()
    for (let i = 0; i < N; i++) fn()
    perRound.push(Number(process.hrtime.bigint() - start) / N)
  }
  perRound.sort((a, b) => a - b)
  return perRound[perRound.length >> 1]
}

// The catalog's order event, as a receiver gets it: bytes.
const body = Buffer.from(sampleEvent('order.created').toJson())
const reference = JSON.parse(body.toString('utf8')).data.total_amount
if (parseEvent(body).data.total_amount !== reference) throw new Error('parseEvent and JSON.parse disagree')
let sink = 0
const typed = time(() => { sink += parseEvent(body).data.total_amount })
const parseOnly = time(() => { sink += parseEvent(body).type.length })
const json = time(() => { sink += JSON.parse(body.toString('utf8')).data.total_amount })
// The receive path: a verified message's event (the body in the scheme's dialect), its data.
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const message = new Verifier(SECRET).verify(body, new Signer(SECRET).sign(body))
if (message.event.data.total_amount !== reference) throw new Error('message.event and JSON.parse disagree')
const fromMessage = time(() => { sink += message.event.data.total_amount })
// `.data` read again on the same event: built once and kept (no napi call, no parse).
const kept = parseEvent(body)
const again = time(() => { sink += kept.data.total_amount })
const parseAgain = time(() => { sink += JSON.parse(body.toString('utf8')).data.total_amount })

// What a Node receiver writes instead of a typed parse: JSON.parse, then a zod schema with the
// fields of hookwire's Order and OrderItem (every field optional, ids a number or a string,
// money a number as JSON.parse gives it, timestamps as sent, other fields kept), as Python's
// bench races pydantic models with them. zod checks less than the core does (no id range, no
// exact decimal, no timestamp grammar): a reference for speed, not a twin.
const Id = z.union([z.number(), z.string()])
const Stamp = z.union([z.string(), z.number()])
const OrderItem = z.looseObject({
  id: Id.optional(),
  menu_item_id: Id.optional(),
  quantity: z.number().int().optional(),
  price: z.number().optional(),
  modifiers: z.array(z.unknown()).optional(),
})
const Order = z.looseObject({
  id: Id.optional(),
  order_id: Id.optional(),
  order_number: z.string().optional(),
  restaurant_id: Id.optional(),
  customer_id: Id.optional(),
  chef_id: Id.optional(),
  status: z.string().optional(),
  previous_status: z.string().optional(),
  updated_fields: z.array(z.string()).optional(),
  total_amount: z.number().optional(),
  items: z.array(OrderItem).optional(),
  preparation_time: z.number().int().optional(),
  total_time_minutes: z.number().int().optional(),
  created_at: Stamp.optional(),
  updated_at: Stamp.optional(),
  completed_at: Stamp.optional(),
})
const Envelope = z.looseObject({ id: z.string().optional(), type: z.string(), timestamp: Stamp.optional(), data: Order })
// The race is fair only with the same fields: the typings list hookwire's (index.d.ts).
const typings = readFileSync(new URL('../index.d.ts', import.meta.url), 'utf8')
for (const [name, schema] of [['Order', Order], ['OrderItem', OrderItem]]) {
  const block = typings.match(new RegExp(`export interface ${name} \\{([^}]*)\\}`))[1]
  const ours = [...block.matchAll(/readonly (\w+)\?:/g)].map((m) => m[1]).sort()
  const theirs = Object.keys(schema.shape).sort()
  if (ours.join() !== theirs.join()) throw new Error(`the zod ${name} differs from hookwire's: ${ours} vs ${theirs}`)
}
if (Envelope.parse(JSON.parse(body.toString('utf8'))).data.total_amount !== reference) throw new Error('zod disagrees')
const zod = time(() => { sink += Envelope.parse(JSON.parse(body.toString('utf8'))).data.total_amount })

// The data's exact JSON text, asked for after the data came on the tape (a second parse).
const withText = time(() => { sink += parseEvent(body).dataJson().length })
// The same order with text that is not ASCII: on the tape too, the addon's answer then UTF-8
// (which V8 decodes) and the body copied by the package.
const wide = Buffer.from(body.toString('utf8').replace('"ORD-2025-001"', '"ORD-2025-001 (Zoë)"'))
if (parseEvent(wide).data.order_number !== 'ORD-2025-001 (Zoë)') throw new Error('the wide body did not parse')
const wideTyped = time(() => { sink += parseEvent(wide).data.total_amount })
const wideJson = time(() => { sink += JSON.parse(wide.toString('utf8')).data.total_amount })

// The floor: the core's typed parse alone (a Rust loop in this process: no crossing, nothing
// made for JS), what `.data` cannot do without while the data's decimals and ids are checked
// by the core's types.
const coreRounds = []
for (let r = 0; r < ROUNDS; r++) coreRounds.push(native.benchParseEvent(body, N))
coreRounds.sort((a, b) => a - b)
const core = coreRounds[coreRounds.length >> 1]
if (Number.isNaN(sink)) throw new Error('unreachable')

const us = (ns) => (ns / 1000).toFixed(2)
console.log(`typed parse of the order event (${body.length} B), µs per call (median of ${ROUNDS} rounds × ${N}); node ${process.version}`)
console.log('')
console.log('| row | at filing | now | reference now | × at filing | × now | goal | |')
console.log('|---|---|---|---|---|---|---|---|')
const ratio = typed / json
console.log(`| parseEvent(order).data vs JSON.parse | 7.2 vs 1.45 | ${us(typed)} | ${us(json)} | 5.0× | ${ratio.toFixed(2)}× | ≤ 1.5× | ${ratio <= 1.5 ? 'met' : '**not met**'} |`)
console.log(`| parseEvent(order) without .data | | ${us(parseOnly)} | ${us(json)} | | ${(parseOnly / json).toFixed(2)}× | | |`)
console.log(`| message.event.data of a verified message vs JSON.parse | | ${us(fromMessage)} | ${us(json)} | | ${(fromMessage / json).toFixed(2)}× | | |`)
console.log(`| parseEvent(order).data vs JSON.parse + a zod schema of the same fields | | ${us(typed)} | ${us(zod)} | | ${(typed / zod).toFixed(2)}× | | |`)
console.log(`| the floor vs JSON.parse: the core's typed parse alone (a Rust loop) | | ${us(core)} | ${us(json)} | | ${(core / json).toFixed(2)}× | | the least .data costs |`)
console.log(`| parseEvent(order).dataJson(), the exact text asked for (a second parse) vs parseEvent(order).data | | ${us(withText)} | ${us(typed)} | | ${(withText / typed).toFixed(2)}× | | |`)
console.log(`| parseEvent(order).data with text that is not ASCII (${wide.length} B; a UTF-8 answer) vs JSON.parse | | ${us(wideTyped)} | ${us(wideJson)} | | ${(wideTyped / wideJson).toFixed(2)}× | | |`)
console.log(`| .data read again (same event) vs JSON.parse | | ${us(again)} | ${us(parseAgain)} | | ${(again / parseAgain).toFixed(3)}× | | |`)
