// Throwaway PostgreSQL and Redis servers for the replay store tests: the `hookwire-testkit` binary
// (built by `make test-node`) starts one on loopback, prints its URL, obeys `kill`, `restart`,
// `pause` and `resume` lines, and stops when its standard input closes.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { accessSync, constants } from 'node:fs'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { randomBytes } from 'node:crypto'

import { SeenStore } from '../index.mjs'

export const TESTKIT = process.env.HOOKWIRE_TESTKIT ?? fileURLToPath(new URL('../../../target/debug/hookwire-testkit', import.meta.url))

/** A namespace of its own for a test (a table, or a Redis key prefix). */
export const namespace = () => `t_${randomBytes(8).toString('hex')}`

export class Server {
  static async start(kind) {
    try {
      accessSync(TESTKIT, constants.X_OK)
    } catch {
      throw new Error(`${TESTKIT} is missing: build it with \`cargo build -p hookwire-testkit\` (make test-node does)`)
    }
    const server = new Server(kind)
    server.url = await server.#line()
    return server
  }

  constructor(kind) {
    this.kind = kind
    this.child = spawn(TESTKIT, [kind], { stdio: ['pipe', 'pipe', 'inherit'] })
    this.lines = createInterface({ input: this.child.stdout })[Symbol.asyncIterator]()
  }

  async #line() {
    const { value, done } = await this.lines.next()
    if (done) throw new Error(`hookwire-testkit ${this.kind} stopped`)
    return value.trim()
  }

  /** `kill`, `restart`, `pause` or `resume`, resolved when done. */
  async command(line) {
    this.child.stdin.write(`${line}\n`)
    const answer = await this.#line()
    if (answer !== 'ok') throw new Error(`${this.kind} ${line}: ${answer}`)
  }

  /** A store on this server in a namespace of its own. */
  store(options = {}) {
    return SeenStore[this.kind](this.url, { namespace: namespace(), ...options })
  }

  async stop() {
    this.child.stdin.end()
    if (this.child.exitCode === null) await once(this.child, 'exit')
  }
}
