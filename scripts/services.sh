#!/usr/bin/env bash
# Runs a command with DATABASE_URL and REDIS_URL set. Uses them when already set; otherwise starts a throwaway
# PostgreSQL and Redis from this machine's binaries on free ports (installing them with apt when missing) and
# removes them afterwards.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

workdir=$(mktemp -d /tmp/creditdesk-services.XXXXXX)
chmod 755 "$workdir"
pg_bin=""
cleanup() {
  if [ -n "$pg_bin" ] && [ -f "$workdir/pg/data/postmaster.pid" ]; then
    runuser -u postgres -- "$pg_bin/pg_ctl" -D "$workdir/pg/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  if [ -f "$workdir/redis.pid" ]; then kill "$(cat "$workdir/redis.pid")" 2>/dev/null || true; fi
  rm -rf "$workdir"
}
trap cleanup EXIT

if [ -z "${DATABASE_URL:-}" ]; then
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$pg_bin" ]; then apt_install postgresql; pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1); fi
  port=$(free_port)
  mkdir -p "$workdir/pg"
  if [ "$(id -u)" = 0 ]; then
    chown postgres "$workdir/pg"
    as_pg=(runuser -u postgres --)
  else
    as_pg=()
  fi
  "${as_pg[@]}" "$pg_bin/initdb" -D "$workdir/pg/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$workdir/pg/data" -l "$workdir/pg/log" -w start \
    -o "-p $port -k $workdir/pg -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >/dev/null
  "${as_pg[@]}" "$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U postgres creditdesk
  export DATABASE_URL="postgres://postgres@127.0.0.1:$port/creditdesk"
  echo "services: throwaway PostgreSQL on port $port"
fi

if [ -z "${REDIS_URL:-}" ]; then
  command -v redis-server >/dev/null || apt_install redis-server
  port=$(free_port)
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --pidfile "$workdir/redis.pid" --logfile "$workdir/redis.log" --dir "$workdir" >/dev/null
  for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  export REDIS_URL="redis://127.0.0.1:$port/0"
  echo "services: throwaway Redis on port $port"
fi

"$@"
