#!/usr/bin/env bash
# The npm tarball in dist/node, installed with `npm install ./hookwire-x.y.z.tgz` into an empty
# project outside the repository with cargo and rustc off PATH; used from `require` (CommonJS) and
# `import` (ESM); its types found by `tsc` (strict, NodeNext) in a TypeScript file of that project.
# Usage: tests/dist/test_node.sh DIST_NODE_DIR NODE_BINDING_DIR
source "$(dirname "$0")/lib.sh"
scratch
tarball=$(one "$1/hookwire-*.tgz")
binding=$(cd "$2" && pwd)

step "$(basename "$tarball"): its files"
listing=$(tar -tzf "$tarball")
for need in package/package.json package/index.js package/index.mjs package/index.d.ts package/native.js \
    package/lib/api.d.ts package/LICENSE-MIT package/LICENSE-APACHE; do
  grep -qx "$need" <<<"$listing" || { echo "missing from the tarball: $need" >&2; exit 1; }
done
addon=$(grep -E '^package/hookwire\..*\.node$' <<<"$listing") || { echo "no prebuilt addon in the tarball" >&2; exit 1; }
echo "ok   $(wc -l <<<"$listing") files, the addon $addon among them"

# The project's own tools, as its author would add them: TypeScript and Node's types, at the
# versions the binding's suite uses (from npm's cache when it has them).
ts_version=$(node -p "require('$binding/node_modules/typescript/package.json').version")
types_version=$(node -p "require('$binding/node_modules/@types/node/package.json').version")

step "npm install the tarball into an empty project (no Rust on PATH)"
mkdir "$SCRATCH/app" && cd "$SCRATCH/app"
printf '{ "name": "app", "version": "1.0.0", "private": true }\n' > package.json
without_rust npm install --silent --no-audit --no-fund --prefer-offline "$tarball" \
  "typescript@$ts_version" "@types/node@$types_version"
test ! -e node_modules/hookwire/target || { echo "the install built something" >&2; exit 1; }

cat > use.cjs <<'JS'
const assert = require('node:assert/strict')
const hookwire = require('hookwire')
const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const body = JSON.stringify({ type: 'order.created', data: { id: 1001, total_amount: 45.99 } })
const headers = new hookwire.Signer(secret).sign(body, { id: 'msg_1' })
const message = new hookwire.Verifier(secret).verify(body, headers)
assert.equal(message.id, 'msg_1')
assert.equal(message.event.type, 'order.created')
assert.throws(() => new hookwire.Verifier(secret).verify('{}', headers), (err) => err.code === 'invalid_signature')
assert.ok(require.resolve('hookwire').startsWith(process.cwd()))
console.log('ok   require: verified and typed', message.event.type)
JS
cat > use.mjs <<'JS'
import assert from 'node:assert/strict'
import hookwire, { Verifier, Signer, parseEvent, InvalidPayload } from 'hookwire'
const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const body = '{"type":"user.created","data":{"user_id":7}}'
const message = new Verifier(secret).verify(body, new Signer(secret).sign(body))
assert.equal(message.event.type, 'user.created')
assert.equal(parseEvent(body).type, 'user.created')
assert.throws(() => parseEvent('[]'), InvalidPayload)
assert.equal(hookwire.Verifier, Verifier)
console.log('ok   import: verified and typed', parseEvent(body).type)
JS
cat > use.ts <<'TS'
import { Signer, Verifier, parseEvent, WebhookError } from 'hookwire'
const secret: string = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const body = '{"type":"order.created","data":{"id":1001}}'
const headers: Record<string, string> = new Signer(secret).sign(body)
const type = new Verifier(secret).verify(body, headers).event.type
const error: WebhookError | null = null
// Not in the types: tsc must refuse this line, which proves it read them.
// @ts-expect-error
new Verifier(secret).verifyy(body, headers)
console.log(type, parseEvent(body).type, error)
TS
cat > tsconfig.json <<'JSON'
{
  "compilerOptions": {
    "strict": true, "noEmit": true, "target": "ES2022", "module": "NodeNext",
    "moduleResolution": "NodeNext", "types": ["node"], "skipLibCheck": false
  },
  "files": ["use.ts"]
}
JSON
step "require, import, tsc in $SCRATCH/app"
without_rust node use.cjs
without_rust node use.mjs
without_rust node_modules/.bin/tsc -p tsconfig.json
echo "ok   tsc: the package's types found and checked (strict)"
