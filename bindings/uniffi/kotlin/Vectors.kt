// Every case of the shared vectors (tests/vectors/*.json), as the Rust and Python suites run them.
package hookwire.tests

import hookwire.*
import java.io.File
import java.math.BigDecimal
import java.util.Base64

private fun bodyOf(case: Map<String, Any?>): ByteArray =
    case["body_base64"]?.let { Base64.getDecoder().decode(it.str()) } ?: case["body"].str()!!.encodeToByteArray()

/** The result of [run], or `{"error": code}` for a hookwire failure. */
private fun outcome(run: () -> Map<String, Any?>): Map<String, Any?> = try {
    run()
} catch (e: WebhookException) {
    mapOf("error" to e.code())
}

private fun num(value: Long?): BigDecimal? = value?.let { BigDecimal.valueOf(it) }

private fun expectEqual(name: String, got: Any?, want: Any?) {
    check(jsonEquals(got, want)) { "$name: expected $want, got $got" }
}

fun signatureVectors(cases: List<Any?>) {
    for (raw in cases) {
        val case = raw.obj()
        val name = "signatures/${case["name"]}"
        val secrets = { case["secrets"].list().map { Secret(it.str()!!) } }
        val body = bodyOf(case)
        when (case["op"]) {
            "verify" -> case(name) {
                val pairs = case["headers"].list().map { it.list()[0].str()!! to it.list()[1].str()!! }
                val verify = { call: (Verifier) -> Message ->
                    outcome {
                        val verifier = Verifier.withSecrets(
                            secrets(), case["scheme"].str()!!, case["tolerance"].long(), case["max_body"].long(),
                        )
                        val message = call(verifier)
                        check(message.body.contentEquals(body)) { "the body changed" }
                        mapOf(
                            "ok" to true,
                            "id" to message.id,
                            "timestamp" to num(message.timestamp),
                            "timestamp_signed" to message.timestampSigned,
                            "event_type" to message.eventType,
                            "secret_index" to num(message.secretIndex),
                        )
                    }
                }
                val now = case["now"].long()
                val multi = LinkedHashMap<String, MutableList<String>>()
                for ((header, value) in pairs) multi.getOrPut(header) { mutableListOf() }.add(value)
                expectEqual("verifyMulti", verify { it.verifyMulti(body, multi, now) }, case["expect"])
                // One value per name: the same answer wherever no header repeats.
                if (pairs.map { it.first.lowercase() }.toSet().size == pairs.size) {
                    expectEqual("verify", verify { it.verify(body, pairs.toMap(), now) }, case["expect"])
                }
            }
            "sign" -> case(name) {
                val got = outcome {
                    val signer = Signer.withSecrets(secrets(), case["scheme"].str()!!)
                    val headers = signer.sign(body, case["id"].str(), case["timestamp"].long(), case["event_type"].str())
                    mapOf("headers" to headers.entries.map { listOf(it.key, it.value) }.sortedBy { it[0] + "\u0000" + it[1] })
                }
                var want = case["expect"].obj()
                want["headers"]?.let { headers ->
                    val lowered = headers.list().map { listOf(it.list()[0].str()!!.lowercase(), it.list()[1]) }
                    want = mapOf("headers" to lowered.sortedBy { it[0].str() + "\u0000" + it[1].str() })
                }
                expectEqual(name, got, want)
            }
            else -> case(name) { throw AssertionError("unknown op ${case["op"]}") }
        }
    }
}

fun eventVectors(cases: List<Any?>) {
    for (raw in cases) {
        val case = raw.obj()
        case("events/${case["name"]}") {
            val body = case["body"].str()!!
            val expect = case["expect"].obj()
            val event = try {
                parseEvent(body.encodeToByteArray(), case["dialect"].str()!!, case["type_hint"].str(), case["strict"] as Boolean)
            } catch (e: WebhookException) {
                eq(mapOf("error" to e.code()), expect, "error")
                return@case
            }
            check("error" !in expect) { "expected $expect, got an event" }
            eq(listOf(event.type(), event.family(), event.id()), listOf(expect["type"], expect["family"], expect["id"]), "type, family, id")
            // Typed families have their record; only the other family is JSON text.
            eq(event.data() is EventData.OtherEvent, event.family() == "other", "OtherEvent data for ${event.family()}")
            val native = parseJson(event.toJson().decodeToString())
            for ((path, value) in expect["fields"].obj()) {
                expectEqual(path, pointer(native, path), value)
            }
            if (expect["round_trip"] == true) {
                val encoded = event.encode(case["dialect"].str()!!).decodeToString()
                expectEqual("round trip", parseJson(encoded), parseJson(body))
            }
        }
    }
}

fun runVectors(dir: File) {
    val signatures = parseJson(File(dir, "signatures.json").readText()).obj()["cases"].list()
    val events = parseJson(File(dir, "events.json").readText()).obj()["cases"].list()
    check(signatures.size > 300 && events.size > 90) { "vectors missing" }
    signatureVectors(signatures)
    eventVectors(events)
}
