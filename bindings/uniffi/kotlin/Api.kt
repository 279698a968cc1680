// The API from Kotlin: signing and verifying, rotation, errors, events, endpoints, delivery
// building blocks in java.time types.
package hookwire.tests

import hookwire.*
import java.time.Duration
import java.time.Instant

private const val SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
private const val NOW = 1_700_000_000L
private val BODY = """{"id":"evt_1","type":"order.created","data":{"id":1001,"total_amount":45.99}}""".encodeToByteArray()
private const val OTHER = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"

/** The instant [ms] milliseconds after NOW (unix seconds). */
private fun at(ms: Long): Instant = Instant.ofEpochSecond(NOW).plusMillis(ms)

private fun ms(millis: Long): Duration = Duration.ofMillis(millis)

/** The code of each exception subclass, written out so the compiler checks the `when` is exhaustive. */
private fun codeOfClass(e: WebhookException): String = when (e) {
    is WebhookException.InvalidSignature -> "invalid_signature"
    is WebhookException.MissingHeader -> "missing_header"
    is WebhookException.MalformedHeader -> "malformed_header"
    is WebhookException.TimestampTooOld -> "timestamp_too_old"
    is WebhookException.TimestampTooNew -> "timestamp_too_new"
    is WebhookException.Replayed -> "replayed"
    is WebhookException.ReplayInProgress -> "replay_in_progress"
    is WebhookException.PayloadTooLarge -> "payload_too_large"
    is WebhookException.InvalidSecret -> "invalid_secret"
    is WebhookException.InvalidArgument -> "invalid_argument"
    is WebhookException.InvalidPayload -> "invalid_payload"
    is WebhookException.UnknownScheme -> "unknown_scheme"
    is WebhookException.UnknownEventType -> "unknown_event_type"
    is WebhookException.UnknownDialect -> "unknown_dialect"
    is WebhookException.BlockedUrl -> "blocked_url"
    is WebhookException.InvalidState -> "invalid_state"
    is WebhookException.Store -> "store_error"
    is WebhookException.Internal -> "internal"
}

/** Runs [body], which must fail with [code], as the subclass of that code. */
private fun fails(code: String, body: () -> Unit) {
    val e = throws<WebhookException> { body() }
    eq(e.code(), code, "code")
    eq(codeOfClass(e), code, "subclass ${e.javaClass.simpleName}")
    check(e.reason().isNotEmpty()) { "no text" }
    eq(e.toString(), e.reason(), "toString is the reason")
}

private fun WebhookException.reason(): String = when (this) {
    is WebhookException.InvalidSignature -> reason
    is WebhookException.MissingHeader -> reason
    is WebhookException.MalformedHeader -> reason
    is WebhookException.TimestampTooOld -> reason
    is WebhookException.TimestampTooNew -> reason
    is WebhookException.Replayed -> reason
    is WebhookException.ReplayInProgress -> reason
    is WebhookException.PayloadTooLarge -> reason
    is WebhookException.InvalidSecret -> reason
    is WebhookException.InvalidArgument -> reason
    is WebhookException.InvalidPayload -> reason
    is WebhookException.UnknownScheme -> reason
    is WebhookException.UnknownEventType -> reason
    is WebhookException.UnknownDialect -> reason
    is WebhookException.BlockedUrl -> reason
    is WebhookException.InvalidState -> reason
    is WebhookException.Store -> reason
    is WebhookException.Internal -> reason
}

