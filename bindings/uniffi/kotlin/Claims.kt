// Replay claims from Kotlin, on a memory store and a SQLite file: a duplicate while the first is
// handled is in progress (409), a committed message is replayed (200), a released one lets the
// retry through, a claim lapses after the claim time, and a lost claim's commit is false and
// changes nothing.
package hookwire.tests

import hookwire.*
import java.nio.file.Files

private const val SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
private const val T = 1_700_000_000L
private val BODY = """{"id":"evt_1","type":"order.created","data":{}}""".encodeToByteArray()

private fun signed(id: String = "msg_1") = Signer(SECRET).sign(BODY, id, T)

private fun code(body: () -> Unit): String =
    try {
        body()
        "accepted"
    } catch (e: WebhookException) {
        e.code()
    }

fun claims() {
    val folder = Files.createTempDirectory("hookwire-claims")
    var opened = 0
    val stores = mapOf<String, () -> SeenStore>(
        "memory" to { SeenStore.memory(1000) },
        "sqlite" to { SeenStore.sqlite(folder.resolve("replay-${opened++}.db").toString()) },
    )
    for ((kind, open) in stores) {
        case("$kind: a duplicate while the first is handled is in progress (409)") {
            val v = Verifier(SECRET, seenStore = open())
            val first = v.verify(BODY, signed(), T)
            eq(first.claim?.claimUntil(), T + 60, "claimed until")
            eq(code { v.verify(BODY, signed(), T + 1) }, "replay_in_progress", "duplicate")
            eq(responseStatus("replay_in_progress").toInt(), 409, "status")
        }
        case("$kind: a committed message is replayed until its window ends (200)") {
            val v = Verifier(SECRET, seenStore = open())
            eq(v.verify(BODY, signed(), T).commit(), true, "commit")
            eq(code { v.verify(BODY, signed(), T + 300) }, "replayed", "last second")
            eq(code { v.verify(BODY, signed(), T + 301) }, "timestamp_too_old", "after the window")
        }
        case("$kind: a released message lets the sender's retry through") {
            val v = Verifier(SECRET, seenStore = open())
            val failed = v.verify(BODY, signed(), T)
            eq(failed.release(), true, "released")
            eq(failed.release(), false, "released once")
            val retry = v.verify(BODY, signed(), T + 2)
            eq(retry.claim?.commit(), true, "the retry commits")
        }
        case("$kind: a claim lapses after the claim time") {
            val v = Verifier(SECRET, seenStore = open(), claimTtl = 30)
            v.verify(BODY, signed(), T) // its handler died
            eq(code { v.verify(BODY, signed(), T + 29) }, "replay_in_progress", "before")
            eq(code { v.verify(BODY, signed(), T + 30) }, "accepted", "at the claim time")
        }
        case("$kind: a lost claim's commit is false and changes nothing") {
            val v = Verifier(SECRET, seenStore = open())
            val slow = v.verify(BODY, signed(), T)
            val retry = v.verify(BODY, signed(), T + 61)
            eq(slow.claim!!.commit(T + 62), false, "late commit")
            eq(slow.release(), false, "late release")
            eq(code { v.verify(BODY, signed(), T + 63) }, "replay_in_progress", "the retry holds it")
            eq(retry.claim!!.commit(T + 63), true, "the retry commits")
            eq(code { v.verify(BODY, signed(), T + 64) }, "replayed", "done")
        }
    }
    case("sqlite: two handles on one file share its claims") {
        val path = folder.resolve("shared.db").toString()
        val first = Verifier(SECRET, seenStore = SeenStore.sqlite(path, namespace = "shop"))
        val second = Verifier(SECRET, seenStore = SeenStore.sqlite(path, namespace = "shop"))
        val message = first.verify(BODY, signed(), T)
        eq(code { second.verify(BODY, signed(), T + 1) }, "replay_in_progress", "in progress")
        message.commit()
        eq(code { second.verify(BODY, signed(), T + 2) }, "replayed", "committed")
    }
    case("without a store nothing is claimed") {
        val message = Verifier(SECRET).verify(BODY, signed(), T)
        eq(message.claim, null, "claim")
        eq(message.commit(), false, "commit")
        eq(message.release(), false, "release")
    }
    case("store arguments are checked") {
        eq(code { SeenStore.memory(-1) }, "invalid_argument", "capacity")
        eq(code { SeenStore.sqlite(folder.resolve("x.db").toString(), namespace = "no-dashes") }, "invalid_argument", "namespace")
        eq(code { SeenStore.open("mysql://db/app") }, "invalid_argument", "url")
        eq(code { Verifier(SECRET, claimTtl = -1) }, "invalid_argument", "claim ttl")
        eq(code { Verifier(SECRET, replayCapacity = 1, seenStore = SeenStore.memory(1)) }, "invalid_argument", "both")
        eq(SeenStore.open("memory").kind(), "memory", "by url")
    }
}
