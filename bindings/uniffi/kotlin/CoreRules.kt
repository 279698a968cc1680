// Issue 11's core fixes through the Kotlin binding (§9: every finding reproduced in each
// binding): secrets keyed per scheme, svix's unbranded headers, bounded retry policies (the old
// schedule() abort killed the JVM), at most 16 signature entries, RFC 9110 joined signature
// lists, headers read once must agree, repeated typed JSON keys, AuraConnect's data_extra,
// integer ids of any size, the URL guard's findings. No provider library runs on the JVM here,
// so what Stripe and Standard Webhooks sign is computed from their specs with javax.crypto.
package hookwire.tests

import hookwire.*
import java.time.Duration
import java.util.Base64
import javax.crypto.Mac
import javax.crypto.spec.SecretKeySpec

private const val T = 1_700_000_000L
private val BODY = """{"id":"evt_1","type":"order.created","data":{"id":1001}}""".encodeToByteArray()
private const val SW_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
private const val OTHER = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
// stripe-python's and stripe-node's own webhook test secret and payload.
private const val STRIPE_SECRET = "whsec_test_secret"
private const val STRIPE_PAYLOAD = "{\n  \"id\": \"evt_test_webhook\",\n  \"object\": \"event\"\n}"
private val DAY: Duration = Duration.ofDays(1)

private fun ms(millis: Long): Duration = Duration.ofMillis(millis)

private fun hmac(key: ByteArray, content: ByteArray): ByteArray =
    Mac.getInstance("HmacSHA256").run {
        init(SecretKeySpec(key, "HmacSHA256"))
        doFinal(content)
    }

private fun hex(bytes: ByteArray) = bytes.joinToString("") { "%02x".format(it) }

/** The code of the WebhookException [body] throws (it must throw one). */
private fun code(body: () -> Unit): String = throws<WebhookException> { body() }.code()

/** The message id [body] verified, or the code it failed with. */
private fun answer(body: () -> Message): String =
    try {
        body().id ?: "ok"
    } catch (e: WebhookException) {
        e.code()
    }

private fun sign(secret: String, scheme: String, id: String = "m1") = Signer(secret, scheme).sign(BODY, id, T)

fun coreRules() {
    secretsPerScheme()
    svixHeaders()
    boundedPolicies()
    signatureLists()
    headersReadOnce()
    typedEvents()
    urlGuard()
    wrongValues()
}

private fun secretsPerScheme() {
    case("what Stripe signs with its test secret verifies") {
        // Stripe's v1: hex HMAC-SHA256 of "{t}.{payload}" keyed with the whole secret text.
        val v1 = hex(hmac(STRIPE_SECRET.encodeToByteArray(), "$T.$STRIPE_PAYLOAD".encodeToByteArray()))
        val headers = mapOf("Stripe-Signature" to "t=$T,v1=$v1")
        val verifier = Verifier(STRIPE_SECRET, "stripe")
        val message = verifier.verify(STRIPE_PAYLOAD.encodeToByteArray(), headers, T)
        eq(message.timestamp to message.timestampSigned, T to true, "timestamp")
        val tampered = STRIPE_PAYLOAD.replace("evt_test_webhook", "evt_other").encodeToByteArray()
        eq(code { verifier.verify(tampered, headers, T) }, "invalid_signature", "tampered")
        val ours = Signer(STRIPE_SECRET, "stripe").sign(STRIPE_PAYLOAD.encodeToByteArray(), timestamp = T)
        eq(ours["stripe-signature"], "t=$T,v1=$v1", "hookwire signs as Stripe does")
    }
    for (scheme in listOf("github", "webnet", "homechef", "auraconnect")) {
        case("text-key schemes key with the whole text, whsec_ included ($scheme)") {
            val expected = "sha256=" + hex(hmac(STRIPE_SECRET.encodeToByteArray(), BODY))
            val headers = sign(STRIPE_SECRET, scheme)
            check(expected in headers.values) { "$headers" }
            eq(Verifier(STRIPE_SECRET, scheme).verify(BODY, headers, T).secretIndex, 0L, "verifies")
        }
    }
    val unpadded = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS" // 31 characters: base64 without its `=`
    for (text in listOf(unpadded, "whsec_$unpadded", "$unpadded=", "whsec_$unpadded=")) {
        case("unpadded base64 is the padded key for standard-webhooks ($text)") {
            // The Standard Webhooks signature over the key the reference libraries decode.
            val key = Base64.getDecoder().decode("$unpadded=")
            val theirs = "v1," + Base64.getEncoder().encodeToString(hmac(key, "msg_2.$T.".encodeToByteArray() + BODY))
            val headers = mapOf("webhook-id" to "msg_2", "webhook-timestamp" to "$T", "webhook-signature" to theirs)
            eq(Verifier(text, "standard-webhooks").verify(BODY, headers, T).id, "msg_2", "verifies")
            eq(Signer(text, "standard-webhooks").sign(BODY, "msg_2", T)["webhook-signature"], theirs, "signs alike")
        }
    }
    val ed25519 = Secret.generateEd25519().exposeText()!!
    val unusable = listOf(
        "hookwire" to STRIPE_SECRET, "standard-webhooks" to STRIPE_SECRET, "svix" to STRIPE_SECRET,
        "svix" to "not base64 at all", "hookwire" to "too-short", "github" to ed25519, "stripe" to ed25519,
    )
    for ((scheme, text) in unusable) {
        case("a secret the scheme cannot use is invalid_secret naming the scheme ($scheme, ${text.take(12)})") {
            for (build in listOf({ Verifier(text, scheme) }, { Signer(text, scheme) })) {
                val e = throws<WebhookException> { build() }
                eq(e.code(), "invalid_secret", "code")
                check("the $scheme scheme" in e.message!!) { e.message!! }
                check(text !in e.message!!) { e.message!! }
            }
            eq(Secret(text).exposeText(), text, "the text is a secret")
        }
    }
}