fun signAndVerify() {
    for (scheme in schemes()) {
        case("sign then verify: $scheme") {
            val headers = Signer(SECRET, scheme).sign(BODY, "msg_1", NOW, "order.created")
            val message = Verifier(SECRET, scheme).verify(BODY, headers, NOW + 5)
            check(message.body.contentEquals(BODY)) { "body" }
            eq(message.secretIndex, 0L, "secret index")
            if (message.timestamp != null) eq(message.timestamp, NOW, "timestamp")
        }
    }
    case("the hookwire scheme's headers") {
        val headers = Signer(SECRET).sign(BODY, "msg_1", NOW, "order.created")
        eq(headers.keys, setOf("x-webhook-signature", "x-webhook-id", "x-webhook-timestamp", "x-webhook-event"), "names")
        check(headers["x-webhook-signature"]!!.startsWith("sha256=")) { headers.toString() }
        val message = Verifier(SECRET).verify(BODY, headers.mapKeys { it.key.uppercase() }, NOW)
        eq(message.id, "msg_1", "id")
        eq(message.eventType, "order.created", "event type")
        check(message.timestampSigned) { "timestamp signed" }
    }
    case("defaults: random id, the clock") {
        val signer = Signer(SECRET, "standard-webhooks")
        eq(signer.scheme(), "standard-webhooks", "scheme")
        val headers = signer.sign(BODY)
        check(headers["webhook-id"]!!.startsWith("msg_")) { headers.toString() }
        val message = Verifier(SECRET, "standard-webhooks").verify(BODY, headers)
        check(message.timestamp!! > NOW) { "timestamp ${message.timestamp}" }
    }
    case("rotation: one signature per secret, either verifies") {
        val old = Secret(SECRET)
        val new = Secret.generate()
        val headers = Signer.withSecrets(listOf(old, new), "standard-webhooks").sign(BODY, "msg_2", NOW)
        eq(headers["webhook-signature"]!!.split(" ").size, 2, "signatures")
        eq(Verifier.withSecrets(listOf(new), "standard-webhooks").verify(BODY, headers, NOW).secretIndex, 0L, "new")
        eq(Verifier.withSecrets(listOf(Secret.generate(), old), "standard-webhooks").verify(BODY, headers, NOW).secretIndex, 1L, "old")
    }
    case("ed25519 keys") {
        val key = Secret.generateEd25519()
        val public = key.publicKey()!!
        check(public.exposeText()!!.startsWith("whpk_")) { "whpk_" }
        val headers = Signer.withSecrets(listOf(key), "standard-webhooks").sign(BODY, "msg_3", NOW)
        check(headers["webhook-signature"]!!.startsWith("v1a,")) { headers.toString() }
        Verifier.withSecrets(listOf(public), "standard-webhooks").verify(BODY, headers, NOW)
    }
    case("a secret never shows itself") {
        val text = Secret(SECRET).toString()
        check("MfKQ9r8G" !in text && "redacted" in text) { text }
    }
    case("repeated signature headers") {
        val a = Signer(SECRET).sign(BODY, "msg_4", NOW)
        val b = Signer("whsec_" + "A".repeat(40)).sign(BODY, "msg_4", NOW)
        val multi = a.mapValues { listOf(it.value) }.toMutableMap()
        multi["x-webhook-signature"] = listOf(b["x-webhook-signature"]!!, a["x-webhook-signature"]!!)
        eq(Verifier(SECRET).verifyMulti(BODY, multi, NOW).id, "msg_4", "id")
    }
    case("the message as JSON and as events") {
        val headers = Signer(SECRET).sign(BODY, "msg_5", NOW, "order.created")
        val message = Verifier(SECRET).verify(BODY, headers, NOW)
        eq(message.json(), BODY.decodeToString(), "json")
        val event = message.event()
        check(event.data() is EventData.OrderEvent) { "${event.data()}" }
        eq(message.eventAs("hookwire").type(), "order.created", "event_as")
    }
}

