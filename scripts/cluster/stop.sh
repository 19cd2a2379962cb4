#!/usr/bin/env bash
# make cluster-stop: ends the processes `make cluster` started, by the pid files it wrote in var/cluster/run, and
# nothing else: a pid is signalled only while its process still names var/cluster (command line or working
# directory). The state (databases, Redis's append-only file) stays for the next `make cluster`.
# --check: exit 0 when any of them is running, 1 otherwise (no signal sent).
set -euo pipefail
cd "$(dirname "$0")/../.."
state=$PWD/var/cluster
run=$state/run
source scripts/lib.sh

ours() {  # pid file → the pid, if that process is still one of this cluster's
  local pid
  [ -f "$1" ] || return 1
  pid=$(tr -dc 0-9 <"$1")
  [ -n "$pid" ] && [ -d "/proc/$pid" ] || return 1
  if tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$state" || [ "$(readlink "/proc/$pid/cwd")" = "$state" ]; then
    echo "$pid"
  else
    return 1
  fi
}

postmaster_pid() { [ -f "$1/postmaster.pid" ] && head -n 1 "$1/postmaster.pid"; }

if [ "${1:-}" = --check ]; then
  for file in "$run"/*.pid "$state/pgbouncer/pgbouncer.pid"; do ours "$file" >/dev/null && exit 0; done
  for data in "$state/primary" "$state/replica"; do
    pid=$(postmaster_pid "$data" || true)
    [ -n "$pid" ] && [ -d "/proc/$pid" ] && exit 0
  done
  exit 1
fi

stop() {  # name, pid file, seconds to wait before SIGKILL
  local pid
  pid=$(ours "$2") || { rm -f "$2"; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq $(($3 * 10))); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
  if [ -d "/proc/$pid" ]; then
    echo "cluster-stop: $1 (pid $pid) still running after $3 s: killed"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$2"
  echo "cluster-stop: $1 stopped"
}

# Front to back: no new requests, then the web servers (each finishes its requests), the scheduler, the workers (each
# finishes its task; a task cut off is redelivered, acks_late), then the mail server, the pooler, the broker and the
# databases.
stop haproxy "$run/haproxy.pid" 10
rm -f "$run/haproxy.sock"  # its admin socket (scripts/cluster/web.sh drains through it)
stop web1 "$run/web1.pid" 25
stop web2 "$run/web2.pid" 25
stop beat "$run/beat.pid" 10
for name in credit notifications imports housekeeping; do stop "worker $name" "$run/worker-$name.pid" 60; done
stop smtp "$run/smtp.pid" 10
stop pgbouncer "$state/pgbouncer/pgbouncer.pid" 10
stop redis "$run/redis.pid" 10
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
for name in replica primary; do
  if [ -n "$pg_bin" ] && [ -f "$state/$name/postmaster.pid" ]; then
    as_postgres "$pg_bin/pg_ctl" -D "$state/$name" -m fast -w stop >/dev/null && echo "cluster-stop: $name stopped"
  fi
done