private fun svixHeaders() {
    fun unbranded(headers: Map<String, String>) = headers.mapKeys { it.key.replace("svix-", "webhook-") }
    val verifier = Verifier(SW_SECRET, "svix")
    val genuine = sign(SW_SECRET, "svix", "msg_1")
    val forged = sign(OTHER, "svix", "msg_1")
    // (what was sent, the id verified or the error code): svix-* first, webhook-* whole otherwise.
    val cases = listOf(
        Triple("svix-* only", genuine, "msg_1"),
        Triple("webhook-* only", unbranded(genuine), "msg_1"),
        Triple("svix-* genuine, webhook-* forged", genuine + unbranded(forged), "msg_1"),
        Triple("svix-* forged, webhook-* genuine", forged + unbranded(genuine), "invalid_signature"),
        Triple("webhook-* without its timestamp", unbranded(genuine) - "webhook-timestamp", "missing_header"),
        Triple(
            "svix-signature with webhook-id and -timestamp",
            mapOf("svix-signature" to genuine["svix-signature"]!!, "webhook-id" to "msg_1", "webhook-timestamp" to "$T"),
            "missing_header",
        ),
    )
    for ((what, headers, expected) in cases) {
        case("svix takes its own header set first and the unbranded set whole: $what") {
            eq(answer { verifier.verify(BODY, headers, T) }, expected, "verify")
            eq(answer { verifier.verifyMulti(BODY, headers.mapValues { listOf(it.value) }, T) }, expected, "verifyMulti")
        }
    }
    case("standard-webhooks does not read svix-* headers") {
        eq(code { Verifier(SW_SECRET, "standard-webhooks").verify(BODY, genuine, T) }, "missing_header", "code")
    }
}

private fun boundedPolicies() {
    val svix = RetryPolicy.fromName("svix")
    // (what, the call): beyond what a policy may ask for. Int.MAX_VALUE attempts made schedule()
    // ask for 16 GB: the process aborted, which no `catch (Throwable)` survives.
    val unbounded = listOf<Pair<String, () -> Unit>>(
        "withMaxAttempts(Int.MAX_VALUE)" to { svix.withMaxAttempts(Int.MAX_VALUE).schedule() },
        "withMaxAttempts(1001)" to { svix.withMaxAttempts(1001) },
        "withMaxAttempts(0)" to { svix.withMaxAttempts(0) },
        "exponential maxAttempts 1e9" to { RetryPolicy.exponential("e", ms(1_000), 2.0, ms(60_000), 1_000_000_000).schedule() },
        "exponential factor 11" to { RetryPolicy.exponential("e", ms(1_000), 11.0, ms(60_000), 5) },
        "exponential cap of 31 days" to { RetryPolicy.exponential("e", ms(1_000), 2.0, DAY.multipliedBy(31), 5) },
        "table of 1001 entries" to { RetryPolicy.table("t", List(1001) { Duration.ZERO }) },
        "table delay of 31 days" to { RetryPolicy.table("t", listOf(Duration.ZERO, DAY.multipliedBy(31))) },
        "withMaxAge of 366 days" to { svix.withMaxAge(DAY.multipliedBy(366)) },
    )
    for ((what, call) in unbounded) {
        case("a retry policy beyond its bounds is invalid_argument: $what") { eq(code(call), "invalid_argument", what) }
    }
    case("the longest retry policies have schedules of a thousand entries") {
        val longest = svix.withMaxAttempts(1000)
        eq(longest.maxAttempts(), 1000L, "attempts")
        val schedule = longest.schedule()
        eq(schedule.size, 1000, "svix entries")
        eq(schedule.last(), Duration.ofMinutes(600), "svix's last delay")
        val exponential = RetryPolicy.exponential("e", ms(1_000), 10.0, DAY.multipliedBy(30), 1000).schedule()
        eq(exponential.size to exponential.max(), 1000 to DAY.multipliedBy(30), "exponential")
        eq(RetryPolicy.table("t", List(1000) { Duration.ZERO }).schedule().size, 1000, "table entries")
    }
}

