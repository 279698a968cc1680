'use strict'
// Framework helpers: Express middleware, Fastify plugin, Fetch API. Each only moves the raw body
// and headers to `Verifier.verifyAsync` (a network replay store never blocks the event loop), maps
// failures to HTTP answers, and settles the replay claim by the handler's answer: committed after
// a 2xx, released after anything else, an error or an aborted request (the sender's retry then
// reaches the handler again).

const { WebhookError, InvalidArgument } = require('./errors.js')
const { responseStatus, checkOptionsObject } = require('../native.js')

const EXPRESS_RAW =
  "pass the raw request body: mount express.raw({ type: '*/*' }) on the webhook route " +
  '(before this middleware) instead of express.json(); a parsed and re-serialized body never verifies'

/** The HTTP status for a verification failure, the core's `Error::response_status`: 401 not
 * authentic, 409 being handled (the sender retries), 413 too large, 503 replay store down (the
 * sender retries), 500 misconfigured, 400 malformed; 200 for a message already handled. */
function statusOf(error) {
  return responseStatus(error.code)
}

/** The JSON body of a failure's answer: `{ duplicate: true }` for a replay (the sender stops). */
function bodyOf(error) {
  return error.code === 'replayed' ? { duplicate: true } : { error: error.code, message: error.message }
}

const succeeded = (status) => status >= 200 && status < 300

/** Commits the claim of `message` after a 2xx answer, releases it after any other. A failed
 * commit leaves the answer as it was (the event was handled): the claim lapses after the claim
 * time, and a warning says so; a failed release lapses by itself. */
async function settle(message, status) {
  if (!message || !message.claimed) return
  try {
    if (succeeded(status)) await message.commit()
    else await message.release()
  } catch (error) {
    if (succeeded(status)) {
      process.emitWarning(
        `hookwire: message ${message.id} was handled but its commit failed (${error.code}: ${error.message}); ` +
          'the claim lapses after the claim time, and a later delivery of it will be handled again',
        { code: 'HOOKWIRE_COMMIT_FAILED' },
      )
    }
  }
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
 * `req.webhook` (an AsyncMessage) and calls `next()`. A failure answers the core's status for its
 * code with `{ error: code, message }`; a replay answers 200 `{ duplicate: true }` without calling
 * `next` (the sender must stop retrying). `onError(err, req, res, next)` replaces that answer.
 * With a replay store, the claim is committed once a 2xx answer is sent and released after any
 * other answer, or when the connection closes first.
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
    verifier.verifyAsync(body, req.headers, now === undefined ? undefined : { now: now() }).then(
      (message) => {
        req.webhook = message
        if (message.claimed) {
          let settled = false
          const once = (status) => {
            if (!settled) settle(message, status)
            settled = true
          }
          res.once('finish', () => once(res.statusCode))
          res.once('close', () => once(0)) // closed before the answer was sent
        }
        next()
      },
      (error) => {
        if (!(error instanceof WebhookError)) return next(error)
        if (onError) return onError(error, req, res, next)
        res.status(statusOf(error)).json(bodyOf(error))
      },
    )
  }
}

/**
 * Fastify plugin: in the scope it is registered in, bodies are kept raw (a Buffer, whatever the
 * content type) and a `preHandler` hook verifies them, setting `request.webhook` (an
 * AsyncMessage). Its claim is committed when the answer sent is 2xx, released after any other
 * (a handler that throws answers 500) or when the request is aborted. Register it in the scope
 * of the webhook routes:
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
  const settled = new WeakSet()
  const once = (request, status) => {
    const message = request.webhook
    if (!message || settled.has(message)) return
    settled.add(message)
    return settle(message, status)
  }
  fastify.addHook('preHandler', async (request, reply) => {
    const body = request.body ?? Buffer.alloc(0)
    try {
      request.webhook = await verifier.verifyAsync(body, request.headers, now === undefined ? undefined : { now: now() })
    } catch (error) {
      if (!(error instanceof WebhookError)) throw error
      if (onError) return onError(error, request, reply)
      return reply.code(statusOf(error)).send(bodyOf(error))
    }
  })
  fastify.addHook('onResponse', async (request, reply) => once(request, reply.statusCode))
  fastify.addHook('onRequestAbort', async (request) => once(request, 0))
  done()
}
// Like fastify-plugin: the parser and hook apply to the scope that registers the plugin.
fastifyWebhook[Symbol.for('skip-override')] = true
fastifyWebhook[Symbol.for('fastify.display-name')] = 'hookwire'

function checkRequest(request) {
  if (!request || typeof request.arrayBuffer !== 'function' || !request.headers) {
    throw new InvalidArgument('expected a fetch Request', 'invalid_argument')
  }
}

/**
 * Fetch API (Next.js route handlers, Workers-style runtimes, Node's Request): reads the raw body
 * of `request` and verifies it with its `Headers`. Resolves to the AsyncMessage (commit or
 * release its claim yourself, or use `fetchWebhook`); rejects with the WebhookError of the failure.
 */
async function verifyRequest(request, verifier, options) {
  checkVerifier(verifier)
  checkRequest(request)
  const body = new Uint8Array(await request.arrayBuffer())
  return verifier.verifyAsync(body, request.headers, options)
}

/**
 * Fetch API handler: `fetchWebhook(verifier, async (message, request) => Response)` is a
 * `(request) => Promise<Response>` that verifies, calls the handler with the message, and
 * settles the claim before answering: committed when the handler's Response is 2xx, released
 * when it is anything else or the handler throws (the error goes on). A failed verification is
 * answered with the core's status and `{ error: code, message }` (a replay: 200
 * `{ duplicate: true }`) without calling the handler.
 */
function fetchWebhook(verifier, handler, options) {
  checkVerifier(verifier)
  if (typeof handler !== 'function') {
    throw new InvalidArgument(`invalid argument \`handler\`: must be a function, got ${handler === null ? 'null' : typeof handler}`, 'invalid_argument')
  }
  checkOptionsObject(options, ['now'])
  const { now } = options ?? {}
  checkFunctions({ now })
  return async function hookwireWebhook(request, ...rest) {
    let message
    try {
      message = await verifyRequest(request, verifier, now === undefined ? undefined : { now: now() })
    } catch (error) {
      if (!(error instanceof WebhookError)) throw error
      return Response.json(bodyOf(error), { status: statusOf(error) })
    }
    let response
    try {
      response = await handler(message, request, ...rest)
    } catch (error) {
      await settle(message, 0)
      throw error
    }
    await settle(message, response instanceof Response ? response.status : 0)
    return response
  }
}

module.exports = { expressWebhook, fastifyWebhook, verifyRequest, fetchWebhook }
