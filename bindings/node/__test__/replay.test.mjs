// Issue 11 §3 through the Node binding: the replay holes the core closed stay closed here (a
// verified message is committed at once by `verify`).
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'

import { Signer, Verifier, Replayed, TimestampTooOld, WebhookError, SCHEMES } from '../index.mjs'

const OLD = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const NEW = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD'
const T = 1_700_000_000
const BODY = Buffer.from('{"id":"evt_1","type":"order.created"}')

const sign = (secrets, scheme) => new Signer(secrets, { scheme }).sign(BODY, { id: 'msg_1', timestamp: T, eventType: 'order.created' })

describe('§3 replay holes stay closed', () => {
  for (const tolerance of [300, 1, 0]) {
    test(`a replay in the last second of the window is refused (tolerance ${tolerance})`, () => {
      const verifier = new Verifier([OLD, NEW], { tolerance, replayCapacity: 100 })
      const headers = sign(OLD)
      assert.equal(verifier.verify(BODY, headers, { now: T }).commit(), true)
      assert.throws(() => verifier.verify(BODY, headers, { now: T + tolerance }), Replayed)
      assert.throws(() => verifier.verify(BODY, headers, { now: T + tolerance + 1 }), TimestampTooOld)
    })
  }

  for (const scheme of SCHEMES) {
    test(`a rotation does not open a replay through the other signature (${scheme})`, () => {
      const verifier = new Verifier([OLD, NEW], { scheme, replayCapacity: 100 })
      const both = sign([OLD, NEW], scheme)
      assert.equal(verifier.verify(BODY, both, { now: T }).commit(), true)
      assert.throws(() => verifier.verify(BODY, both, { now: T + 1 }), Replayed)
      // The same message with only the second secret's signature left in the header.
      const [oldOnly, newOnly] = [sign(OLD, scheme), sign(NEW, scheme)]
      const [signature] = Object.keys(both).filter((name) => oldOnly[name] !== newOnly[name])
      const trimmed = { ...both, [signature]: newOnly[signature] }
      assert.equal(new Verifier(NEW, { scheme }).verify(BODY, trimmed, { now: T }).secretIndex, 0)
      assert.throws(() => verifier.verify(BODY, trimmed, { now: T + 2 }), Replayed)
    })

    test(`a broken copy never drops the real message (${scheme})`, () => {
      const genuine = sign(OLD, scheme)
      for (const header of Object.keys(genuine)) {
        for (const broken of ['', 'caf\u00e9']) {
          const verifier = new Verifier([OLD, NEW], { scheme, replayCapacity: 100 })
          try {
            verifier.verify(BODY, { ...genuine, [header]: broken }, { now: T })
          } catch (error) {
            assert.ok(error instanceof WebhookError, error)
            // Refused: the genuine delivery must still get through, not be called a replay.
            assert.equal(verifier.verify(BODY, genuine, { now: T }).secretIndex, 0, `${header}=${JSON.stringify(broken)}`)
          }
        }
      }
    })
  }
})
