// Every JavaScript and TypeScript block of the READMEs, exactly as a reader sees it:
// `tests/readme/snippets.py` writes them to __test__/readme/, `tsc --strict` compiles the
// TypeScript ones, each program runs with node, and companions drive the receivers (Express and
// Fastify started on a port, the fetch handler called with real Requests, the plain function)
// with real signed requests, checking every answer and how each settles its replay claims, on the
// store it names (SQLite files, a real Redis and PostgreSQL from hookwire-testkit); the claim
// program prints what its comments say; both senders deliver to the Express app.
import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

import { Outbox, Secret, Signer } from '../index.mjs'
import { Server } from './servers.mjs'

const here = (path) => fileURLToPath(new URL(path, import.meta.url))
const OUT = here('./readme/')
const SECRET = Secret.generate().exposeText()
process.env.WEBHOOK_SECRET = SECRET
// The programs companions drive; every other program only has to run.
const COMPANIONS = new Set(['express_app', 'fastify_app', 'fetch_route', 'node_receive', 'send_esm', 'send_cjs', 'send_endpoint', 'claims', 'node_outbox', 'express_outbox'])

const ORDER = '{"id":"evt_1","type":"order.created","data":{"id":1001,"total_amount":45.99}}'
const AURA = '{"id":"evt_2","type":"order.created","created":"2025-08-08T10:00:00Z","data":{"object":{"id":1}}}'
const BIG = `{"type":"x","data":"${'a'.repeat(1 << 20)}"}`

/** name → the file node runs (TypeScript: the compiled one). */
const programs = new Map()
/** The Redis and PostgreSQL the recipes name (REDIS_URL, DATABASE_URL). */
const servers = []

before(async () => {
  for (const [kind, variable] of [['redis', 'REDIS_URL'], ['postgres', 'DATABASE_URL']]) {
    const server = await Server.start(kind)
    servers.push(server)
    process.env[variable] = server.url
  }
  rmSync(OUT, { recursive: true, force: true })
  for (const lang of ['js', 'ts']) {
    execFileSync('python3', [here('../../../tests/readme/snippets.py'), 'extract', lang, OUT])
    for (const { name, file } of JSON.parse(readFileSync(`${OUT}manifest.json`, 'utf8'))) {
      programs.set(name, lang === 'ts' ? `${OUT}dist/${file.replace(/\.mts$/, '.mjs').replace(/\.cts$/, '.cjs')}` : OUT + file)
    }
  }
  // Strict TypeScript, as a reader's project would compile it.
  execFileSync(here('../node_modules/.bin/tsc'), ['-p', here('./readme.tsconfig.json')], { stdio: 'inherit' })
  // The programs' working directory: where their `replay.db` goes (those loaded here too).
  process.chdir(OUT)
})

after(async () => {
  for (const server of servers) await server.stop()
})

