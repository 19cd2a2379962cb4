#!/usr/bin/env bash
# make cluster: the production topology on this machine, from its own packages (installed with apt when missing):
#
#   HAProxy ─┬─ gunicorn web1 ─┐                 ┌─ PgBouncer (transaction pooling) ── PostgreSQL primary
#            └─ gunicorn web2 ─┼─ every process ─┤                                          │ streaming (slot)
#   Celery workers: credit,    │  (Redis broker  └─ replica reads (core.replica) ──── PostgreSQL replica
#   notifications, imports,  ──┘   and cache)
#   housekeeping; one beat
#
# Every port is chosen free at start; all state lives in var/cluster/ (git-ignored) and is kept between runs (the
# database, Redis's append-only file, the secret key). `make cluster-stop` (scripts/cluster/stop.sh) ends exactly the
# processes this script started, by the pid files it wrote.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
bash scripts/bootstrap.sh
export PYTHON_BIN=$root/.venv/bin/python
source scripts/lib.sh
started=$(date +%s.%N)

state=$root/var/cluster
run=$state/run
log=$state/log
if [ -f "$state/cluster.env" ] && bash scripts/cluster/stop.sh --check >/dev/null 2>&1; then
  echo "cluster: already running (make cluster-stop first); its addresses:" >&2
  cat "$state/info.txt" >&2
  exit 1
fi
mkdir -p "$state" "$run" "$log"
chmod 755 "$root/var" "$state" "$run" "$log"
own_for_postgres "$run" "$log"

for program in pgbouncer haproxy redis-server; do
  command -v "$program" >/dev/null || apt_install "$program"
done
pg_bin=$(pg_bin_dir)
as_pg() { as_postgres "$@"; }

# --- ports, passwords, secret key ----------------------------------------------------------------------------------
primary_port=$(free_port) replica_port=$(free_port) bouncer_port=$(free_port) redis_port=$(free_port)
web1_port=$(free_port) web2_port=$(free_port) proxy_port=$(free_port) stats_port=$(free_port) smtp_port=$(free_port)
secret() { "$PYTHON_BIN" -c 'import secrets; print(secrets.token_urlsafe(int(__import__("sys").argv[1])))' "$1"; }
[ -f "$state/secrets.env" ] || {
  umask 077
  {
    echo "app_password=$(secret 24)"
    echo "replication_password=$(secret 24)"
    echo "bouncer_admin_password=$(secret 24)"
    echo "django_secret_key=$(secret 64)"
  } >"$state/secrets.env"
  umask 022
}
source "$state/secrets.env"

# --- PostgreSQL primary ---------------------------------------------------------------------------------------------
primary=$state/primary
if [ ! -f "$primary/PG_VERSION" ]; then
  echo "cluster: initialising the primary"
  own_for_postgres "$primary"
  chmod 700 "$primary"
  as_pg "$pg_bin/initdb" -D "$primary" -U postgres --auth-local=peer --auth-host=scram-sha-256 -E UTF8 \
    --locale=C.UTF-8 >"$log/initdb.log"
  cat >>"$primary/pg_hba.conf" <<EOF
# make cluster: the app (through PgBouncer or directly) and the replica's streaming connection, from this host only.
host    creditdesk      creditdesk      127.0.0.1/32    scram-sha-256
host    replication     replicator      127.0.0.1/32    scram-sha-256
EOF
  fresh_primary=1
fi
# Durable as in production (fsync and synchronous_commit on); WAL for a streaming replica; UTC, so Django sets no
# time zone on its connections; every statement slower than a second logged; no constraint exclusion (partitions
# are pruned by their bounds; config/settings/base.py says why).
as_pg "$pg_bin/pg_ctl" -D "$primary" -l "$log/primary.log" -w start -o "-p $primary_port -k $run \
  -c listen_addresses=127.0.0.1 -c wal_level=replica -c max_wal_senders=5 -c max_replication_slots=5 \
  -c hot_standby=on -c timezone=UTC -c max_connections=100 -c log_min_duration_statement=1000 \
  -c constraint_exclusion=off" >/dev/null
psql_primary() { as_pg "$pg_bin/psql" -w -q -X -v ON_ERROR_STOP=1 -h "$run" -p "$primary_port" -U postgres "$@"; }
if [ -n "${fresh_primary:-}" ]; then
  # The app's role carries its statement timeout and dead-client check: through PgBouncer the session cannot.
  psql_primary -d postgres <<EOF
CREATE ROLE creditdesk LOGIN PASSWORD '$app_password';
ALTER ROLE creditdesk SET statement_timeout = '30s';
ALTER ROLE creditdesk SET client_connection_check_interval = '2s';
CREATE ROLE replicator REPLICATION LOGIN PASSWORD '$replication_password';
CREATE DATABASE creditdesk OWNER creditdesk;
EOF
  psql_primary -d creditdesk -c "CREATE EXTENSION IF NOT EXISTS pg_trgm"
fi

