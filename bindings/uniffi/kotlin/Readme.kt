// The Kotlin blocks of bindings/uniffi/README.md, as written: `make test-kotlin` extracts them
// (tests/readme/snippets.py) and compiles them with this suite; here they are driven with real
// signed requests, every answer checked. The Gradle block cannot be built here (no Gradle, no
// Maven Central): the JNA version it names must be the one this suite runs with.
package hookwire.tests

import example.claims.retries
import example.receive.receive as quickstartReceive
import example.send.sendOnce
import example.server.start
import hookwire.*
import java.io.File
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse

private val ORDER = """{"id":"evt_1","type":"order.created","data":{"id":1001,"total_amount":45.99}}""".encodeToByteArray()
private val AURA =
    """{"id":"evt_2","type":"order.created","created":"2025-08-08T10:00:00Z","data":{"object":{"id":1}}}""".encodeToByteArray()
private val BIG = ("""{"type":"x","data":"""" + "a".repeat(1 shl 20) + """"}""").encodeToByteArray()

/** One of each way a request can end: what, body, headers, status, what the answer says. */
private fun cases(secret: String, valid: Int, replayed: String): List<Triple<String, Pair<ByteArray, Map<String, String>>, Pair<Int, String>>> {
    val now = System.currentTimeMillis() / 1000
    val run = java.util.UUID.randomUUID().toString().take(8)
    val signer = Signer(secret)
    fun sign(body: ByteArray, id: String, timestamp: Long = now) = signer.sign(body, "${id}_$run", timestamp)
    return listOf(
        Triple("valid", ORDER to sign(ORDER, "a"), valid to ""),
        Triple("the same request again", ORDER to sign(ORDER, "a"), 200 to replayed),
        Triple("forged: another body under the signature", ORDER.copyOf().also { it[it.size - 3] = '0'.code.toByte() } to sign(ORDER, "b"), 401 to "invalid_signature"),
        Triple("stale: signed ten minutes ago", ORDER to sign(ORDER, "c", now - 600), 401 to "timestamp_too_old"),
        Triple("oversized", BIG to sign(BIG, "d"), 413 to "payload_too_large"),
        Triple("unsigned", ORDER to emptyMap(), 400 to "missing_header"),
        Triple("another system's envelope", AURA to sign(AURA, "e"), 400 to "invalid_payload"),
        // Answered 400, so its claim was released: the same again is verified again (not 409, not 200).
        Triple("another system's envelope, again", AURA to sign(AURA, "e"), 400 to "invalid_payload"),
    )
}

fun readme() {
    val secret = System.getenv("WEBHOOK_SECRET") ?: error("make test-kotlin sets WEBHOOK_SECRET")
    case("README: the quickstart's receive answers every code with its status") {
        for ((what, request, expected) in cases(secret, 204, "")) {
            eq(quickstartReceive(request.first, request.second), expected.first, what)
        }
    }
    case("README: the quickstart's store is the SQLite file REPLAY_STORE names") {
        val url = System.getenv("REPLAY_STORE") ?: error("make test-kotlin sets REPLAY_STORE")
        check(url.startsWith("sqlite:///")) { url }
        check(File(url.removePrefix("sqlite://")).length() > 0) { "the quickstart claimed nothing in $url" }
    }
    case("README: the claim block answers a message and its retries, on memory and SQLite") {
        val expected = listOf("replay_in_progress 409", "released true", "committed true", "replayed 200")
        eq(retries(SeenStore.memory(100)), expected, "memory")
        val file = java.nio.file.Files.createTempDirectory("hookwire-readme").resolve("replay.db").toString()
        eq(retries(SeenStore.sqlite(file)), expected, "sqlite")
    }
    case("README: the JDK server answers every code with its status, over HTTP") {
        val file = java.nio.file.Files.createTempDirectory("hookwire-readme").resolve("replay.db").toString()
        val server = start(0, secret, SeenStore.sqlite(file))
        try {
            val url = "http://127.0.0.1:${server.address.port}/webhooks"
            val client = HttpClient.newHttpClient()
            for ((what, request, expected) in cases(secret, 204, "replayed")) {
                val builder = HttpRequest.newBuilder(URI(url)).POST(HttpRequest.BodyPublishers.ofByteArray(request.first))
                request.second.forEach { (name, value) -> builder.header(name, value) }
                val response = client.send(builder.build(), HttpResponse.BodyHandlers.ofString())
                eq(response.statusCode(), expected.first, what)
                check(response.body().contains(expected.second)) { "$what: ${response.body()}" }
            }
            // The sender block delivers to it, signed with both secrets of a rotation: succeeded;
            // a private address is refused before sending unless allowed.
            val endpoint = Endpoint(url, listOf(Secret.generate().exposeText()!!, secret), allowPrivate = true)
            val delivery = Delivery("msg_readme_${System.nanoTime()}", java.time.Instant.now())
            eq(sendOnce(endpoint, delivery, ORDER), "succeeded", "the sender's delivery")
            eq(delivery.attempts().single().status, 204, "answered 204")
            val internal = Endpoint("http://10.0.0.1/webhooks", listOf(secret))
            throws<WebhookException.BlockedUrl> { sendOnce(internal, Delivery("msg_x", java.time.Instant.now()), ORDER) }
        } finally {
            server.stop(0)
        }
    }
    case("README: the Gradle block names the JNA this suite runs with") {
        val readme = File("bindings/uniffi/README.md").readText()
        val named = Regex("""net\.java\.dev\.jna:jna:([0-9.]+)"""").findAll(readme).map { it.groupValues[1] }.toSet()
        eq(named, setOf(com.sun.jna.Native.VERSION), "JNA versions in the README")
    }
}