fun errors() {
    val headers = Signer(SECRET).sign(BODY, "msg_1", NOW)
    val verifier = Verifier(SECRET)
    case("every code has its subclass") {
        eq(errorCodes().size, 18, "codes")
        for (code in errorCodes()) {
            val e = errorFromCode(code, "why")
            eq(e.code(), code, "code")
            eq(codeOfClass(e), code, "subclass")
            eq(e.reason(), "why", "reason")
        }
        eq(errorFromCode("nope", "x").code(), "invalid_argument", "unknown code")
    }
    case("response statuses come from the core") {
        eq(responseStatus("invalid_signature").toInt(), 401, "not authentic")
        eq(responseStatus("replayed").toInt(), 200, "duplicate")
        eq(responseStatus("internal").toInt(), 500, "receiver's fault")
        eq(responseStatus("store_error").toInt(), 503, "store down: retry later")
        eq(responseStatus("replay_in_progress").toInt(), 409, "being handled: retry later")
        eq(responseStatus("missing_header").toInt(), 400, "malformed")
    }
    case("invalid_signature") { fails("invalid_signature") { verifier.verify("{}".encodeToByteArray(), headers, NOW) } }
    case("missing_header") { fails("missing_header") { verifier.verify(BODY, mapOf(), NOW) } }
    case("malformed_header") {
        fails("malformed_header") { verifier.verify(BODY, headers + ("x-webhook-timestamp" to "soon"), NOW) }
    }
    case("timestamp_too_old") { fails("timestamp_too_old") { verifier.verify(BODY, headers, NOW + 301) } }
    case("timestamp_too_new") { fails("timestamp_too_new") { verifier.verify(BODY, headers, NOW - 301) } }
    case("replayed") {
        val once = Verifier(SECRET, replayCapacity = 10)
        once.verify(BODY, headers, NOW).commit()
        fails("replayed") { once.verify(BODY, headers, NOW) }
    }
    case("replay_in_progress") {
        val once = Verifier(SECRET, replayCapacity = 10)
        once.verify(BODY, headers, NOW)
        fails("replay_in_progress") { once.verify(BODY, headers, NOW) }
    }
    case("store_error") {
        val small = Verifier(SECRET, replayCapacity = 1)
        small.verify(BODY, headers, NOW)
        fails("store_error") { small.verify(BODY, Signer(SECRET).sign(BODY, "msg_other", NOW), NOW) }
    }
    case("payload_too_large") { fails("payload_too_large") { Verifier(SECRET, maxBody = 10).verify(BODY, headers, NOW) } }
    case("invalid_secret") { fails("invalid_secret") { Secret(" whsec_x ") } }
    case("invalid_secret: too short for the scheme") { fails("invalid_secret") { Signer("short") } }
    case("invalid_argument") { fails("invalid_argument") { Signer(SECRET).sign(BODY, "msg.1", NOW) } }
    case("invalid_payload") { fails("invalid_payload") { parseEvent("{not json".encodeToByteArray()) } }
    case("unknown_scheme") { fails("unknown_scheme") { Verifier(SECRET, "nope") } }
    case("unknown_event_type") { fails("unknown_event_type") { sampleEvent("order.refunded") } }
    case("unknown_event_type: strict") {
        fails("unknown_event_type") { parseEvent("""{"type":"x.y","data":{}}""".encodeToByteArray(), strict = true) }
    }
    case("unknown_dialect") { fails("unknown_dialect") { parseEvent(BODY, dialect = "nope") } }
    case("blocked_url") { fails("blocked_url") { UrlGuard().checkUrl("http://169.254.169.254/latest") } }
    case("invalid_state") {
        val delivery = Delivery("msg_1", at(0))
        delivery.record(RetryPolicy.fromName("svix"), at(0), Outcome.response(200), ByteArray(0), at(10))
        fails("invalid_state") { delivery.cancel(at(20)) }
    }
    case("the details of an error are fields of its exception") {
        val tooLarge = throws<WebhookException.PayloadTooLarge> { Verifier(SECRET, maxBody = 10).verify(BODY, headers, NOW) }
        eq(tooLarge.size to tooLarge.limit, BODY.size.toLong() to 10L, "size, limit")
        val old = throws<WebhookException.TimestampTooOld> { verifier.verify(BODY, headers, NOW + 301) }
        eq(old.age to old.tolerance, 301L to 300L, "age, tolerance")
        val new = throws<WebhookException.TimestampTooNew> { verifier.verify(BODY, headers, NOW - 301) }
        eq(new.ahead to new.tolerance, 301L to 300L, "ahead, tolerance")
        check(new.hint.isNotEmpty()) { "hint" }
        val missing = throws<WebhookException.MissingHeader> { verifier.verify(BODY, mapOf(), NOW) }
        eq(missing.scheme, "hookwire", "scheme")
        check(missing.header.lowercase() in headers.keys) { missing.header }
        val malformed = throws<WebhookException.MalformedHeader> { verifier.verify(BODY, headers + ("x-webhook-timestamp" to "soon"), NOW) }
        eq(malformed.header.lowercase(), "x-webhook-timestamp", "header")
        val once = Verifier(SECRET, replayCapacity = 10)
        once.verify(BODY, headers, NOW).commit()
        eq(throws<WebhookException.Replayed> { once.verify(BODY, headers, NOW) }.id, "msg_1", "replayed id")
        val scheme = throws<WebhookException.UnknownScheme> { Verifier(SECRET, "nope") }
        eq(scheme.scheme to scheme.known, "nope" to schemes(), "scheme, known")
        val dialect = throws<WebhookException.UnknownDialect> { parseEvent(BODY, dialect = "nope") }
        eq(dialect.dialect to dialect.known, "nope" to dialects(), "dialect, known")
        eq(throws<WebhookException.UnknownEventType> { sampleEvent("order.refunded") }.eventType, "order.refunded", "event type")
        eq(throws<WebhookException.InvalidArgument> { Scheduler().popDue(at(0), -1) }.argument, "limit", "argument")
    }
}