# --- PostgreSQL replica: a base backup of the primary, streaming from it through a replication slot ------------------
replica=$state/replica
conninfo="host=127.0.0.1 port=$primary_port user=replicator password=$replication_password application_name=replica1"
if [ ! -f "$replica/PG_VERSION" ]; then
  echo "cluster: pg_basebackup of the primary for the replica"
  own_for_postgres "$replica"
  chmod 700 "$replica"
  PGPASSWORD=$replication_password as_pg "$pg_bin/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U replicator \
    -D "$replica" -R -X stream -C -S replica1 -c fast
fi
# The primary's port changes from run to run: the connection string is given at start, over the one -R wrote.
as_pg "$pg_bin/pg_ctl" -D "$replica" -l "$log/replica.log" -w start -o "-p $replica_port -k $run \
  -c listen_addresses=127.0.0.1 -c hot_standby=on -c timezone=UTC -c max_connections=100 \
  -c primary_slot_name=replica1" -o "-c \"primary_conninfo=$conninfo\"" >/dev/null

# --- PgBouncer in front of the primary, Redis ------------------------------------------------------------------------
start_pgbouncer "$state/pgbouncer" "$bouncer_port" "$primary_port" scram-sha-256 \
  "\"creditdesk\" \"$app_password\"" "\"postgres\" \"$bouncer_admin_password\""
# The broker and cache: append-only file, so queued tasks survive a restart of Redis.
redis-server --port "$redis_port" --bind 127.0.0.1 --appendonly yes --dir "$state" --daemonize yes \
  --pidfile "$run/redis.pid" --logfile "$log/redis.log" >/dev/null
wait_for_port "$redis_port" redis 10

# The production settings refuse to start without an SMTP server: here a local one (aiosmtpd, a dev dependency) that
# keeps every message in var/cluster/mail (a maildir), standing in for the provider's.
mkdir -p "$state/mail"
nohup "$root/.venv/bin/python" -m aiosmtpd -n -l "127.0.0.1:$smtp_port" -c aiosmtpd.handlers.Mailbox "$state/mail" \
  >>"$log/smtp.log" 2>&1 &
echo $! >"$run/smtp.pid"
wait_for_port "$smtp_port" smtp 10

# --- the app's environment --------------------------------------------------------------------------------------------
direct_url="postgres://creditdesk:$app_password@127.0.0.1:$primary_port/creditdesk"
cat >"$state/cluster.env" <<EOF
DJANGO_SETTINGS_MODULE=config.settings.production
DJANGO_SECRET_KEY=$django_secret_key
DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
DJANGO_SECURE_SSL_REDIRECT=0
DJANGO_NUM_PROXIES=1
DATABASE_URL=postgres://creditdesk:$app_password@127.0.0.1:$bouncer_port/creditdesk
DATABASE_POOLER=pgbouncer
DATABASE_REPLICA_URL=postgres://creditdesk:$app_password@127.0.0.1:$replica_port/creditdesk
REDIS_URL=redis://127.0.0.1:$redis_port/0
EMAIL_URL=smtp://127.0.0.1:$smtp_port
DEFAULT_FROM_EMAIL=no-reply@localhost
PUBLIC_BASE_URL=http://127.0.0.1:$proxy_port
LOG_LEVEL=INFO
EOF
chmod 600 "$state/cluster.env"
# Where each piece listens this time, for scripts/cluster/web.sh and bench/cluster.py.
cat >"$state/ports.env" <<EOF
primary_port=$primary_port
replica_port=$replica_port
bouncer_port=$bouncer_port
redis_port=$redis_port
web1_port=$web1_port
web2_port=$web2_port
proxy_port=$proxy_port
stats_port=$stats_port
smtp_port=$smtp_port
EOF
set -a
source "$state/cluster.env"
set +a
py=$root/.venv/bin/python

# Migrations straight to the primary with no statement timeout (a long index build must not be cut off); the rest of
# the cluster goes through PgBouncer.
DATABASE_URL=$direct_url DATABASE_POOLER= DB_STATEMENT_TIMEOUT_MS=0 $py manage.py migrate --no-input -v 0
$py manage.py collectstatic --no-input -v 0
seed_output=$($py manage.py seed_demo)

# --- two gunicorns behind HAProxy, health-checked ---------------------------------------------------------------------
# The same command restarts one of them (scripts/cluster/web.sh: reload, restart, kill).
for n in 1 2; do bash scripts/cluster/web.sh start "$n"; done
cat >"$state/haproxy.cfg" <<EOF
global
    pidfile $run/haproxy.pid
    # The runtime API, for scripts/cluster/web.sh: a planned restart drains an instance (no new requests, the ones it
    # has finish), restarts it and puts it back once its /health answers.
    stats socket $run/haproxy.sock mode 600 level admin
    stats timeout 10s

defaults
    mode http
    timeout connect 3s
    timeout client 60s
    timeout server 60s
    option forwardfor
    # A request that could not reach a server (its port closed: an instance killed or restarting) is sent to the other
    # one, whatever its method: it was never sent, so it cannot have been done. Every retry goes to another server
    # (redispatch 1; a bare "option redispatch" moves only the last one, and with an instance's port closed every
    # request sent there tried it three times and got a 503 until the health check caught up).
    retries 3
    option redispatch 1
    # A request a server accepted but did not answer (it was killed, or it hangs past "timeout server") is retried too,
    # on the other server, only when replaying it is safe: a GET or HEAD, or a POST with an Idempotency-Key (the API
    # replays the first answer when the first attempt committed, and runs it again when it was rolled back; see
    # docs/api.md#idempotency). Any other write is never replayed: it may have been done.
    retry-on conn-failure empty-response response-timeout

