// What the outbox suites share: a throwaway PostgreSQL server (the `hookwire-testkit` binary, built
// by `make test-node`: it prints the server's URL, answers `database NAME` with the URL of a fresh
// database, and stops when its standard input closes), a fresh database of either engine per test,
// and a real HTTP receiver on 127.0.0.1 that verifies every request's signature.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync, accessSync, constants } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'

import { Verifier, WebhookError } from '../index.mjs'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
export const TESTKIT = process.env.HOOKWIRE_TESTKIT || join(ROOT, 'target', 'debug', 'hookwire-testkit')
export const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
export const ENGINES = ['sqlite', 'postgres']

/** A throwaway PostgreSQL server, started on first use and stopped by `stop()`. */
export class Postgres {
  static async start() {
    try {
      accessSync(TESTKIT, constants.X_OK)
    } catch {
      throw new Error(`${TESTKIT} is missing: \`cargo build -p hookwire-testkit\` (make test-node does)`)
    }
    const server = new Postgres()
    server.process = spawn(TESTKIT, ['postgres'], { stdio: ['pipe', 'pipe', 'inherit'] })
    server.lines = createInterface({ input: server.process.stdout })[Symbol.asyncIterator]()
    server.url = await server.line()
    if (!server.url.startsWith('postgres://')) throw new Error(`hookwire-testkit postgres did not start: ${server.url}`)
    return server
  }

  async line() {
    const { value, done } = await this.lines.next()
    if (done) throw new Error('hookwire-testkit exited')
    return value.trim()
  }

  /** The URL of a new, empty database. */
  async database() {
    this.process.stdin.write(`database t_${randomBytes(8).toString('hex')}\n`)
    const url = await this.line()
    if (!url.startsWith('postgres://')) throw new Error(url)
    return url
  }

  async stop() {
    this.process.stdin.end()
    if (this.process.exitCode === null) await once(this.process, 'exit')
  }
}

/** Fresh outbox databases of each engine; `close()` removes the files and stops the server. */
export class Databases {
  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'hookwire-outbox-'))
    this.count = 0
    this.postgres = null
  }

  async url(engine) {
    if (engine === 'sqlite') return `sqlite://${join(this.dir, `outbox-${++this.count}.db`)}`
    this.postgres ??= Postgres.start()
    return (await this.postgres).database()
  }

  async close() {
    if (this.postgres) await (await this.postgres).stop()
    rmSync(this.dir, { recursive: true, force: true })
  }
}

/**
 * An HTTP/1.1 receiver on 127.0.0.1: verifies every request (a forged one is answered 401 and
 * recorded with its error code), then answers with `answer(seen)` → `[status, headers]`, which may
 * be a Promise (a slow receiver).
 */
export class Receiver {
  static async start(verifier = new Verifier(SECRET, { scheme: 'standard-webhooks' })) {
    const receiver = new Receiver()
    receiver.verifier = verifier
    receiver.answer = () => [200, {}]
    receiver.seen = []
    receiver.server = createServer(async (request, response) => {
      const chunks = []
      for await (const chunk of request) chunks.push(chunk)
      const body = Buffer.concat(chunks)
      const seen = { path: request.url, headers: request.headers, body, id: null, error: null, status: null }
      try {
        seen.id = receiver.verifier.verify(body, request.headers).id
      } catch (error) {
        if (!(error instanceof WebhookError)) throw error
        seen.error = error.code
      }
      const [status, headers] = seen.error ? [401, {}] : await receiver.answer(seen)
      seen.status = status
      receiver.seen.push(seen)
      response.writeHead(status, { ...headers, 'content-length': '0' })
      response.end()
    })
    receiver.server.listen(0, '127.0.0.1')
    await once(receiver.server, 'listening')
    return receiver
  }

  url(path = '/hooks') {
    return `http://127.0.0.1:${this.server.address().port}${path}`
  }

  /** The verified webhook ids, in arrival order (repeats included). */
  ids() {
    return this.seen.filter((s) => s.id).map((s) => s.id)
  }

  /** The verified webhook ids answered with a 2xx, in arrival order (repeats included). */
  accepted() {
    return this.seen.filter((s) => s.id && s.status >= 200 && s.status < 300).map((s) => s.id)
  }

  /** Resolves once `count` requests arrived; rejects after `timeoutMs`. */
  async waitFor(count, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs
    while (this.seen.length < count) {
      if (Date.now() > deadline) throw new Error(`${this.seen.length} of ${count} requests arrived`)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  }

  async stop() {
    this.server.closeAllConnections()
    this.server.close()
    await once(this.server, 'close')
  }
}
