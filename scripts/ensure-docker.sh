#!/usr/bin/env bash
# Make a working Docker engine and Compose v2 available on Debian 12, as root.
# No container registry is reachable here: everything comes from Debian packages.
# Idempotent: when `docker info` and `docker compose version` answer, it exits at once.
#
#   scripts/ensure-docker.sh                 ensure engine + compose
#   scripts/ensure-docker.sh --print-mirror  print this machine's Debian mirror URI
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
log() { echo "ensure-docker: $*" >&2; }

# The Debian mirror this machine already uses (never hard-coded: read from apt's
# own sources, deb822 first, then the one-line format).
mirror_uri() {
  local uri=""
  if compgen -G '/etc/apt/sources.list.d/*.sources' >/dev/null; then
    # Paragraph mode: the URIs of the first stanza whose Suites has plain "bookworm".
    uri=$(awk 'BEGIN { RS = "" }
      /(^|\n)Suites:[^\n]*[ \t]bookworm([ \t]|\n|$)/ && match($0, /(^|\n)URIs:[ \t]*[^ \t\n]+/) {
        s = substr($0, RSTART, RLENGTH); sub(/^\n?URIs:[ \t]*/, "", s); print s; exit }' \
      /etc/apt/sources.list.d/*.sources)
  fi
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(awk '$1 == "deb" { for (i = 2; i < NF; i++) if ($i ~ /^[a-z]+:\/\// && $(i+1) == "bookworm") { print $i; exit } }' \
      /etc/apt/sources.list)
  fi
  [ -n "$uri" ] || { log "no bookworm mirror found in /etc/apt sources"; return 1; }
  echo "$uri"
}

if [ "${1:-}" = "--print-mirror" ]; then mirror_uri; exit; fi

engine_ok() { timeout 10 docker info >/dev/null 2>&1; }
compose_ok() { docker compose version >/dev/null 2>&1; }

if engine_ok && compose_ok; then
  log "engine $(docker version -f '{{.Server.Version}}') and compose $(docker compose version --short) already working"
  exit 0
fi

# 1. Packages: engine (docker.io) and debootstrap (to build base images without a registry).
if ! command -v dockerd >/dev/null || ! command -v debootstrap >/dev/null; then
  log "installing docker.io and debootstrap from Debian"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends docker.io debootstrap >/dev/null
fi

# 2. Compose v2 is not packaged for Debian 12: take the plugin binary out of
#    Debian 13's docker-compose package, fetched with a throw-away apt state so
#    the machine's own package lists and sources stay untouched.
plugin_dir=/usr/local/lib/docker/cli-plugins
if ! compose_ok; then
  log "fetching the Compose v2 plugin from Debian 13 (trixie)"
  tmp=$(mktemp -d /tmp/ensure-docker.XXXXXX)
  trap 'rm -rf "$tmp"' EXIT
  mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial" "$tmp/parts"
  echo "deb $(mirror_uri) trixie main" >"$tmp/sources.list"
  apt_tmp=(-o "Dir::Etc::SourceList=$tmp/sources.list" -o "Dir::Etc::SourceParts=$tmp/parts"
           -o "Dir::State::Lists=$tmp/lists" -o "Dir::Cache=$tmp/cache"
           -o "APT::Sandbox::User=root")
  apt-get "${apt_tmp[@]}" update -qq
  (cd "$tmp" && apt-get "${apt_tmp[@]}" download -qq docker-compose)
  dpkg -x "$tmp"/docker-compose_*.deb "$tmp/root"
  install -D -m 0755 "$tmp/root/usr/libexec/docker/cli-plugins/docker-compose" "$plugin_dir/docker-compose"
  rm -rf "$tmp"; trap - EXIT
fi

# 3. Start the daemon, detached (setsid) so it outlives this script and its caller.
if ! engine_ok; then
  if ! pidof dockerd >/dev/null; then  # pidof: essential in Debian 12, unlike pgrep
    # A killed dockerd leaves pid files behind: a new one then refuses to start
    # ("pid file found") or waits for its dead (zombie) containerd. pidof skips
    # zombies, so with no live process the files are stale.
    rm -f /var/run/docker.pid
    pidof containerd >/dev/null || rm -f /var/run/docker/containerd/containerd.pid
    log "starting dockerd (log: /var/log/dockerd.log)"
    setsid dockerd >/var/log/dockerd.log 2>&1 </dev/null &
  fi
  deadline=$((SECONDS + 60))
  until engine_ok; do
    if ! pidof dockerd >/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
      log "dockerd is not answering; last lines of /var/log/dockerd.log:"
      tail -n 30 /var/log/dockerd.log >&2 || true
      exit 1
    fi
    sleep 0.5
  done
fi

# A newer client-only binary earlier in PATH (e.g. /usr/local/bin/docker) is fine
# as long as it negotiates down to this engine's API; say so if it does not.
if ! docker version >/dev/null 2>&1; then
  log "'$(command -v docker)' cannot talk to the engine; use /usr/bin/docker or set DOCKER_API_VERSION"
  exit 1
fi
compose_ok || { log "docker compose still not working"; exit 1; }
log "ready: engine $(docker version -f '{{.Server.Version}}'), client $(docker version -f '{{.Client.Version}}'), compose $(docker compose version --short)"