private fun signatureLists() {
    case("a thousand forged v1a entries against a whpk_ verifier are malformed_header") {
        val key = Secret.generateEd25519()
        val body = ByteArray(1 shl 20) { 'x'.code.toByte() }
        val headers = Signer.withSecrets(listOf(key), "standard-webhooks").sign(body, "msg_1", T)
        val verifier = Verifier.withSecrets(listOf(key.publicKey()!!), "standard-webhooks")
        eq(verifier.verify(body, headers, T).id, "msg_1", "genuine")
        val forged = "v1a," + "A".repeat(86) + "=="
        val flood = headers + ("webhook-signature" to (List(1000) { forged } + headers["webhook-signature"]!!).joinToString(" "))
        val e = throws<WebhookException> { verifier.verify(body, flood, T) }
        eq(e.code(), "malformed_header", "code")
        check("16" in e.message!!) { e.message!! }
    }
    val secrets = (1..17).map { i -> "whsec_" + Base64.getEncoder().encodeToString(ByteArray(24) { i.toByte() }) }
    for (scheme in schemes()) {
        case("sixteen signature entries are read and seventeen are malformed_header ($scheme)") {
            // One entry per secret, the verifier's secret signed the last one. Stripe's `t=` is an
            // entry of its list too (the cap counts entries of any version).
            val most = if (scheme == "stripe") 15 else 16
            val full = Signer.withSecrets(secrets.take(most).map { Secret(it) }, scheme).sign(BODY, "m1", T)
            eq(Verifier(secrets[most - 1], scheme).verify(BODY, full, T).secretIndex, 0L, "$most entries")
            val over = Signer.withSecrets(secrets.take(most + 1).map { Secret(it) }, scheme).sign(BODY, "m1", T)
            val e = throws<WebhookException> { Verifier(secrets[most], scheme).verify(BODY, over, T) }
            eq(e.code(), "malformed_header", "code")
            check("more than 16 signatures" in e.message!!) { e.message!! }
        }
    }

    case("a fetch-joined header (\"v1,a, v1,b\") verifies") {
        val headers = sign(SW_SECRET, "standard-webhooks", "msg_1")
        val forged = "v1," + Base64.getEncoder().encodeToString(ByteArray(32))
        val verifier = Verifier(SW_SECRET, "standard-webhooks")
        val genuine = headers["webhook-signature"]!!
        // Either order: a genuine entry first once kept the `,` of the join and never matched.
        for (joined in listOf("$genuine, $forged", "$forged, $genuine")) {
            eq(verifier.verify(BODY, headers + ("webhook-signature" to joined), T).id, "msg_1", joined)
        }
        eq(code { verifier.verify(BODY, headers + ("webhook-signature" to "$forged, $forged"), T) }, "invalid_signature", "forged only")
    }
    for (scheme in schemes()) {
        for ((style, join) in listOf("wsgi" to ",", "fetch" to ", ", "spaced" to " , ")) {
            case("a joined signature header reads like repeated ones ($scheme, $style)") {
                val signed = sign(SW_SECRET, scheme)
                val other = sign(OTHER, scheme)
                val name = signed.keys.single { signed[it] != other[it] }
                val verifier = Verifier(SW_SECRET, scheme)
                val repeated = signed.mapValues { listOf(it.value) } + (name to listOf(other[name]!!, signed[name]!!))
                eq(verifier.verifyMulti(BODY, repeated, T).secretIndex, 0L, "repeated")
                for (joined in listOf(signed[name] + join + other[name], other[name] + join + signed[name])) {
                    eq(verifier.verify(BODY, signed + (name to joined), T).secretIndex, 0L, joined)
                }
                eq(code { verifier.verify(BODY, signed + (name to other[name] + join + other[name]), T) }, "invalid_signature", "forged")
            }
        }
    }
}

