#!/usr/bin/env bash
# All tests: unit tests, then the integration tests against a real Docker
# engine, on each engine the README lists as tested: Engine 20.10 (Debian 12)
# and Engine 26 (Debian 13's, run beside it in its own network namespace).
# On a fresh Debian machine with Node it sets everything up itself: npm
# packages, both engines and Compose v2, the fixture images on each.
#
#   npm test                         everything, on both engines
#   OTC_ENGINES=20 npm test          only on Engine 20.10
#   npm test -- path/to/a.test.ts    jest's own arguments pass through
set -euo pipefail
cd "$(dirname "$0")/.."

[ -d node_modules ] || npm ci --no-audit --no-fund
# The integration tests run dist/ as the runner does: build it from the sources.
npm run build

results=$(mktemp -d)
status=0
engines=${OTC_ENGINES:-20 26}
first=1
for engine in $engines; do
  host=$(bash scripts/use-engine.sh "$engine")
  echo "── Engine $engine ($(DOCKER_HOST=$host docker version -f '{{.Server.Version}}'), Compose $(DOCKER_HOST=$host docker compose version --short))"
  # Unit tests do not depend on the engine: they run once, with the first.
  projects=(--selectProjects integration)
  [ "$first" = 1 ] && projects=()
  first=0
  DOCKER_HOST=$host NODE_OPTIONS=--experimental-vm-modules \
    npx jest "${projects[@]}" --json --outputFile="$results/engine-$engine.json" "$@" || status=$?
done

# One plain closing line that any CI reads, whatever the test runner.
node -e '
  const fs = require("fs"), path = require("path")
  const dir = process.argv[1]
  const runs = fs.readdirSync(dir).map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")))
  const sum = (key) => runs.reduce((n, r) => n + r[key], 0)
  // Jest writes no results when it cannot (a test left a circular error behind): say so.
  const missing = process.argv[2].split(/\s+/).filter(Boolean).filter((e) => !fs.existsSync(path.join(dir, `engine-${e}.json`)))
  const lost = missing.length ? `; no results from Engine ${missing.join(", ")}` : ""
  console.log(`\n${sum("numPassedTests")} passed, ${sum("numFailedTests")} failed, ${sum("numPendingTests")} skipped${lost}`)
' "$results" "$engines"
exit "$status"
