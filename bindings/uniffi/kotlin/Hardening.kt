// Issue 11, the Kotlin binding's part: headers cross the FFI as ordered pairs (no answer depends
// on a hash seed), a lone surrogate in a header never throws a bare MalformedInputException,
// events keep the sender's envelope (encode is lossless), header names fold ASCII only.
package hookwire.tests

import hookwire.*

private const val SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
private const val NOW = 1_700_000_000L
private val BODY = """{"id":"evt_1","type":"order.created","data":{"id":1001}}""".encodeToByteArray()

/** The outcome of a call: the message id it verified, or the code it failed with. */
private fun answer(body: () -> Message): String =
    try {
        "ok " + body().id
    } catch (e: WebhookException) {
        e.code()
    }

fun hardening() {
    val signed = Signer(SECRET).sign(BODY, "msg_1", NOW, "order.created")

    case("a header in two spellings with different values is malformed_header, whatever the hash seed") {
        // Kotlin's Map became a Rust HashMap with a random seed: which spelling came first,
        // and so the answer, was a coin flip between runs and between Verifiers.
        val spellings = LinkedHashMap(signed)
        spellings["X-WEBHOOK-ID"] = "msg_other"
        val answers = (1..40).map { answer { Verifier(SECRET).verify(BODY, spellings, NOW) } }.toSet()
        eq(answers, setOf("malformed_header"), "answers")
        val multi = spellings.mapValues { listOf(it.value) }
        val multiAnswers = (1..40).map { answer { Verifier(SECRET).verifyMulti(BODY, multi, NOW) } }.toSet()
        eq(multiAnswers, answers, "verifyMulti")
    }
    case("a header repeated with one value is fine in any spelling") {
        val same = LinkedHashMap(signed)
        same["X-Webhook-Id"] = signed["x-webhook-id"]!!
        same["X-WEBHOOK-EVENT"] = signed["x-webhook-event"]!!
        val message = Verifier(SECRET).verify(BODY, same, NOW)
        eq(message.id, "msg_1", "id")
        eq(message.eventType, "order.created", "event type")
    }
    case("headers cross in the map's order") {
        // Two signature headers, the valid one last: both are considered, in order.
        val other = Signer("whsec_" + "A".repeat(40)).sign(BODY, "msg_1", NOW)["x-webhook-signature"]!!
        val headers = LinkedHashMap<String, String>()
        headers["X-Webhook-Signature"] = other
        headers.putAll(signed)
        eq(Verifier(SECRET).verify(BODY, headers, NOW).secretIndex, 0L, "the valid signature counts")
    }

    case("a lone surrogate in a header the scheme does not read is ignored") {
        for (noise in listOf("user-agent" to "a\uD800b", "x-\uDC00" to "v", "x-tail" to "\uDBFF")) {
            eq(Verifier(SECRET).verify(BODY, signed + noise, NOW).id, "msg_1", "$noise")
            eq(Verifier(SECRET).verifyMulti(BODY, (signed + noise).mapValues { listOf(it.value) }, NOW).id, "msg_1", "$noise multi")
        }
    }
    case("a lone surrogate in a header the scheme reads is malformed_header") {
        for (name in listOf("x-webhook-id", "x-webhook-signature", "x-webhook-timestamp", "x-webhook-event")) {
            val broken = signed + (name to signed[name]!! + "\uD800")
            val e = throws<WebhookException> { Verifier(SECRET).verify(BODY, broken, NOW) }
            eq(e.code(), "malformed_header", name)
        }
    }
    case("a control character in a header the scheme reads is malformed_header, what the sender sent") {
        // The core reads the pairs as they crossed (no http::HeaderMap built first, which
        // refused such a value as the caller's invalid_argument); one it does not read is ignored.
        for (name in listOf("x-webhook-id", "x-webhook-signature", "x-webhook-timestamp")) {
            eq(answer { Verifier(SECRET).verify(BODY, signed + (name to signed[name]!! + "\u0001"), NOW) }, "malformed_header", name)
        }
        eq(answer { Verifier(SECRET).verify(BODY, signed + ("x-trace" to "a\u0001b"), NOW) }, "ok msg_1", "x-trace")
    }
    case("a lone surrogate in a response header is a WebhookException, not MalformedInputException") {
        val e = throws<WebhookException> { Outcome.response(503, mapOf("retry-after" to "120", "x-\uD800" to "v")) }
        eq(e.code(), "invalid_argument", "code")
        eq(Outcome.response(503, mapOf("Retry-After" to "120")).outcomeClass(), "throttled", "still read")
    }

    case("header names fold ASCII letters only") {
        val slack = Signer("slack-signing-secret-0123456789", "slack").sign(BODY, timestamp = NOW)
        val kelvin = slack.mapKeys { it.key.replace("slack", "slac\u212A") }
        check("slac\u212A".lowercase() == "slack") { "Unicode lowercasing folds the Kelvin sign" }
        val e = throws<WebhookException> { Verifier("slack-signing-secret-0123456789", "slack").verify(BODY, kelvin, NOW) }
        eq(e.code(), "missing_header", "code")
        val upper = slack.mapKeys { it.key.uppercase() }
        eq(Verifier("slack-signing-secret-0123456789", "slack").verify(BODY, upper, NOW).timestamp, NOW, "ASCII case")
    }

    case("encode keeps the sender's members named like native keys") {
        // Rebuilding the event from its native JSON dropped them (the native envelope has an id,
        // a type, a timestamp, an actor and data of its own); the core's event keeps them.
        val bodies = mapOf(
            "ops-center" to """{"event":"order.created","data":{"id":5},"id":"keep-me","type":"keep-type","actor":"keep-actor"}""",
            "homechef" to """{"event":"order.created","timestamp":"2025-08-08T10:00:00Z","data":{"id":5},"webhook_id":"wh_1","delivery_id":"d1","id":"keep-id","type":"keep-type","actor":"keep-actor"}""",
            "webnet" to """{"event_type":"order.created","event_timestamp":"2025-08-08T10:00:00Z","actor":{"id":1},"order":{"id":5},"id":"keep-id","type":"keep-type","timestamp":"keep-ts","data":"keep-data"}""",
            "auraconnect" to """{"id":"evt_1","type":"order.created","created":1700000000,"data":{"object":{"id":5}},"timestamp":"keep-ts","actor":"keep-actor"}""",
        )
        for ((dialect, body) in bodies) {
            val event = parseEvent(body.encodeToByteArray(), dialect)
            eq(event.encode(dialect).decodeToString(), body, dialect)
        }
        val event = parseEvent(bodies["ops-center"]!!.encodeToByteArray(), "ops-center")
        check(Subscription(listOf("order.*")).matches(event)) { "matches reads the same event" }
    }
    case("events parsed alike are equal, and carry the core's event") {
        val a = parseEvent(BODY)
        val b = parseEvent(BODY)
        eq(a, b, "equal events")
        eq(a.hashCode(), b.hashCode(), "equal hashes")
        check(a != parseEvent("""{"type":"order.created","data":{"id":1002}}""".encodeToByteArray())) { "other data" }
    }
}
