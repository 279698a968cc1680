// What `verify` adds to the core at 1 KB, in a process of its own: `verify(body, headers,
// { now })` against the Rust `verify_at` given the same `now` (the addon's private loop over the
// same body and values), rounds interleaved, medians. `verify.mjs` reads the same ratio after
// timing eleven other verifiers in its process; here the call site in `lib/message.js` sees one
// verifier's function, or VERIFIERS of them (each verifier has its own, and a call site that has
// seen many calls each through V8's generic path).
//   node bench/crossing.mjs            (ROUNDS=25 N=20000 VERIFIERS=1 by default)
import { Signer, Verifier } from '../index.js'
import message from '../lib/message.js'

const ROUNDS = Number(process.env.ROUNDS ?? 25)
const N = Number(process.env.N ?? 20000)
const VERIFIERS = Number(process.env.VERIFIERS ?? 1)
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'

const head = '{"type":"order.created","data":{"note":"'
const body = Buffer.from(head + 'x'.repeat(1024 - head.length - 3) + '"}}')
const headers = { ...new Signer(SECRET).sign(body), 'content-type': 'application/json', 'user-agent': 'bench', host: 'example.com' }
const now = Math.floor(Date.now() / 1000)
const options = { now }
// Other verifiers first, each verifying at the same call site.
for (let k = 1; k < VERIFIERS; k++) {
  const other = new Verifier(SECRET)
  for (let i = 0; i < 5000; i++) other.verify(body, headers, options)
}
const verifier = new Verifier(SECRET)
const values = message.pick(headers, message.reader(verifier.headerNames))
if (verifier.verify(body, headers, options).id !== headers['x-webhook-id']) throw new Error('not verified')

const median = (list) => [...list].sort((a, b) => a - b)[list.length >> 1]
const given = []
const rust = []
for (let i = 0; i < 2000; i++) verifier.verify(body, headers, options) // warm-up
for (let r = 0; r < ROUNDS; r++) {
  const start = process.hrtime.bigint()
  for (let i = 0; i < N; i++) verifier.verify(body, headers, options)
  given.push(Number(process.hrtime.bigint() - start) / N)
  rust.push(verifier.benchVerifyAt(body, values, now, N))
}
const [g, r] = [median(given), median(rust)]
console.log(`verify ÷ Rust verify_at, 1 KB, ${VERIFIERS} verifier(s) in the process: ${(g / 1000).toFixed(2)} µs ÷ ${(r / 1000).toFixed(2)} µs = ${(g / r).toFixed(3)}× (goal ≤ 1.4×)`)
