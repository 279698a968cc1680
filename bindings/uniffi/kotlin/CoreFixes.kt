// Issue 11's core fixes seen from Kotlin: what the catalogue found through this binding stays
// fixed here (each accepted message is committed, as its handler would).
package hookwire.tests

import hookwire.*

private const val OLD = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
private const val NEW = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
private const val T = 1_700_000_000L
private val BODY = """{"id":"evt_1","type":"order.created"}""".encodeToByteArray()

private fun sign(secrets: List<String>, scheme: String): Map<String, String> =
    Signer.withSecrets(secrets.map { Secret(it) }, scheme).sign(BODY, "msg_1", T, "order.created")

private fun verifier(scheme: String = "hookwire", tolerance: Long? = null) =
    Verifier.withSecrets(listOf(Secret(OLD), Secret(NEW)), scheme, tolerance, replayCapacity = 100)

private fun code(body: () -> Unit): String = throws<WebhookException> { body() }.code()

fun coreFixes() {
    for (tolerance in listOf(300L, 1L, 0L)) {
        case("a replay in the last second of the window is refused (tolerance $tolerance)") {
            val v = verifier(tolerance = tolerance)
            val headers = sign(listOf(OLD), "hookwire")
            check(v.verify(BODY, headers, T).commit()) { "committed" }
            eq(code { v.verify(BODY, headers, T + tolerance) }, "replayed", "last second")
            eq(code { v.verify(BODY, headers, T + tolerance + 1) }, "timestamp_too_old", "after it")
        }
    }
    for (scheme in schemes()) {
        case("a rotation does not open a replay through the other signature ($scheme)") {
            val v = verifier(scheme)
            val both = sign(listOf(OLD, NEW), scheme)
            check(v.verify(BODY, both, T).commit()) { "committed" }
            eq(code { v.verify(BODY, both, T + 1) }, "replayed", "again")
            // The same message with only the second secret's signature left in the header.
            val oldOnly = sign(listOf(OLD), scheme)
            val newOnly = sign(listOf(NEW), scheme)
            val signature = both.keys.single { oldOnly[it] != newOnly[it] }
            val trimmed = both + (signature to newOnly[signature]!!)
            eq(Verifier(NEW, scheme).verify(BODY, trimmed, T).secretIndex, 0L, "the second signature verifies")
            eq(code { v.verify(BODY, trimmed, T + 2) }, "replayed", "trimmed to the second signature")
        }
        case("a broken copy never drops the real message ($scheme)") {
            val genuine = sign(listOf(OLD), scheme)
            for (header in genuine.keys) {
                for (broken in listOf("", "caf\u00e9")) {
                    val v = verifier(scheme)
                    val refused = try {
                        v.verify(BODY, genuine + (header to broken), T)
                        false
                    } catch (e: WebhookException) {
                        true
                    }
                    // Refused: the genuine delivery must still get through, not be called a replay.
                    if (refused) eq(v.verify(BODY, genuine, T).secretIndex, 0L, "$header=\"$broken\"")
                }
            }
        }
    }
}