private fun headersReadOnce() {
    val signed = Signer(SW_SECRET).sign(BODY, "msg_1", T, "order.created")
    val verifier = Verifier(SW_SECRET)
    for ((name, other) in listOf("x-webhook-id" to "msg_other", "x-webhook-timestamp" to "${T + 1}", "x-webhook-event" to "order.refunded")) {
        case("a header read once with two different values is malformed_header ($name)") {
            val upper = name.uppercase()
            val spellings = mapOf(
                "two spellings, original first" to LinkedHashMap(signed).apply { put(upper, other) },
                "two spellings, other first" to LinkedHashMap(mapOf(upper to other)).apply { putAll(signed) },
            )
            for ((shape, headers) in spellings) {
                val e = throws<WebhookException> { verifier.verify(BODY, headers, T) }
                eq(e.code(), "malformed_header", shape)
                check("more than once with different values" in e.message!!) { e.message!! }
                eq(code { verifier.verifyMulti(BODY, headers.mapValues { listOf(it.value) }, T) }, "malformed_header", "$shape, multi")
            }
            for (values in listOf(listOf(signed[name]!!, other), listOf(other, signed[name]!!))) {
                val multi = signed.mapValues { listOf(it.value) } + (name to values)
                eq(code { verifier.verifyMulti(BODY, multi, T) }, "malformed_header", "values $values")
            }
            eq(verifier.verify(BODY, signed + (upper to signed[name]!!), T).id, "msg_1", "the same value twice")
        }
    }
    case("Stripe's t= given twice with different values is malformed_header") {
        val header = Signer(STRIPE_SECRET, "stripe").sign(BODY, timestamp = T)["stripe-signature"]!!
        val stripe = Verifier(STRIPE_SECRET, "stripe")
        for (twice in listOf("t=${T + 1},$header", "$header,t=${T + 1}")) {
            eq(code { stripe.verify(BODY, mapOf("stripe-signature" to twice), T) }, "malformed_header", twice)
        }
        eq(stripe.verify(BODY, mapOf("stripe-signature" to "$header,t=$T"), T).timestamp, T, "t= twice alike")
    }
}

private fun typedEvents() {
    // (dialect, body, the key the error names)
    val repeated = listOf(
        Triple("hookwire", """{"type":"order.created","data":{"total_amount":null,"total_amount":2}}""", "data.total_amount"),
        Triple("hookwire", """{"type":"order.created","data":{"items":[{"price":null,"price":1}]}}""", "data.items[0].price"),
        Triple("hookwire", """{"id":null,"id":"evt_2","type":"user.login","data":{}}""", "body.id"),
        Triple("hookwire", """{"id":"evt_1","type":"user.login","type":"user.logout","data":{}}""", "body.type"),
        Triple("homechef", """{"event":"tip.received","timestamp":null,"timestamp":"2024-01-15T10:30:00Z","data":{}}""", "body.timestamp"),
        Triple("webnet", """{"event_type":"job.started","actor":{"username":null,"username":"x"},"job":{}}""", "body.actor.username"),
    )
    for ((dialect, body, key) in repeated) {
        case("a repeated key hookwire reads is invalid_payload naming it ($key)") {
            val e = throws<WebhookException> { parseEvent(body.encodeToByteArray(), dialect) }
            eq(e.code(), "invalid_payload", "code")
            check("`$key` appears more than once" in e.message!!) { e.message!! }
        }
    }
    case("a repeated key hookwire does not read keeps every copy") {
        val body = """{"id":"e1","type":"order.created","data":{"id":7,"note":"a","note":"b"},"trace":1,"trace":2}"""
        eq(parseEvent(body.encodeToByteArray()).toJson().decodeToString(), body, "written back")
    }

    val aura = """{"id":"e1","type":"order.updated","created":"2025-08-08T10:05:00Z","data":{"object":{"id":1},"previous_attributes":{"status":"pending"}}}"""
    for (own in listOf("""{"a":1}""", "5")) {
        case("an auraconnect body with its own data_extra is invalid_payload ($own)") {
            val body = aura.dropLast(1) + ""","data_extra":$own}"""
            val e = throws<WebhookException> { parseEvent(body.encodeToByteArray(), "auraconnect") }
            eq(e.code(), "invalid_payload", "code")
            check("`body.data_extra`" in e.message!!) { e.message!! }
        }
    }
    case("auraconnect data's siblings travel under data_extra and back") {
        val event = parseEvent(aura.encodeToByteArray(), "auraconnect")
        check(""""data_extra":{"previous_attributes":{"status":"pending"}}""" in event.toJson().decodeToString()) { "native" }
        eq(event.encode("auraconnect").decodeToString(), aura, "encoded")
    }
    for ((dataExtra, why) in listOf(""""data_extra":5""" to "must be an object", """"data_extra":{"object":2}""" to "cannot hold a second `object`")) {
        case("an event whose data_extra auraconnect cannot write is invalid_payload ($dataExtra)") {
            val event = parseEvent("""{"id":"e1","type":"order.updated","data":{"id":1},$dataExtra}""".encodeToByteArray())
            val e = throws<WebhookException> { event.encode("auraconnect") }
            eq(e.code(), "invalid_payload", "code")
            check(why in e.message!!) { e.message!! }
        }
    }

    // (digits, the Id Kotlin shows): beyond a Long, the digits as text.
    val ids = listOf(
        "18446744073709551616" to Id.Text("18446744073709551616"),
        "-9223372036854775809" to Id.Text("-9223372036854775809"),
        "1234567890123456789012345678901234567890" to Id.Text("1234567890123456789012345678901234567890"),
        "9223372036854775807" to Id.Integer(Long.MAX_VALUE),
        "-9223372036854775808" to Id.Integer(Long.MIN_VALUE),
    )
    for ((digits, id) in ids) {
        case("an integer id of any size keeps its digits ($digits)") {
            val body = """{"type":"user.created","data":{"user_id":$digits}}"""
            val event = parseEvent(body.encodeToByteArray())
            val user = (event.data() as EventData.UserEvent).user
            eq(user.userId, id, "id")
            eq(user.userId?.text(), digits, "text")
            eq(event.dataJson(), """{"user_id":$digits}""", "data json")
            eq(event.toJson().decodeToString(), body, "written back")
            eq(parseEvent(event.encode("webnet"), "webnet").dataJson(), """{"user_id":$digits}""", "webnet")
        }
    }
}

