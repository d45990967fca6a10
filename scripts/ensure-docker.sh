#!/usr/bin/env bash
# Make a working Docker engine and Compose v2 available on Debian 12, as root.
# No container registry is reachable here: everything comes from Debian packages.
# Idempotent: when the engine and `docker compose version` answer, it exits at once.
#
#   scripts/ensure-docker.sh                 ensure engine 20.10 + compose (the default engine)
#   scripts/ensure-docker.sh --engine 20     the same
#   scripts/ensure-docker.sh --engine 26     install and start Engine 26 (see below); 20.10 is
#                                            installed for its runc and CLI, not started
#   scripts/ensure-docker.sh --print-mirror  print this machine's Debian mirror URI
#
# Engine 26 (Debian 13's docker.io 26.1 with Debian 13's containerd 1.7) runs
# next to 20.10, not instead of it, fully separate:
#   - in its own network namespace (`ip netns` "docker26"): two dockerds in one
#     namespace rewrite each other's iptables chains, and containers on the
#     second engine's bridges cannot reach each other;
#   - with its own data root, exec root, pid file, managed containerd (socket,
#     state and root live under those), cgroup parent and API socket.
# Clients select it with DOCKER_HOST=unix:///var/run/docker-26.sock (printed on
# stdout by --engine 26). Images are not shared: copy them with
# `docker save | DOCKER_HOST=... docker load` (scripts/use-engine.sh does).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
log() { echo "ensure-docker: $*" >&2; }

# Engine 26's files. The API socket is a file, so it is reachable from the host
# namespace although dockerd itself lives in the "docker26" network namespace.
E26_TREE=/opt/docker-26 # dpkg -x of Debian 13's docker.io and containerd
E26_NETNS=docker26
E26_SOCK=/var/run/docker-26.sock
E26_HOST=unix://$E26_SOCK
E26_DATA=/var/lib/docker-26
E26_EXEC=/var/run/docker-26
E26_PIDFILE=/var/run/docker-26.pid
E26_LOG=/var/log/dockerd-26.log

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

engine=20
while [ $# -gt 0 ]; do
  case $1 in
    --print-mirror) mirror_uri; exit ;;
    --engine) engine=${2:-}; shift 2 || { log "--engine needs 20 or 26"; exit 2; } ;;
    --engine=*) engine=${1#--engine=}; shift ;;
    *) log "unknown argument: $1 (usage: $0 [--engine 20|26] | --print-mirror)"; exit 2 ;;
  esac
done
case $engine in 20 | 26) ;; *) log "--engine must be 20 or 26, not '$engine'"; exit 2 ;; esac

engine_ok() { timeout 10 docker info >/dev/null 2>&1; }
compose_ok() { docker compose version >/dev/null 2>&1; }
# -H, not DOCKER_HOST: whatever the caller exported must not change the answer.
e26_ok() { timeout 10 docker -H "$E26_HOST" info >/dev/null 2>&1; }

if [ "$engine" = 20 ] && engine_ok && compose_ok; then
  log "engine $(docker version -f '{{.Server.Version}}') and compose $(docker compose version --short) already working"
  exit 0
fi
if [ "$engine" = 26 ] && e26_ok && compose_ok; then
  log "engine $(docker -H "$E26_HOST" version -f '{{.Server.Version}}') at $E26_HOST and compose $(docker compose version --short) already working"
  echo "$E26_HOST"
  exit 0
fi

# Throw-away apt state for suite trixie (Debian 13) on this machine's mirror: a
# temporary sources list, lists and cache, so the machine's own package lists
# and sources stay untouched. trixie_download DIR PKG... leaves the .debs in DIR.
trixie_download() {
  local dir=$1; shift
  mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/parts"
  echo "deb $(mirror_uri) trixie main" >"$dir/sources.list"
  local apt_tmp=(-o "Dir::Etc::SourceList=$dir/sources.list" -o "Dir::Etc::SourceParts=$dir/parts"
                 -o "Dir::State::Lists=$dir/lists" -o "Dir::Cache=$dir/cache"
                 -o "APT::Sandbox::User=root")
  apt-get "${apt_tmp[@]}" update -qq
  (cd "$dir" && apt-get "${apt_tmp[@]}" download -qq "$@")
}

