// A small JSON reader for the shared vectors (the JDK and the Kotlin stdlib have none).
// Objects keep their key order; numbers are BigDecimal so that comparisons are exact.
package hookwire.tests

import java.math.BigDecimal

class JsonReader(private val text: String) {
    private var at = 0

    fun read(): Any? {
        val value = value()
        space()
        if (at != text.length) fail("trailing characters")
        return value
    }

    private fun fail(what: String): Nothing = throw IllegalArgumentException("JSON: $what at $at")

    private fun space() {
        while (at < text.length && text[at] in " \t\r\n") at++
    }

    private fun value(): Any? {
        space()
        if (at >= text.length) fail("unexpected end")
        return when (text[at]) {
            '{' -> obj()
            '[' -> array()
            '"' -> string()
            't' -> word("true", true)
            'f' -> word("false", false)
            'n' -> word("null", null)
            else -> number()
        }
    }

    private fun word(word: String, value: Any?): Any? {
        if (!text.startsWith(word, at)) fail("unexpected word")
        at += word.length
        return value
    }

    private fun obj(): Map<String, Any?> {
        val map = LinkedHashMap<String, Any?>()
        at++
        space()
        if (text[at] == '}') { at++; return map }
        while (true) {
            space()
            if (text[at] != '"') fail("expected a key")
            val key = string()
            space()
            if (text[at] != ':') fail("expected ':'")
            at++
            map[key] = value()
            space()
            when (text[at]) {
                ',' -> at++
                '}' -> { at++; return map }
                else -> fail("expected ',' or '}'")
            }
        }
    }

    private fun array(): List<Any?> {
        val list = ArrayList<Any?>()
        at++
        space()
        if (text[at] == ']') { at++; return list }
        while (true) {
            list.add(value())
            space()
            when (text[at]) {
                ',' -> at++
                ']' -> { at++; return list }
                else -> fail("expected ',' or ']'")
            }
        }
    }

    private fun string(): String {
        val out = StringBuilder()
        at++
        while (true) {
            if (at >= text.length) fail("unterminated string")
            val c = text[at++]
            when (c) {
                '"' -> return out.toString()
                '\\' -> {
                    val e = text[at++]
                    when (e) {
                        '"', '\\', '/' -> out.append(e)
                        'b' -> out.append('\b')
                        'f' -> out.append('\u000c')
                        'n' -> out.append('\n')
                        'r' -> out.append('\r')
                        't' -> out.append('\t')
                        'u' -> { out.append(text.substring(at, at + 4).toInt(16).toChar()); at += 4 }
                        else -> fail("bad escape")
                    }
                }
                else -> out.append(c)
            }
        }
    }

    private fun number(): BigDecimal {
        val start = at
        while (at < text.length && text[at] in "+-0123456789.eE") at++
        if (start == at) fail("unexpected character '${text[start]}'")
        return BigDecimal(text.substring(start, at))
    }
}

fun parseJson(text: String): Any? = JsonReader(text).read()

/** JSON equality: objects regardless of key order, numbers by value (1 == 1.0, as in Python). */
fun jsonEquals(a: Any?, b: Any?): Boolean = when {
    a is BigDecimal && b is BigDecimal -> a.compareTo(b) == 0
    a is Map<*, *> && b is Map<*, *> -> a.keys == b.keys && a.keys.all { jsonEquals(a[it], b[it]) }
    a is List<*> && b is List<*> -> a.size == b.size && a.indices.all { jsonEquals(a[it], b[it]) }
    else -> a == b
}

/** The value at a JSON pointer (`/data/items/0/price`). */
fun pointer(document: Any?, path: String): Any? {
    var at = document
    for (raw in path.removePrefix("/").split("/")) {
        val part = raw.replace("~1", "/").replace("~0", "~")
        at = when (at) {
            is List<*> -> at[part.toInt()]
            is Map<*, *> -> { if (!at.containsKey(part)) throw AssertionError("no `$part` in $path"); at[part] }
            else -> throw AssertionError("$path: `$part` inside a scalar")
        }
    }
    return at
}

@Suppress("UNCHECKED_CAST")
fun Any?.obj(): Map<String, Any?> = this as Map<String, Any?>

@Suppress("UNCHECKED_CAST")
fun Any?.list(): List<Any?> = this as List<Any?>

fun Any?.str(): String? = this as String?

fun Any?.long(): Long? = (this as BigDecimal?)?.longValueExact()