frontend web
    bind 127.0.0.1:$proxy_port
    http-request disable-l7-retry unless METH_GET || METH_HEAD || { method POST } { req.hdr(idempotency-key) -m found }
    default_backend gunicorns

backend gunicorns
    balance roundrobin
    # Each server's /health says whether it reaches the database (through PgBouncer): three failures in a row take it
    # out of the rotation, two answers put it back.
    option httpchk
    http-check send meth GET uri /health ver HTTP/1.1 hdr Host 127.0.0.1
    http-check expect status 200
    # No more requests at once on a server than it has threads for (2 workers x 4): the rest wait in HAProxy's queue,
    # where a request for a server going down is sent to the other, rather than in gunicorn's. Each gunicorn runs one
    # thread more per worker than that (web.sh: --threads 5), so its /health never waits behind requests even when the
    # kernel hands one worker more connections than the other. Without the limit, while one instance restarted the
    # other took every connection, its /health answered after the check's timeout, and both were marked down
    # (make bench-cluster: thousands of 503s).
    timeout queue 30s
    timeout check 5s
    # A connection error takes a server out at once (its port closed: it was killed, or is restarting without having
    # been drained); its health check puts it back. With ten errors in a row needed, a killed instance stayed in the
    # rotation for a while, and a retry went back to it whenever the other server was at its maxconn (round robin
    # avoids the failed server only when another has room): three attempts there, then a 503.
    default-server inter 2s fall 3 rise 2 maxconn 8 observe layer4 error-limit 1 on-error mark-down
    server web1 127.0.0.1:$web1_port check
    server web2 127.0.0.1:$web2_port check

frontend stats
    bind 127.0.0.1:$stats_port
    stats enable
    stats uri /
    stats refresh 5s
EOF
haproxy -c -q -f "$state/haproxy.cfg"
haproxy -D -f "$state/haproxy.cfg" >>"$log/haproxy.log" 2>&1

# --- Celery: a worker per queue, one beat ------------------------------------------------------------------------------
# Credit decisions: CPU-light, latency-sensitive. Notifications: webhook deliveries wait on receivers (threads). Imports:
# long and heavy, one at a time and at a lower CPU priority. Housekeeping: the beat's sweeps.
worker() {  # name, queues, celery options…; $nice before it lowers the CPU priority
  local name=$1 queues=$2
  shift 2
  ${nice:-} $py -m celery -A config worker -Q "$queues" -n "$name@%h" --detach --pidfile "$run/worker-$name.pid" \
    --logfile "$log/worker-$name.log" -l info "$@"
}
worker credit credit -c 2
worker notifications notifications -P threads -c 8
nice="nice -n 10" worker imports imports -c 1
worker housekeeping housekeeping -c 1
$py -m celery -A config beat --detach --pidfile "$run/beat.pid" --logfile "$log/beat.log" \
  --schedule "$state/celerybeat-schedule" -l info

# --- ready: HAProxy sees both gunicorns healthy ----------------------------------------------------------------------
for _ in $(seq 300); do
  if [ "$(curl -s "http://127.0.0.1:$stats_port/;csv" | grep -c '^gunicorns,web[12],.*,UP,')" = 2 ]; then break; fi
  sleep 0.2
done
health=$(curl -s "http://127.0.0.1:$proxy_port/health")
elapsed=$("$PYTHON_BIN" -c "import time; print(f'{time.time() - $started:.1f}')")
{
  echo "creditdesk cluster (state in var/cluster, logs in var/cluster/log; make cluster-stop ends it)"
  echo "  URL            http://127.0.0.1:$proxy_port/   (HAProxy → web1 :$web1_port, web2 :$web2_port)"
  echo "  HAProxy stats  http://127.0.0.1:$stats_port/"
  echo "  PgBouncer      127.0.0.1:$bouncer_port (transaction pooling; console: psql postgres://postgres:$bouncer_admin_password@127.0.0.1:$bouncer_port/pgbouncer)"
  echo "  PostgreSQL     primary 127.0.0.1:$primary_port, replica 127.0.0.1:$replica_port (streaming, slot replica1)"
  echo "  Redis          127.0.0.1:$redis_port"
  echo "  SMTP           127.0.0.1:$smtp_port (aiosmtpd; messages kept in var/cluster/mail)"
  echo "  Celery         workers credit, notifications, imports, housekeeping; beat"
  echo "  /health        $health"
  echo "$seed_output" | sed -n '/Demo logins/,$p' | sed 's/^/  /'
  echo "  environment    set -a; source var/cluster/cluster.env; set +a   (then manage.py talks to the cluster)"
} | tee "$state/info.txt"
echo "cluster: started in $elapsed s"