fun events() {
    // The envelope of the scheme's senders: each system's own, native for the standard ones; a
    // body in another envelope, and providers that write their own JSON, are invalid_payload.
    val aura = """{"id":"evt_1","type":"order.created","created":"2025-08-08T10:00:00Z","data":{"object":{"id":1001,"total_amount":45.99}}}"""
    val native = """{"type":"order.created","data":{"id":1001,"total_amount":45.99}}"""
    val senders = listOf(
        Triple("auraconnect", aura, "45.99"),
        Triple("standard-webhooks", native, "45.99"),
        Triple("hookwire", native, "45.99"),
        Triple("hookwire", aura, null),
        Triple("github", """{"action":"opened"}""", null),
        Triple("stripe", """{"id":"evt_1","type":"invoice.paid","data":{"object":{}}}""", null),
    )
    for ((scheme, text, total) in senders) {
        case("message.event in the sender's envelope: $scheme ${text.take(30)}") {
            val body = text.encodeToByteArray()
            val message = Verifier(SECRET, scheme).verify(body, Signer(SECRET, scheme).sign(body, "m5", NOW), NOW)
            eq(message.scheme, scheme, "scheme")
            if (total != null) {
                eq((message.event().data() as EventData.OrderEvent).order.totalAmount, total, "total")
            } else {
                fails("invalid_payload") { message.event() }
            }
        }
    }
    case("typed data with when") {
        for (info in eventTypes()) {
            val event = sampleEvent(info.type)
            val summary = when (val data = event.data()) {
                is EventData.OrderEvent -> "order ${data.order.totalAmount}"
                is EventData.DeviceEvent -> data.device.probes?.let { "probes ${it.size} ${it[0].unit}" } ?: "device"
                is EventData.JobEvent -> "job ${data.job.jobType}"
                is EventData.UserEvent -> "user ${data.user.userId!!.text()}"
                is EventData.OtherEvent -> "other ${data.json.length}"
            }
            when (info.type) {
                "order.created" -> eq(summary, "order 45.99", info.type)
                "device.temperature" -> eq(summary, "probes 2 FAHRENHEIT", info.type)
                "job.completed" -> eq(summary, "job config_backup", info.type)
                "user.created" -> eq(summary, "user 123", info.type)
            }
            eq(event.data() is EventData.OtherEvent, info.family == "other", "OtherEvent for ${info.type}")
            eq(event.type(), info.type, "type")
        }
    }
    case("ids, decimals and unknown fields as sent") {
        val body = """{"type":"order.created","data":{"id":1001,"order_id":"ord_7","total_amount":45.990,"tip":{"x":1}}}"""
        val event = parseEvent(body.encodeToByteArray())
        val order = (event.data() as EventData.OrderEvent).order
        eq(order.id, Id.Integer(1001L), "id")
        eq(order.orderId, Id.Text("ord_7"), "order id")
        eq(order.totalAmount, "45.990", "exact decimal")
        eq(order.extra["tip"], """{"x":1}""", "extra")
        eq(event.dataJson(), """{"id":1001,"order_id":"ord_7","total_amount":45.990,"tip":{"x":1}}""", "data json")
        check(event.toJson().decodeToString().contains("\"tip\":{\"x\":1}")) { "lossless" }
    }
    case("other events keep their data") {
        val event = parseEvent("""{"type":"payment.completed","data":{"amount":"9.99"}}""".encodeToByteArray())
        eq(event.data(), EventData.OtherEvent("""{"amount":"9.99"}"""), "data")
    }
    case("dialects") {
        eq(dialects().first(), "hookwire", "first dialect")
        val event = sampleEvent("order.created")
        for (dialect in dialects().filter { it != "device-service" }) {
            val again = parseEvent(event.encode(dialect), dialect)
            eq(again.type(), "order.created", dialect)
        }
    }
    case("an event is one object: equal by content, the same data however often it is read") {
        val event = sampleEvent("order.created")
        eq(event, sampleEvent("order.created"), "equal")
        eq(event.hashCode(), sampleEvent("order.created").hashCode(), "hash")
        eq(event.data(), event.data(), "data")
        eq(event.id(), "evt_test_order_created", "id")
        check(event.timestamp() != null) { "timestamp" }
    }
    case("subscriptions: routing only") {
        val all = Subscription()
        check(all.matches(sampleEvent("user.created")) && all.active()) { "*" }
        eq(all.patterns(), listOf("*"), "default patterns")
        val orders = Subscription(listOf("order.*"), mapOf("id" to "1001"))
        eq(orders.filters(), mapOf("id" to "1001"), "filters")
        eq(Subscription(listOf("order.*")).withFilter("id", "1001").filters(), orders.filters(), "withFilter")
        eq(Subscription(active = false).active(), false, "inactive")
        fails("invalid_argument") { Subscription(filters = mapOf("id" to "not json")) }
        fails("invalid_argument") { Subscription(listOf()) }
        fails("unknown_event_type") { Subscription(listOf("order.refunded")) }
        eq(orders.patterns(), listOf("order.*"), "patterns")
        check(orders.matchesType("order.updated") && !orders.matchesType("user.created")) { "types" }
        check(orders.matches(sampleEvent("order.created"))) { "filter holds" }
        check(!orders.withFilter("id", "\"1001\"").matches(sampleEvent("order.created"))) { "1001 != \"1001\"" }
        check(!orders.withActive(false).matches(sampleEvent("order.created"))) { "inactive" }
    }
}

