'use strict'
// Framework helpers: Express middleware, Fastify plugin, Fetch API. Each only moves the raw body
// and headers to `Verifier.verify` and maps failures to HTTP answers.

const { WebhookError, InvalidArgument } = require('./errors.js')
const { responseStatus, checkOptionsObject } = require('../native.js')

const EXPRESS_RAW =
  "pass the raw request body: mount express.raw({ type: '*/*' }) on the webhook route " +
  '(before this middleware) instead of express.json(); a parsed and re-serialized body never verifies'

/** The HTTP status for a verification failure, the core's `Error::response_status`: 401 not
 * authentic, 200 replayed, 409 replay in progress, 413 too large, 503 replay store down, 500
 * misconfigured, 400 malformed. */
function statusOf(error) {
  return responseStatus(error.code)
}

/** The helpers' callbacks (`onError`, `now`) are functions when given. */
function checkFunctions(callbacks) {
  for (const [name, value] of Object.entries(callbacks)) {
    if (value !== undefined && typeof value !== 'function') {
      throw new InvalidArgument(`invalid argument \`${name}\`: must be a function, got ${value === null ? 'null' : typeof value}`, 'invalid_argument')
    }
  }
}

function checkVerifier(verifier) {
  if (!verifier || typeof verifier.verify !== 'function') {
    throw new InvalidArgument('expected a hookwire Verifier', 'invalid_argument')
  }
}

/**
 * Express middleware: verifies `req.body` (a Buffer from `express.raw`) with `req.headers`, sets
 * `req.webhook` (the Message) and calls `next()`. A failure answers `responseStatus(code)` (401
 * not authentic, 409 replay in progress, 413 too large, 503 replay store down, 500 misconfigured,
 * 400 malformed) with `{ error: code, message }`; a replay answers 200 `{ duplicate: true }`
 * without calling `next` (the sender must stop retrying). `onError(err, req, res, next)` replaces
 * that answer.
 */
function expressWebhook(verifier, options) {
  checkVerifier(verifier)
  checkOptionsObject(options, ['onError', 'now'])
  const { onError, now } = options ?? {}
  checkFunctions({ onError, now })
  return function hookwireWebhook(req, res, next) {
    const body = req.body
    if (body === undefined || body === null || (typeof body === 'object' && !(body instanceof Uint8Array))) {
      const what = body == null ? 'req.body is empty (no body parser ran)' : 'req.body is already parsed'
      next(new InvalidArgument(`${what}: ${EXPRESS_RAW}`, 'invalid_argument'))
      return
    }
    let message
    try {
      message = verifier.verify(body, req.headers, now === undefined ? undefined : { now: now() })
    } catch (error) {
      if (!(error instanceof WebhookError)) return next(error)
      if (onError) return onError(error, req, res, next)
      if (error.code === 'replayed') return res.status(200).json({ duplicate: true })
      return res.status(statusOf(error)).json({ error: error.code, message: error.message })
    }
    req.webhook = message
    next()
  }
}

/**
 * Fastify plugin: in the scope it is registered in, bodies are kept raw (a Buffer, whatever the
 * content type) and a `preHandler` hook verifies them, setting `request.webhook`. Register it in
 * the scope of the webhook routes:
 *   app.register(async (scope) => { await scope.register(fastifyWebhook, { verifier }); scope.post(...) })
 */
function fastifyWebhook(fastify, options, done) {
  // prefix, logLevel, logSerializers: Fastify's own register options.
  checkOptionsObject(options, ['verifier', 'onError', 'now', 'prefix', 'logLevel', 'logSerializers'])
  const { verifier, onError, now } = options ?? {}
  checkVerifier(verifier)
  checkFunctions({ onError, now })
  fastify.removeAllContentTypeParsers()
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, parsed) => parsed(null, body))
  if (!fastify.hasRequestDecorator('webhook')) fastify.decorateRequest('webhook', null)
  fastify.addHook('preHandler', async (request, reply) => {
    const body = request.body ?? Buffer.alloc(0)
    try {
      request.webhook = verifier.verify(body, request.headers, now === undefined ? undefined : { now: now() })
    } catch (error) {
      if (!(error instanceof WebhookError)) throw error
      if (onError) return onError(error, request, reply)
      if (error.code === 'replayed') return reply.code(200).send({ duplicate: true })
      return reply.code(statusOf(error)).send({ error: error.code, message: error.message })
    }
  })
  done()
}
// Like fastify-plugin: the parser and hook apply to the scope that registers the plugin.
fastifyWebhook[Symbol.for('skip-override')] = true
fastifyWebhook[Symbol.for('fastify.display-name')] = 'hookwire'

/**
 * Fetch API (Next.js route handlers, Workers-style runtimes, Node's Request): reads the raw body
 * of `request` and verifies it with its `Headers`. Resolves to the Message; rejects with the
 * WebhookError of the failure.
 */
async function verifyRequest(request, verifier, options) {
  checkVerifier(verifier)
  if (!request || typeof request.arrayBuffer !== 'function' || !request.headers) {
    throw new InvalidArgument('expected a fetch Request', 'invalid_argument')
  }
  const body = new Uint8Array(await request.arrayBuffer())
  return verifier.verify(body, request.headers, options)
}

module.exports = { expressWebhook, fastifyWebhook, verifyRequest }