# 1. Packages: engine 20.10 (docker.io) and debootstrap (to build base images
#    without a registry). Engine 26 needs them too: it uses Debian 12's runc
#    (Debian 13's needs glibc 2.38, Debian 12 has 2.36), iptables and tini as
#    docker-init, and the docker CLI; plus iproute2 for `ip netns`.
want=()
command -v dockerd >/dev/null || want+=(docker.io)
command -v debootstrap >/dev/null || want+=(debootstrap)
if [ "$engine" = 26 ]; then command -v ip >/dev/null || want+=(iproute2); fi
if [ ${#want[@]} -gt 0 ]; then
  log "installing ${want[*]} from Debian"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
fi

# 2. Compose v2 is not packaged for Debian 12: take the plugin binary out of
#    Debian 13's docker-compose package.
plugin_dir=/usr/local/lib/docker/cli-plugins
if ! compose_ok; then
  log "fetching the Compose v2 plugin from Debian 13 (trixie)"
  tmp=$(mktemp -d /tmp/ensure-docker.XXXXXX)
  trap 'rm -rf "$tmp"' EXIT
  trixie_download "$tmp" docker-compose
  dpkg -x "$tmp"/docker-compose_*.deb "$tmp/root"
  install -D -m 0755 "$tmp/root/usr/libexec/docker/cli-plugins/docker-compose" "$plugin_dir/docker-compose"
  rm -rf "$tmp"; trap - EXIT
fi

# Wait until a started daemon answers; on failure show its log and exit.
#   wait_daemon CHECK-FUNCTION PID-ALIVE-FUNCTION LOGFILE
wait_daemon() {
  local deadline=$((SECONDS + 60))
  until "$1"; do
    if ! "$2" || [ "$SECONDS" -ge "$deadline" ]; then
      log "dockerd is not answering; last lines of $3:"
      tail -n 30 "$3" >&2 || true
      exit 1
    fi
    sleep 0.5
  done
}

# Is PID a live (not zombie) process running the program at PATH? Engine 26's
# processes are also called dockerd and containerd, so names (pidof) cannot
# tell the engines apart; their executables can. /proc/PID/exe is unreadable
# for zombies.
runs() { [ -n "${1:-}" ] && [ "$(readlink "/proc/$1/exe" 2>/dev/null)" = "$2" ]; }
# Some live process runs the program at PATH.   running PATH
running() {
  local pid
  for pid in $(pidof "${1##*/}"); do runs "$pid" "$1" && return 0; done  # pidof: essential in Debian 12, unlike pgrep
  return 1
}

if [ "$engine" = 20 ]; then
  # 3. Start the daemon, detached (setsid) so it outlives this script and its caller.
  if ! engine_ok; then
    dockerd_bin=$(readlink -f "$(command -v dockerd)")
    containerd_bin=$(readlink -f "$(command -v containerd)")
    dockerd_alive() { running "$dockerd_bin"; }
    if ! dockerd_alive; then
      # A killed dockerd leaves pid files behind: a new one then refuses to start
      # ("pid file found") or waits for its dead (zombie) containerd. With no
      # live process the files are stale.
      rm -f /var/run/docker.pid
      running "$containerd_bin" || rm -f /var/run/docker/containerd/containerd.pid
      log "starting dockerd (log: /var/log/dockerd.log)"
      setsid dockerd >/var/log/dockerd.log 2>&1 </dev/null &
    fi
    wait_daemon engine_ok dockerd_alive /var/log/dockerd.log
  fi

  # A newer client-only binary earlier in PATH (e.g. /usr/local/bin/docker) is fine
  # as long as it negotiates down to this engine's API; say so if it does not.
  if ! docker version >/dev/null 2>&1; then
    log "'$(command -v docker)' cannot talk to the engine; use /usr/bin/docker or set DOCKER_API_VERSION"
    exit 1
  fi
  compose_ok || { log "docker compose still not working"; exit 1; }
  log "ready: engine $(docker version -f '{{.Server.Version}}'), client $(docker version -f '{{.Client.Version}}'), compose $(docker compose version --short)"
  exit 0
fi

# ---- Engine 26 ---------------------------------------------------------------

# One caller at a time from here on: two would unpack into, or start from, the
# same tree. The lock is released when this script exits (the daemon started
# below must not inherit its file descriptor, or it would hold it for ever).
exec 9>/var/lock/ensure-docker-26.lock
flock 9

# 4. Debian 13's dockerd (needs glibc 2.34) and containerd 1.7 with its shims,
#    unpacked under $E26_TREE, never installed with dpkg: the packages would
#    replace 20.10's and pull in Debian 13's libc. Unpacked into a temporary
#    tree and renamed at the end, so an interrupted run leaves no half tree.
if [ ! -x "$E26_TREE/usr/sbin/dockerd" ] || [ ! -x "$E26_TREE/usr/bin/containerd" ]; then
  log "fetching Engine 26 (docker.io, containerd) from Debian 13 (trixie)"
  tmp=$(mktemp -d /tmp/ensure-docker.XXXXXX)
  trap 'rm -rf "$tmp"' EXIT
  trixie_download "$tmp" docker.io containerd
  for deb in "$tmp"/docker.io_*.deb "$tmp"/containerd_*.deb; do dpkg -x "$deb" "$tmp/root"; done
  # Its own daemon.json (empty): without --config-file, dockerd would read
  # /etc/docker/daemon.json, which belongs to the 20.10 engine.
  echo '{}' >"$tmp/root/daemon.json"
  rm -rf "$E26_TREE"
  mv "$tmp/root" "$E26_TREE"
  rm -rf "$tmp"; trap - EXIT
fi

e26_pid() { cat "$E26_PIDFILE" 2>/dev/null || true; }
e26_alive() { runs "$(e26_pid)" "$E26_TREE/usr/sbin/dockerd"; }

# 5. Start Engine 26 in its own network namespace.
if ! e26_ok; then
  # The namespace: a bind mount under /run/netns, kept until reboot or
  # `ip netns delete`. Only loopback: no traffic leaves it, and none is needed
  # (no registry; containers talk over the engine's bridges inside it).
  if [ ! -e "/run/netns/$E26_NETNS" ]; then
    ip netns add "$E26_NETNS"
  fi
  ip -n "$E26_NETNS" link set lo up

  if ! e26_alive; then
    # Stale pid files of a killed Engine 26 (see step 3 for why they matter).
    rm -f "$E26_PIDFILE"
    runs "$(cat "$E26_EXEC/containerd/containerd.pid" 2>/dev/null)" "$E26_TREE/usr/bin/containerd" \
      || rm -f "$E26_EXEC/containerd/containerd.pid"
    mkdir -p "$E26_DATA" "$E26_EXEC"
    log "starting Engine 26 in netns $E26_NETNS (log: $E26_LOG)"
    # nsenter --net enters only the network namespace: dockerd stays in the host's
    # mount namespace (unlike `ip netns exec`, which also remounts /sys), so bind
    # mounts and the API socket are seen by everyone.
    # PATH: $E26_TREE first, so dockerd starts Debian 13's containerd, which runs
    # Debian 13's containerd-shim-runc-v2; runc and docker-init (tini) come from
    # Debian 12's /usr/sbin and /usr/bin.
    # Without --containerd, dockerd runs its own containerd with socket and state
    # under --exec-root and root under --data-root: nothing shared with 20.10's.
    # --cgroup-parent keeps its containers' cgroups apart from 20.10's /docker.
    PATH="$E26_TREE/usr/sbin:$E26_TREE/usr/bin:$PATH" setsid \
      nsenter --net="/run/netns/$E26_NETNS" \
      dockerd --config-file "$E26_TREE/daemon.json" \
        --host "$E26_HOST" --data-root "$E26_DATA" --exec-root "$E26_EXEC" \
        --pidfile "$E26_PIDFILE" --cgroup-parent /docker-26 \
        >"$E26_LOG" 2>&1 </dev/null 9>&- &
    # setsid and nsenter exec, so $! ends up being dockerd itself. Watch that pid,
    # not the pid file, which dockerd writes only after some checks. A dead child
    # stays a zombie until reaped, and a zombie's /proc/PID/exe is unreadable.
    started=$!
    e26_starting() { readlink "/proc/$started/exe" >/dev/null 2>&1 || e26_alive; }
    wait_daemon e26_ok e26_starting "$E26_LOG"
  else
    wait_daemon e26_ok e26_alive "$E26_LOG"
  fi
fi

compose_ok || { log "docker compose still not working"; exit 1; }
log "ready: engine $(docker -H "$E26_HOST" version -f '{{.Server.Version}}') at $E26_HOST, client $(docker -H "$E26_HOST" version -f '{{.Client.Version}}'), compose $(docker compose version --short)"
echo "$E26_HOST"
