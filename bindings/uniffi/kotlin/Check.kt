// A tiny test harness: named cases, assertions that say what differed, and a summary line.
package hookwire.tests

object Results {
    var passed = 0
    var failed = 0
}

/** Runs one case; a thrown assertion or exception fails it and the run goes on. */
fun case(name: String, body: () -> Unit) {
    try {
        body()
        Results.passed++
    } catch (e: Throwable) {
        Results.failed++
        println("FAIL $name: $e")
    }
}

fun check(condition: Boolean, message: () -> String = { "check failed" }) {
    if (!condition) throw AssertionError(message())
}

fun <T> eq(actual: T, expected: T, what: String = "value") {
    if (actual != expected) throw AssertionError("$what: expected <$expected>, got <$actual>")
}

/** Runs [body] and returns the exception of type [E] it threw; fails if it threw nothing or something else. */
inline fun <reified E : Throwable> throws(body: () -> Unit): E {
    try {
        body()
    } catch (e: Throwable) {
        if (e is E) return e
        throw AssertionError("expected ${E::class.java.simpleName}, got $e")
    }
    throw AssertionError("expected ${E::class.java.simpleName}, nothing was thrown")
}
