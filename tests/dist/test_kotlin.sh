#!/usr/bin/env bash
# The jar in dist/kotlin on the classpath of a tiny Kotlin program compiled and run in an empty
# folder outside the repository, with cargo and rustc off PATH and no jna.library.path: the
# native library can only come from the jar (JNA extracts it from its platform folder).
# Usage: KOTLIN_HOME=... JNA_JAR=... tests/dist/test_kotlin.sh DIST_KOTLIN_DIR
source "$(dirname "$0")/lib.sh"
scratch
jar=$(one "$1/hookwire-*.jar")
version=$(basename "$jar" .jar); version=${version#hookwire-}

step "$(basename "$jar"): its files"
listing=$(python3 -c 'import sys, zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$jar")
for need in hookwire/Verifier.class hookwire/Signer.class hookwire/hookwire_ffi.kt META-INF/MANIFEST.MF LICENSE-MIT LICENSE-APACHE; do
  grep -qx "$need" <<<"$listing" || { echo "missing from the jar: $need" >&2; exit 1; }
done
native=$(grep -E '^[a-z0-9-]+/libhookwire_ffi\.(so|dylib)$|^[a-z0-9-]+/hookwire_ffi\.dll$' <<<"$listing") \
  || { echo "no native library in the jar" >&2; exit 1; }
python3 -c 'import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).read("META-INF/MANIFEST.MF").decode())' "$jar" | tr -d "\r" | grep -qx "Implementation-Version: $version" \
  || { echo "the jar's manifest does not say version $version" >&2; exit 1; }
echo "ok   $(wc -l <<<"$listing") entries, $native among them"

mkdir "$SCRATCH/app" && cd "$SCRATCH/app"
cat > Main.kt <<'KT'
import hookwire.*

fun main() {
    val secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    val body = """{"type":"order.created","data":{"id":1001,"total_amount":45.99}}""".toByteArray()
    val headers = Signer(secret, scheme = "standard-webhooks").sign(body, msgId = "msg_1")
    val message = Verifier(secret, scheme = "standard-webhooks").verify(body, headers)
    check(message.id == "msg_1") { "id: ${message.id}" }
    val event = message.event()
    val data = event.data()
    check(event.type() == "order.created" && data is EventData.OrderEvent && data.order.totalAmount == "45.99") { "event: $event" }
    try {
        Verifier(secret, scheme = "standard-webhooks").verify("{}".toByteArray(), headers)
        error("another body was accepted")
    } catch (e: WebhookException.InvalidSignature) {
        check(e.code() == "invalid_signature")
    }
    println("ok   kotlin: verified, typed ${event.type()}, native library from the jar")
}
KT
step "kotlinc + java in $SCRATCH/app (no Rust on PATH, no jna.library.path)"
without_rust "$KOTLIN_HOME/bin/kotlinc" -nowarn -cp "$jar:$JNA_JAR" -d classes Main.kt
without_rust java -cp "classes:$jar:$JNA_JAR:$KOTLIN_HOME/lib/kotlin-stdlib.jar" MainKt