fun delivery() {
    case("retry schedule: standard-webhooks") {
        val policy = RetryPolicy.fromName("standard-webhooks")
        eq(policy.schedule(), listOf(0L, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 50_400_000, 72_000_000, 86_400_000).map(::ms), "schedule")
        eq(policy.maxAttempts(), 10L, "max attempts")
        eq(policy.maxAge(), null, "no age limit")
        eq(policy.next(1, at(0), at(1_000), Outcome.response(500, elapsed = ms(1_000))), Decision("retry", at(6_000), ms(5_000), null), "after 500")
        eq(policy.next(1, at(0), at(30_000), Outcome.transport("timeout", ms(30_000))), Decision("retry", at(90_000), ms(60_000), null), "after timeout")
        eq(policy.next(1, at(0), at(10), Outcome.response(204)), Decision("done", null, null, null), "done")
        eq(policy.next(10, at(0), at(10), Outcome.response(500)).reason, "exhausted", "exhausted")
        eq(policy.next(1, at(0), at(10), Outcome.response(410)).reason, "endpoint_gone", "gone")
    }
    case("retry presets, tables, exponential, jitter, getters named like setters") {
        eq(retryPolicies().map { RetryPolicy.fromName(it).name() }, retryPolicies(), "presets")
        eq(RetryPolicy.table("mine", listOf(0L, 1_000, 2_000).map(::ms)).schedule(), listOf(0L, 1_000, 2_000).map(::ms), "table")
        eq(RetryPolicy.exponential("exp", ms(1_000), 2.0, ms(4_000), 5).schedule(), listOf(0L, 1_000, 2_000, 4_000, 4_000).map(::ms), "exponential")
        val limited = RetryPolicy.fromName("svix").withMaxAttempts(3).withMaxAge(Duration.ofHours(1))
        eq(limited.maxAttempts() to limited.maxAge(), 3L to Duration.ofHours(1), "maxAttempts, maxAge")
        eq(limited.next(2, at(0), at(3_600_001), Outcome.response(500)).reason, "max_age", "max age")
        val jittered = RetryPolicy.fromName("svix").withJitter("proportional", 0.2).withSeed(7)
        fails("invalid_argument") { RetryPolicy.fromName("svix").withSeed(-1) }
        eq(jittered.jitter(), "proportional", "jitter")
        val outcome = Outcome.response(500)
        eq(jittered.next(2, at(0), at(10), outcome), jittered.next(2, at(0), at(10), outcome), "seeded jitter is reproducible")
        fails("invalid_argument") { RetryPolicy.fromName("svix").withJitter("wobbly") }
        fails("invalid_argument") { RetryPolicy.table("none", listOf()) }
        // A negative java.time.Duration has no Rust Duration: uniffi's own conversion refuses it.
        throws<IllegalArgumentException> { RetryPolicy.table("neg", listOf(ms(-1))) }
    }
    case("outcomes") {
        eq(Outcome.response(429).outcomeClass(), "throttled", "429")
        eq(Outcome.response(301).outcomeClass(), "retryable", "301")
        eq(Outcome.response(200).isSuccess(), true, "200")
        eq(Outcome.response(200, mapOf("webhook-delivery" to "disable")).disablesEndpoint(), true, "disable")
        eq(Outcome.transport("dns", ms(5)).failure(), "dns", "dns")
        eq(Outcome.transport("dns", ms(5)).elapsed(), ms(5), "elapsed")
        eq(Outcome.response(200).elapsed(), Duration.ZERO, "elapsed by default")
        eq(Outcome.transport("dns").status(), null, "no status")
        fails("invalid_argument") { Outcome.transport("gremlins") }
        fails("invalid_argument") { Outcome.response(70_000) }
    }
    case("delivery: retries until failed, manual retry, storage") {
        val policy = RetryPolicy.fromName("webnet")
        val delivery = Delivery("msg_1", at(0))
        val down = Outcome.response(500, elapsed = ms(10))
        while (true) {
            val due = delivery.due() ?: break
            delivery.record(policy, due, down, "oops".encodeToByteArray(), due.plusMillis(10))
        }
        eq(delivery.attempts().map { it.startedAt }, listOf(0L, 60_010, 180_020, 420_030).map(::at), "attempt times")
        eq(delivery.attempts().map { it.duration }.toSet(), setOf(ms(10)), "durations")
        eq(delivery.state(), "failed", "state")
        eq(delivery.failureReason(), "exhausted", "reason")
        eq(delivery.attempts()[0].responseBody, "oops", "body")
        eq(delivery.attempts()[0].status, 500, "status")
        val stored = Delivery.fromJson(delivery.toJson())
        eq(stored.attempts(), delivery.attempts(), "stored attempts")
        stored.retry(at(500_000))
        eq(stored.state(), "pending", "manual retry")
        eq(stored.due(), at(500_000), "due")
        eq(stored.record(policy, at(500_000), Outcome.response(200), ByteArray(0), at(500_010)), "succeeded", "after retry")
        check(stored.attempts().last().manual) { "manual" }
        fails("invalid_argument") { Delivery.fromJson("{}") }
    }
    case("instants cross to the millisecond") {
        eq(Delivery("m", at(1).plusNanos(999_999)).due(), at(1), "truncated to the millisecond")
        eq(Delivery("m", Instant.EPOCH).due(), Instant.EPOCH, "the epoch is an instant")
    }
    // A whole second before: uniffi's Kotlin timestamp conversion drops the sign of an instant
    // less than a second before 1970 (it writes seconds 0 and the positive nanoseconds), so
    // 1969-12-31T23:59:59.999Z arrives as 1970-01-01T00:00:00.001Z (README, type mappings).
    val before1970 = Instant.EPOCH.minusSeconds(1)
    val outside = listOf(
        "before 1970" to before1970,
        "Instant.MIN" to Instant.MIN,
        "beyond the core's range (Instant.MAX)" to Instant.MAX,
    )
    for ((what, instant) in outside) {
        case("an instant $what is invalid_argument naming it, never a panic") {
            val calls = listOf<Pair<String, () -> Unit>>(
                "now" to { Delivery("m", instant) },
                "due" to { Scheduler().schedule("k", instant) },
                "now" to { Scheduler().popDue(instant, 1) },
                "first_attempt_at" to { RetryPolicy.fromName("svix").next(1, instant, at(0), Outcome.response(500)) },
                "started_at" to { Delivery("m", at(0)).record(RetryPolicy.fromName("svix"), instant, Outcome.response(500), ByteArray(0), at(0)) },
                "now" to { Delivery("m", at(0)).cancel(instant) },
                "now" to { EndpointHealth().record(Outcome.response(500), instant) },
                "now" to { Endpoint("https://hooks.example.com/in", listOf(SECRET)).request(BODY, "msg_1", null, instant) },
            )
            for ((argument, call) in calls) {
                eq(throws<WebhookException.InvalidArgument> { call() }.argument, argument, "argument")
            }
        }
    }
    case("scheduler") {
        val scheduler = Scheduler()
        check(scheduler.schedule("a", at(30)) && scheduler.schedule("b", at(10)) && !scheduler.schedule("a", at(20))) { "new" }
        eq(scheduler.len(), 2L, "len")
        eq(scheduler.nextDue(), at(10), "next due")
        check(scheduler.reschedule("b", at(25)) && !scheduler.reschedule("zz", at(1))) { "reschedule" }
        eq(scheduler.popDue(at(24), 10), listOf(DueEntry("a", at(20))), "pop")
        check(scheduler.contains("b") && scheduler.cancel("b") && !scheduler.contains("b")) { "cancel" }
        check(scheduler.isEmpty() && scheduler.nextDue() == null) { "empty" }
        fails("invalid_argument") { scheduler.popDue(at(0), -1) }
    }
    case("endpoint health") {
        val health = EndpointHealth(disableAfterFailures = 3)
        eq(health.record(Outcome.response(500), at(0)), "started_failing", "first failure")
        eq(health.record(Outcome.response(500), at(10)), null, "second")
        eq(health.record(Outcome.response(500), at(20)), "disabled", "third")
        check(health.isDisabled()) { "disabled" }
        eq(health.disabledReason(), "consecutive_failures", "reason")
        health.enable()
        check(!health.isDisabled() && health.consecutiveFailures() == 0L) { "enabled" }
        eq(EndpointHealth().record(Outcome.response(410), at(0)), "disabled", "410")
        eq(EndpointHealth().disableAfter(), Duration.ofDays(5), "the core's default")
        val byTime = EndpointHealth(disableAfter = Duration.ofHours(1))
        eq(byTime.record(Outcome.response(500), at(0)), "started_failing", "failing")
        eq(byTime.failingSince(), at(0), "failing since")
        eq(byTime.record(Outcome.response(500), at(3_599_999)), null, "within the hour")
        eq(byTime.record(Outcome.response(500), at(3_600_000)), "disabled", "after the hour")
        eq(byTime.disabledReason(), "failing_for", "reason")
        val never = EndpointHealth(disableAfter = java.time.temporal.ChronoUnit.FOREVER.duration)
        never.record(Outcome.response(500), at(0))
        eq(never.record(Outcome.response(500), Instant.parse("9999-12-31T23:59:59Z")), null, "never by time")
        check(!never.isDisabled()) { "FOREVER never disables" }
        val recovering = EndpointHealth()
        recovering.record(Outcome.response(500), at(0))
        eq(recovering.record(Outcome.response(200), at(5)), "recovered", "recovered")
    }
    case("url guard") {
        val guard = UrlGuard()
        eq(guard.checkUrl("https://hooks.example.com/in"), CheckedUrl("hooks.example.com", 443, true), "public")
        eq(guard.checkUrl("http://93.184.215.14:8080/x"), CheckedUrl("93.184.215.14", 8080, false), "address")
        for (url in listOf("http://localhost/", "http://10.0.0.1/", "http://[::1]/", "http://user@example.com/", "ftp://example.com/")) {
            fails("blocked_url") { guard.checkUrl(url) }
        }
        fails("blocked_url") { UrlGuard(httpsOnly = true).checkUrl("http://example.com/") }
        fails("blocked_url") { guard.checkIp("192.168.1.1") }
        guard.checkIp("93.184.215.14")
        eq(guard.checkResolved(listOf("93.184.215.14", "2606:2800:220:1::1")), "93.184.215.14", "resolved")
        fails("blocked_url") { guard.checkResolved(listOf("93.184.215.14", "10.0.0.5")) }
        fails("blocked_url") { guard.checkResolved(listOf()) }
        fails("invalid_argument") { guard.checkIp("not an address") }
        UrlGuard(allow = listOf("10.20.0.0/16")).checkIp("10.20.3.4")
        fails("invalid_argument") { UrlGuard(allow = listOf("10.20.0.0/99")) }
    }
}

