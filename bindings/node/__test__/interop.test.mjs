// Interop with the providers' own libraries: what they sign, hookwire verifies, and back.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'

import { sign as octokitSign, verify as octokitVerify } from '@octokit/webhooks-methods'
import { Webhook } from 'standardwebhooks'
import Stripe from 'stripe'

import { Signer, Verifier, InvalidSignature } from '../index.mjs'

const BODY = '{"action":"opened","issue":{"number":1347,"title":"Found a bug"},"note":"héllo"}'
const now = () => Math.floor(Date.now() / 1000)

describe('GitHub (@octokit/webhooks-methods)', () => {
  const secret = "It's a Secret to Everybody"
  test('octokit sign -> hookwire verify (github scheme)', async () => {
    const signature = await octokitSign(secret, BODY)
    const headers = { 'x-hub-signature-256': signature, 'x-github-delivery': 'd-1', 'x-github-event': 'issues' }
    const message = new Verifier(secret, { scheme: 'github' }).verify(Buffer.from(BODY), headers)
    assert.equal(message.id, 'd-1')
    assert.equal(message.eventType, 'issues')
    assert.throws(() => new Verifier('other', { scheme: 'github' }).verify(Buffer.from(BODY), headers), InvalidSignature)
  })
  test('hookwire sign -> octokit verify', async () => {
    const headers = new Signer(secret, { scheme: 'github' }).sign(BODY, { id: 'd-2', eventType: 'issues' })
    assert.equal(await octokitVerify(secret, BODY, headers['x-hub-signature-256']), true)
    assert.equal(await octokitVerify(secret, BODY + ' ', headers['x-hub-signature-256']), false)
  })
})

describe('Standard Webhooks (npm standardwebhooks)', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
  test('standardwebhooks sign -> hookwire verify', () => {
    const ts = now()
    const signature = new Webhook(secret).sign('msg_p5jXN8AQM9LWM0D4loKWxJek', new Date(ts * 1000), BODY)
    const headers = { 'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek', 'webhook-timestamp': String(ts), 'webhook-signature': signature }
    const message = new Verifier(secret, { scheme: 'standard-webhooks' }).verify(Buffer.from(BODY), headers)
    assert.equal(message.id, 'msg_p5jXN8AQM9LWM0D4loKWxJek')
    assert.equal(message.timestamp, ts)
    assert.throws(() => new Verifier(secret, { scheme: 'standard-webhooks' }).verify(Buffer.from(BODY + ' '), headers), InvalidSignature)
  })
  test('hookwire sign -> standardwebhooks verify', () => {
    const headers = new Signer(secret, { scheme: 'standard-webhooks' }).sign(BODY, { id: 'msg_1' })
    assert.deepEqual(new Webhook(secret).verify(BODY, headers), JSON.parse(BODY))
    assert.throws(() => new Webhook(secret).verify(BODY.replace('1347', '1348'), headers), /No matching signature/)
  })
})

describe('Stripe (npm stripe)', () => {
  const stripe = new Stripe('sk_test_interop')
  // Stripe's secrets: whsec_ + 32 characters (hookwire reads them as text for this scheme).
  const secret = 'whsec_7Hn3kQpZ2mN8vR4tY6wX1aB5cD9eF0gJ'
  test('stripe generateTestHeaderString -> hookwire verify (stripe scheme)', () => {
    const ts = now()
    const header = stripe.webhooks.generateTestHeaderString({ payload: BODY, secret, timestamp: ts })
    const message = new Verifier(secret, { scheme: 'stripe' }).verify(Buffer.from(BODY), { 'stripe-signature': header })
    assert.equal(message.timestamp, ts)
    assert.equal(message.timestampSigned, true)
    assert.throws(() => new Verifier('whsec_Rk2pL8vQ3nT6wY1zA4dF7hJ0mC5xB9eG', { scheme: 'stripe' }).verify(Buffer.from(BODY), { 'Stripe-Signature': header }), InvalidSignature)
  })
  test('hookwire sign -> stripe constructEvent', () => {
    const headers = new Signer(secret, { scheme: 'stripe' }).sign(BODY)
    const event = stripe.webhooks.constructEvent(BODY, headers['stripe-signature'], secret)
    assert.equal(event.issue.number, 1347)
  })
})
