// index.d.ts: up to date with the generator, typed events equal to the Rust payload types
// (bindings/payload_fields.json) and the catalog, and the shared surface (bindings/surface.json)
// declared in full.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'

import { render } from '../scripts/gen-dts.mjs'
import { eventTypes, payloadTypes } from '../index.mjs'

const read = (path) => readFileSync(new URL(path, import.meta.url), 'utf8')
const DTS = read('../index.d.ts')
const PAYLOAD = JSON.parse(read('../../payload_fields.json'))
const SURFACE = JSON.parse(read('../../surface.json'))

const camel = (name) => name.replace(/_([a-z])/g, (_, c) => c.toUpperCase())

/** The members of `export interface|declare [abstract] class NAME ... { ... }` (top level of the
 * block), followed by those of the class it extends. */
function block(kind, name) {
  const header = new RegExp(`export (?:declare )?(?:abstract )?${kind} ${name}\\b([^{]*)\\{`).exec(DTS)
  assert.ok(header, `index.d.ts declares no ${kind} ${name}`)
  const open = header.index + header[0].length - 1
  let depth = 0
  for (let i = open; i < DTS.length; i++) {
    if (DTS[i] === '{') depth++
    if (DTS[i] === '}' && --depth === 0) {
      const parent = /\bextends (\w+)/.exec(header[1])
      return DTS.slice(open + 1, i) + (parent ? block('(?:class|interface)', parent[1]) : '')
    }
  }
  throw new Error('unbalanced')
}

// The TypeScript spelling of each payload type, written out independently of the generator.
const EXPECTED_TS = {
  Decimal: 'Decimal', Id: 'Id', Json: 'JsonValue', String: 'string', TemperatureUnit: "'F' | 'C'",
  Timestamp: 'TimestampValue', bool: 'boolean', i64: 'number',
}
const expectedTs = (rust) => {
  const vec = /^Vec<(.+)>$/.exec(rust)
  if (vec) return `${expectedTs(vec[1])}[]`
  return EXPECTED_TS[rust] ?? rust
}

describe('index.d.ts', () => {
  test('is what scripts/gen-dts.mjs writes (run npm run build after changing Rust types)', () => {
    assert.equal(DTS, render())
  })

  test("declares each core name list once, as its alias from bindings/names.json, never inline", () => {
    const names = JSON.parse(read('../../names.json')).names
    for (const [alias, list] of Object.entries(names)) {
      const union = list.map((n) => `'${n}'`).join(' | ')
      assert.ok(DTS.includes(`export type ${alias} = ${union}\n`), `index.d.ts: export type ${alias} = ${union}`)
      // Spelled anywhere else, the list would be a copy the generator does not keep up to date.
      assert.equal(DTS.split(union).length - 1, 1, `${alias}'s names are written out more than once`)
    }
  })

  test('the addon reports the same payload table as bindings/payload_fields.json', () => {
    const fromCore = payloadTypes()
    assert.deepEqual(Object.keys(fromCore).sort(), Object.keys(PAYLOAD.types).sort())
    for (const [name, fields] of Object.entries(PAYLOAD.types)) assert.deepEqual(fromCore[name], fields, name)
  })

  for (const [name, fields] of Object.entries(PAYLOAD.types)) {
    test(`payload interface ${name} has exactly the Rust fields and types`, () => {
      const body = block('interface', name)
      const declared = [...body.matchAll(/^\s*readonly (\w+)\?: (.+)$/gm)].map(([, key, ts]) => [key, ts.trim()])
      assert.deepEqual(declared, fields.map((f) => [f.key, expectedTs(f.type)]))
    })
  }

  test('each typed family maps to its payload and its catalog types', () => {
    const catalog = eventTypes()
    for (const [family, typeName] of Object.entries(PAYLOAD.families)) {
      const Name = family[0].toUpperCase() + family.slice(1)
      const body = block('interface', `${Name}Event`)
      assert.match(body, new RegExp(`readonly data: ${typeName}\\b`))
      assert.match(body, new RegExp(`readonly family: '${family}'`))
      const union = new RegExp(`export type ${Name}EventType = (.+)`).exec(DTS)[1]
      const listed = [...union.matchAll(/'([^']+)'/g)].map((m) => m[1])
      assert.deepEqual(listed, catalog.filter((t) => t.family === family).map((t) => t.type))
    }
    assert.match(DTS, /export type WebhookEvent =[\s\S]*\| OrderEvent[\s\S]*\| OtherEvent/)
  })

  test('declares every class, member, function and constant of bindings/surface.json (camelCase)', () => {
    for (const constant of SURFACE.constants) {
      assert.match(DTS, new RegExp(`export declare const ${constant}\\b`), constant)
    }
    for (const fn of Object.keys(SURFACE.functions)) {
      assert.match(DTS, new RegExp(`export declare function ${camel(fn)}\\(`), fn)
    }
    for (const [cls, members] of Object.entries(SURFACE.classes)) {
      const body = block('class', cls)
      for (const member of Object.keys(members)) {
        if (member === 'new') {
          if (!['Message', 'Event', 'Outcome', 'RetryPolicy', 'SeenStore'].includes(cls)) assert.match(body, /constructor\(/, `${cls} constructor`)
          continue
        }
        // A span carries its unit on the name in Node: `timeout` → `timeoutMs` (surface.json's rule).
        const name = camel(member)
        assert.match(body, new RegExp(`^\\s*(static |get |readonly )?${name}(Ms)?[(:]`, 'm'), `${cls}.${name}`)
      }
    }
  })
})
