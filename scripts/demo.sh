#!/usr/bin/env bash
# Runs the action, as a GitHub runner would, on the bundled demo stack: it boots
# the stack, checks the tunnel, prints the log and outputs, and tears it down.
# Installs the Docker engine, Compose v2 and the demo images first if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-fixtures.sh
node scripts/run-action.mjs working-directory=fixtures/stacks/demo probe-targets=10.8.0.10 health-timeout=120 "$@"
