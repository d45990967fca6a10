#!/usr/bin/env bash
# Get an engine ready for the test suite and print the DOCKER_HOST that selects it.
#
#   scripts/use-engine.sh 20        engine 20.10 (the default one) with the fixture images
#   scripts/use-engine.sh 26        Engine 26 next to it, with the same fixture images
#   scripts/use-engine.sh --stop 26 stop Engine 26 (its images and volumes are kept)
#
# Only the DOCKER_HOST value goes to stdout, so a caller can do
#   export DOCKER_HOST=$(bash scripts/use-engine.sh 26)
# Idempotent: images already on Engine 26 with the same id are not copied again.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
log() { echo "use-engine: $*" >&2; }
usage() { log "usage: $0 20|26 | --stop 26"; exit 2; }

# Where build-fixtures.sh builds (it runs with the caller's DOCKER_HOST, which
# must not point at Engine 26 for that: there is nothing to copy from).
default_host=unix:///var/run/docker.sock

if [ "${1:-}" = "--stop" ]; then
  [ "${2:-}" = 26 ] || usage # engine 20.10 is the machine's own: never stopped here
  pid=$(cat /var/run/docker-26.pid 2>/dev/null || true)
  # Only Engine 26's dockerd, recognised by its executable (see ensure-docker.sh).
  if [ -n "$pid" ] && [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = /opt/docker-26/usr/sbin/dockerd ]; then
    log "stopping Engine 26 (pid $pid)"
    kill -TERM "$pid"
    # dockerd stops its containers (10 s grace each, in parallel) and its containerd.
    for _ in $(seq 1 60); do [ -e "/proc/$pid/exe" ] || break; sleep 0.5; done
  else
    log "Engine 26 is not running"
  fi
  exit 0
fi

case ${1:-} in 20 | 26) engine=$1 ;; *) usage ;; esac

# The fixture images are built on the default engine; build-fixtures.sh also
# ensures that engine and Compose, and does nothing when the images are current.
DOCKER_HOST=$default_host bash "$here/build-fixtures.sh"

if [ "$engine" = 20 ]; then
  echo "$default_host"
  exit 0
fi

target=$(bash "$here/ensure-docker.sh" --engine 26)

# Copy the fixture images (all carry the otc.inputs label) that Engine 26 lacks
# or has in another version. No registry exists, so save | load is the way; the
# image ids and labels survive it, so build-fixtures.sh's input hashes still hold.
copy=()
while read -r ref id; do
  [ "$(docker -H "$target" image inspect -f '{{.Id}}' "$ref" 2>/dev/null || true)" = "$id" ] || copy+=("$ref")
done < <(docker -H "$default_host" images --filter label=otc.inputs --format '{{.Repository}}:{{.Tag}} {{.ID}}' --no-trunc \
           | grep -v '<none>')
if [ ${#copy[@]} -gt 0 ]; then
  log "copying ${copy[*]} to Engine 26"
  docker -H "$default_host" save "${copy[@]}" | docker -H "$target" load >/dev/null
  # Versions they replaced are left untagged: drop those (ours only, by label).
  docker -H "$target" image prune -f --filter label=otc.inputs >/dev/null
else
  log "fixture images already on Engine 26"
fi
echo "$target"
