// The Kotlin suite: `java ... hookwire.tests.MainKt [vectors dir]`; exits 1 if a case failed.
package hookwire.tests

import java.io.File
import kotlin.system.exitProcess

fun main(args: Array<String>) {
    val vectors = File(args.firstOrNull() ?: "tests/vectors")
    case("the shared vectors load") { runVectors(vectors) }
    signAndVerify()
    errors()
    events()
    delivery()
    endpoints()
    hardening()
    coreFixes()
    coreRules()
    claims()
    readme()
    println("${Results.passed} passed, ${Results.failed} failed")
    exitProcess(if (Results.failed == 0) 0 else 1)
}
