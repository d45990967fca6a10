#!/usr/bin/env bash
# All tests: unit tests, then integration tests against a real Docker engine.
# On a fresh Debian machine with Node it sets everything up itself: npm
# packages, the Docker engine and Compose v2, the fixture images.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -d node_modules ] || npm ci --no-audit --no-fund
# The integration tests run dist/ as the runner does: build it from the sources.
npm run build
bash scripts/build-fixtures.sh

results=$(mktemp)
status=0
NODE_OPTIONS=--experimental-vm-modules npx jest --json --outputFile="$results" "$@" || status=$?
# A plain closing line that any CI reads, whatever the test runner.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))
  console.log(`\n${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`)
' "$results"
exit "$status"