/** The request's headers as one value each (what a verifier is handed). */
private fun single(request: Request): Map<String, String> = request.headers.mapValues { it.value.single() }

fun endpoints() {
    val url = "https://hooks.example.com/orders"
    case("an endpoint signs each request with every secret: either verifies (rotation)") {
        val endpoint = Endpoint(url, listOf(SECRET, OTHER), "standard-webhooks")
        val request = endpoint.request(BODY, "msg_1", "order.created", Instant.ofEpochSecond(NOW))
        eq(request.method to request.url, "POST" to url, "method, url")
        check(request.body.contentEquals(BODY)) { "body" }
        val headers = single(request)
        eq(headers["content-type"], "application/json", "content type")
        check(headers["user-agent"]!!.startsWith("hookwire/")) { headers.toString() }
        eq(headers["webhook-signature"]!!.split(" ").size, 2, "one signature per secret")
        eq(headers["webhook-timestamp"], NOW.toString(), "signed at now, in the wire's seconds")
        for ((index, secret) in listOf(SECRET, OTHER).withIndex()) {
            val message = Verifier(secret, "standard-webhooks").verify(BODY, headers, NOW)
            eq(message.id to message.secretIndex, "msg_1" to 0L, "verified with secret $index")
        }
        val later = single(endpoint.request(BODY, "msg_1"))
        check(later["webhook-timestamp"]!!.toLong() > NOW) { "the clock by default: ${later["webhook-timestamp"]}" }
        eq(later["webhook-id"], "msg_1", "the same id on every attempt")
    }
    case("an endpoint's headers go with every request; the scheme's own win") {
        val endpoint = Endpoint(url, listOf(SECRET), headers = mapOf("X-Tenant" to "kitchen-7", "X-Webhook-Id" to "spoofed"))
        val headers = endpoint.request(BODY, "msg_2", "order.created", Instant.ofEpochSecond(NOW)).headers
        eq(headers["x-tenant"], listOf("kitchen-7"), "custom")
        eq(headers["x-webhook-id"], listOf("msg_2"), "the scheme's id")
        eq(headers["x-webhook-event"], listOf("order.created"), "event header")
        eq(endpoint.headers(), mapOf("x-tenant" to listOf("kitchen-7"), "x-webhook-id" to listOf("spoofed")), "headers()")
        eq(Verifier(SECRET).verify(BODY, single(endpoint.request(BODY, "msg_2", null, Instant.ofEpochSecond(NOW))), NOW).id, "msg_2", "verifies")
    }
    case("an endpoint's settings read back as given, the core's defaults otherwise") {
        val plain = Endpoint(url, listOf(SECRET))
        eq(plain.url(), url, "url")
        eq(plain.scheme(), "hookwire", "scheme")
        eq(plain.subscription().patterns(), listOf("*"), "every event")
        eq(plain.retryPolicy().name(), "standard-webhooks", "retry policy")
        eq(plain.timeout(), Duration.ofSeconds(30), "timeout")
        eq(plain.rateLimit(), null, "no pace")
        eq(plain.maxPayload(), 1L shl 20, "max payload")
        val aura = Endpoint(
            url, listOf("s3cr3t-aura"), "auraconnect",
            subscription = Subscription(listOf("order.*"), mapOf("id" to "1001")),
            retry = RetryPolicy.fromName("auraconnect"),
            timeout = Duration.ofSeconds(10),
            rateLimit = RateLimit(1000, Duration.ofHours(1)),
            maxPayload = 256 * 1024,
        )
        eq(aura.scheme(), "auraconnect", "scheme")
        eq(aura.retryPolicy().name(), "auraconnect", "retry policy")
        eq(aura.timeout(), Duration.ofSeconds(10), "timeout")
        eq(aura.rateLimit(), RateLimit(1000, Duration.ofHours(1)), "rate limit")
        eq(aura.maxPayload(), 256L * 1024, "max payload")
        check(aura.matches(sampleEvent("order.created")) && !aura.matches(sampleEvent("user.created"))) { "subscription" }
        check(!aura.matches(parseEvent("""{"type":"order.created","data":{"id":7}}""".encodeToByteArray()))) { "filter" }
    }
    case("an endpoint refuses what it cannot send, with the code and its details") {
        val small = Endpoint(url, listOf(SECRET), maxPayload = 10)
        val tooLarge = throws<WebhookException.PayloadTooLarge> { small.request(BODY, "msg_3") }
        eq(tooLarge.size to tooLarge.limit, BODY.size.toLong() to 10L, "size, limit")
        val internal = Endpoint("http://10.0.0.1/hooks", listOf(SECRET))
        fails("blocked_url") { internal.request(BODY, "msg_3") }
        fails("blocked_url") { internal.checkUrl() }
        val allowed = Endpoint("http://10.0.0.1/hooks", listOf(SECRET), allowPrivate = true)
        eq(allowed.checkUrl(), CheckedUrl("10.0.0.1", 80, false), "allowPrivate")
        eq(allowed.request(BODY, "msg_3").url, "http://10.0.0.1/hooks", "sent")
        fails("blocked_url") { Endpoint("http://169.254.169.254/", listOf(SECRET), allowPrivate = true).request(BODY, "m") }
        fails("invalid_argument") { Endpoint("not a url", listOf(SECRET)) }
        fails("invalid_secret") { Endpoint(url, listOf()) }
        fails("invalid_secret") { Endpoint(url, listOf("short")) }
        fails("unknown_scheme") { Endpoint(url, listOf(SECRET), "nope") }
        fails("invalid_argument") { Endpoint(url, listOf(SECRET), headers = mapOf("Content-Length" to "1")) }
        fails("invalid_argument") { Endpoint(url, listOf(SECRET), timeout = Duration.ZERO) }
        fails("invalid_argument") { Endpoint(url, listOf(SECRET), rateLimit = RateLimit(0, Duration.ofHours(1))) }
        fails("invalid_argument") { Endpoint(url, listOf(SECRET), maxPayload = -1) }
        fails("invalid_argument") { Endpoint(url, listOf(SECRET)).request(BODY, "msg.3") }
    }
}