/** Runs a program to its end; resolves to { code, stdout, stderr }. */
function run(file, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], { cwd: OUT, env: { ...process.env, ...env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => { stdout += d })
    child.stderr.on('data', (d) => { stderr += d })
    const timer = setTimeout(() => child.kill(), 30_000)
    child.on('exit', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }) })
  })
}

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/** Starts a receiver program on a free port; resolves to { url, stop } once it accepts requests. */
async function serve(name) {
  const port = await freePort()
  const child = spawn(process.execPath, [programs.get(name)], { cwd: OUT, env: { ...process.env, PORT: String(port) } })
  let output = ''
  child.stdout.on('data', (d) => { output += d })
  child.stderr.on('data', (d) => { output += d })
  const url = `http://127.0.0.1:${port}/webhooks`
  for (let i = 0; i < 200; i++) {
    try {
      await fetch(url, { method: 'OPTIONS' })
      return { url, stop: () => child.kill() }
    } catch {
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  child.kill()
  throw new Error(`${name} did not listen on ${port}:\n${output}`)
}

/** A case sent right after an answer whose claim the helper settles (commits after a 2xx, releases
 * after anything else). Express's middleware and Fastify's plugin settle once that answer is sent
 * ('finish', onResponse): a client can read the answer and send again before the server has run
 * that event, and is then answered 409 (being handled: the sender retries later). For those two
 * (`check`'s `settlesAfterAnswer`), such a case is sent again on 409 for up to two seconds; a
 * claim left held (neither committed nor released: 60 s) still fails it. `fetchWebhook` and the
 * code without a framework settle before answering: a 409 fails them at once. */
const AFTER_SETTLING = Symbol('after settling')

/** [what, body, headers, status, what the answer says, AFTER_SETTLING?]: one of each way a request
 * can end. */
function cases(valid, replayed) {
  const now = Math.floor(Date.now() / 1000)
  const run = Math.random().toString(36).slice(2, 10)
  const signer = new Signer(SECRET)
  const sign = (body, id, timestamp = now) => signer.sign(body, { id: `${id}_${run}`, timestamp })
  return [
    ['valid', ORDER, sign(ORDER, 'a'), valid, ''],
    ['the same request again', ORDER, sign(ORDER, 'a'), 200, replayed, AFTER_SETTLING],
    ['forged: another body under the signature', ORDER.replace('1001', '1002'), sign(ORDER, 'b'), 401, 'invalid_signature'],
    ['stale: signed ten minutes ago', ORDER, sign(ORDER, 'c', now - 600), 401, 'timestamp_too_old'],
    // The framework's own body limit may answer first (Express, Fastify): 413 either way.
    ['oversized', BIG, sign(BIG, 'd'), 413, ''],
    ['unsigned', ORDER, {}, 400, 'missing_header'],
    ["another system's envelope", AURA, sign(AURA, 'e'), 400, 'invalid_payload'],
    // Answered 400, so its claim was released: the same again is verified again (not 200, and
    // not 409 for longer than the release takes).
    ["another system's envelope, again", AURA, sign(AURA, 'e'), 400, 'invalid_payload', AFTER_SETTLING],
  ]
}

/** Sends every case through `answer(body, headers) -> { status, text }`. */
async function check(answer, valid, replayed, settlesAfterAnswer = false) {
  for (const [what, body, headers, status, says, after] of cases(valid, replayed)) {
    let got = await answer(body, headers)
    const mayWait = settlesAfterAnswer && after === AFTER_SETTLING
    for (let waited = 0; mayWait && got.status === 409 && waited < 2000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      got = await answer(body, headers)
    }
    assert.equal(got.status, status, `${what}: ${got.text}`)
    if (got.text !== null) assert.ok(got.text.includes(says), `${what}: ${got.text}`)
  }
}

const overHttp = (url) => async (body, headers) => {
  const response = await fetch(url, { method: 'POST', body, headers: { ...headers, 'content-type': 'application/json' } })
  return { status: response.status, text: await response.text() }
}

describe('README snippets', () => {
  test('the companions find their programs', () => {
    for (const name of COMPANIONS) assert.ok(programs.has(name), `a README lost the block named ${name}`)
  })

  test('every other program runs', async () => {
    let ran = 0
    for (const [name, file] of programs) {
      if (COMPANIONS.has(name)) continue
      const { code, stdout, stderr } = await run(file)
      assert.equal(code, 0, `${name}:\n${stdout}\n${stderr}`)
      ran++
    }
    assert.ok(ran >= 1)
  })

  test('the claim program prints what its comments say (on Redis)', async () => {
    const { code, stdout, stderr } = await run(programs.get('claims'))
    assert.equal(code, 0, stderr)
    assert.deepEqual(stdout.trim().split('\n'), ['replay_in_progress 409', 'true', 'true', 'replayed 200'])
  })

  test('the typed-events program narrows and prints the order total', async () => {
    const typed = [...programs].find(([, file]) => readFileSync(file, 'utf8').includes('function describe'))
    assert.ok(typed, 'the typed-events block')
    assert.equal((await run(typed[1])).stdout.trim(), 'order total 45.99')
  })

  test('Express (on SQLite): every code answered with its status; both senders deliver to it', async () => {
    const app = await serve('express_app')
    try {
      await check(overHttp(app.url), 204, 'duplicate', true)
      for (const sender of ['send_esm', 'send_cjs', 'send_endpoint']) {
        const sent = await run(programs.get(sender), { WEBHOOK_URL: app.url })
        assert.deepEqual([sent.code, sent.stdout.trim()], [0, '204'], `${sender}: ${sent.stderr}`)
        const forged = await run(programs.get(sender), { WEBHOOK_URL: app.url, WEBHOOK_SECRET: Secret.generate().exposeText() })
        assert.equal(forged.stdout.trim(), '401', `${sender} with another secret`)
      }
    } finally {
      app.stop()
    }
    const nobody = await run(programs.get('send_cjs'), { WEBHOOK_URL: app.url })
    assert.equal(nobody.code, 1, 'nothing listens: a failure, reported')
    assert.match(nobody.stderr, /not sent: ECONNREFUSED/)
  })

  test('Fastify (on Redis): every code answered with its status', async () => {
    const app = await serve('fastify_app')
    try {
      await check(overHttp(app.url), 204, 'duplicate', true)
    } finally {
      app.stop()
    }
  })

  test('fetch route handler (on PostgreSQL): every code answered with its status', async () => {
    const { POST } = await import(pathToFileURL(programs.get('fetch_route')).href)
    await check(async (body, headers) => {
      const response = await POST(new Request('https://example.com/webhooks', { method: 'POST', body, headers }))
      return { status: response.status, text: await response.text() }
    }, 204, 'duplicate')
  })

  test('without a framework (on SQLite): every code answered with its status', async () => {
    const { receive } = createRequire(import.meta.url)(programs.get('node_receive'))
    await check((body, headers) => ({ status: receive(Buffer.from(body), headers), text: null }), 204, '')
  })

  test('the outbox quickstart and its Express app deliver to the Express receiver', async () => {
    const db = `sqlite://${join(mkdtempSync(join(tmpdir(), 'readme-outbox-')), 'webhooks.db')}`
    const receiver = await serve('express_app')
    process.env.WEBHOOKS_DB = db
    try {
      const done = await run(programs.get('node_outbox'), { WEBHOOK_URL: receiver.url })
      assert.deepEqual([done.code, done.stdout.trim()], [0, 'succeeded 1 true'], done.stderr)
      // The server: its worker delivers what a request published, to the endpoint the quickstart added.
      const app = await serve('express_outbox')
      try {
        const answer = await fetch(app.url.replace('/webhooks', '/orders'), {
          method: 'POST', body: JSON.stringify({ id: 7, total_amount: 12.5 }), headers: { 'content-type': 'application/json' },
        })
        assert.equal(answer.status, 201)
        const { webhook } = await answer.json()
        const outbox = await Outbox.open(db)
        for (const deadline = Date.now() + 30_000; ; await new Promise((r) => setTimeout(r, 20))) {
          const [delivery] = await outbox.deliveries({ message: webhook })
          if (delivery?.status === 'succeeded') break
          assert.ok(Date.now() < deadline, `not delivered: ${JSON.stringify(delivery)}`)
        }
      } finally {
        app.stop()
      }
    } finally {
      delete process.env.WEBHOOKS_DB
      receiver.stop()
    }
  })
})
