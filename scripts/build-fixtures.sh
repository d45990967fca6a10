#!/usr/bin/env bash
# Build the local test images used by fixtures/stacks/*, without any registry:
#   otc-debian:bookworm  debootstrap'ed Debian 12 base (docker import)
#   otc-openvpn:test     openvpn server/client with a test PKI (fixtures/images/openvpn)
#   otc-worker:test      celery-shaped worker: no ip/ping, uid 1001 (fixtures/images/worker)
# Idempotent: each image carries a label with the hash of its inputs and is
# rebuilt only when that hash changes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
images=$(cd "$here/../fixtures/images" && pwd)
cache=/var/cache/otc
log() { echo "build-fixtures: $*" >&2; }

bash "$here/ensure-docker.sh"
mkdir -p "$cache"

label() { docker image inspect -f '{{index .Config.Labels "otc.inputs"}}' "$1" 2>/dev/null || true; }

# Base image. Its inputs are the debootstrap arguments (the mirror is not one:
# any mirror gives the same packages).
base=otc-debian:bookworm
include=openvpn,iproute2,iputils-ping,procps,openssl,python3-minimal
base_hash=$(echo "bookworm minbase $include v1" | sha256sum | cut -c1-16)
if [ "$(label "$base")" != "$base_hash" ]; then
  tarball=$cache/debian-bookworm-$base_hash.tar
  if [ ! -s "$tarball" ]; then
    mirror=$(bash "$here/ensure-docker.sh" --print-mirror)
    rootfs=$cache/rootfs.tmp
    # An interrupted debootstrap can leave proc/sys mounted inside: unmount first.
    for m in dev/pts proc sys; do
      if mountpoint -q "$rootfs/$m" 2>/dev/null; then umount -l "$rootfs/$m"; fi
    done
    rm -rf "$rootfs"
    log "debootstrap bookworm (about 30 s)"
    debootstrap --variant=minbase --include="$include" bookworm "$rootfs" "$mirror" >"$cache/debootstrap.log" 2>&1 \
      || { tail -n 20 "$cache/debootstrap.log" >&2; exit 1; }
    # Downloaded .debs and package lists are not needed in the image.
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar --numeric-owner -C "$rootfs" -cf "$tarball.part" .
    mv "$tarball.part" "$tarball"
    rm -rf "$rootfs"
    find "$cache" -name 'debian-bookworm-*.tar' ! -name "${tarball##*/}" -delete  # older inputs
  fi
  log "importing $base from $tarball"
  docker import --change "LABEL otc.inputs=$base_hash" "$tarball" "$base" >/dev/null
fi

# Images built from fixtures/images/<dir>: inputs are that directory's files and
# the base image they are built on.
build() {
  local name=$1 dir=$images/$2 hash
  hash=$( { docker image inspect -f '{{.Id}}' "$base"
            cd "$dir" && find . -type f -print0 | sort -z | xargs -0 sha256sum; } | sha256sum | cut -c1-16)
  if [ "$(label "$name")" = "$hash" ]; then log "$name up to date"; return; fi
  log "building $name"
  # Output only on failure (the legacy builder also prints a deprecation notice).
  docker build --label "otc.inputs=$hash" -t "$name" "$dir" >"$cache/build-$2.log" 2>&1 \
    || { tail -n 30 "$cache/build-$2.log" >&2; exit 1; }
}
build otc-openvpn:test openvpn
build otc-worker:test worker

# Images from earlier builds of the same tags are no longer used.
docker image prune -f --filter label=otc.inputs >/dev/null
log "images ready: $base otc-openvpn:test otc-worker:test"