private fun urlGuard() {
    val loopback = listOf(
        "http://localhost4.localdomain4/", "http://localhost6.localdomain6/", "http://LOCALHOST4.LOCALDOMAIN4./",
        "http://localhost6.localdomain6:8080/", "http://db.localdomain4/",
    )
    for (url in loopback) {
        case("Red Hat's loopback names are blocked ($url)") {
            eq(code { UrlGuard().checkUrl(url) }, "blocked_url", url)
            eq(code { UrlGuard().checkUrl(url.replace("http:", "https:")) }, "blocked_url", "https")
        }
    }
    val credentials = listOf(
        "http://user:hunter2-p4ss word@example.com/",
        "http://user:hunter2-p4ss@exa mple.com/",
        "https://user:hunter2-p4ss/x@example.com/",
        "user:hunter2-p4ss@example.com",
        "http://user:hunter2-p4ss@127.0.0.1/",
        "http://user:hunter2-p4ss@localhost4.localdomain4/",
        "http://x@y:hunter2-p4ss@example.com:99999/",
    )
    for (url in credentials) {
        case("no URL error shows the credentials ($url)") {
            val e = throws<WebhookException> { UrlGuard().checkUrl(url) }
            eq(e.code(), "blocked_url", "code")
            check("hunter2" !in e.message!! && "hunter2" !in e.toString()) { e.message!! }
            try {
                Endpoint(url, listOf(SW_SECRET))
            } catch (e: WebhookException) {
                check("hunter2" !in e.message!!) { e.message!! }
            }
        }
    }
}

/** §8: a value of the right type that no verifier can use is invalid_argument naming it. */
private fun wrongValues() {
    val refusals: List<Pair<String, () -> Unit>> = listOf(
        "tolerance" to { Verifier(SW_SECRET, tolerance = -1L) },
        "max_body" to { Verifier(SW_SECRET, maxBody = -1L) },
        "replay_capacity" to { Verifier(SW_SECRET, replayCapacity = -1L) },
        "tolerance" to { Verifier.withSecrets(listOf(Secret(SW_SECRET)), tolerance = Long.MIN_VALUE) },
    )
    for ((argument, build) in refusals) {
        case("a negative $argument is invalid_argument naming it") {
            val error = throws<WebhookException> { build() }
            eq(error.code(), "invalid_argument", "code")
            check(error.message.orEmpty().contains(argument)) { "message names `$argument`: ${error.message}" }
        }
    }
    case("zero tolerance and zero max_body are values, not errors") {
        val signed = Signer(SW_SECRET, "hookwire").sign(BODY, "m1", T)
        eq(Verifier(SW_SECRET, tolerance = 0L).verify(BODY, signed, T).id, "m1", "tolerance 0 at the signing second")
        eq(code { Verifier(SW_SECRET, maxBody = 0L).verify(BODY, signed, T) }, "payload_too_large", "max_body 0")
    }
}
