# Shell functions shared by the scripts that start servers from this machine's packages (sourced, not run):
# services.sh (the test stack), test.sh (its PgBouncer pass) and cluster/ (make cluster).

free_port() {
  "${PYTHON_BIN:-python3}" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

apt_install() {
  command -v apt-get >/dev/null || { echo "cannot install $*: no apt-get" >&2; exit 1; }
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq "$@" >/dev/null
}

# The newest PostgreSQL's bin directory, installing PostgreSQL when there is none.
pg_bin_dir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$dir" ]; then apt_install postgresql; dir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1); fi
  echo "$dir"
}

# PostgreSQL and PgBouncer refuse to run as root: as root, run them as `postgres` (which owns their directories).
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

own_for_postgres() {
  mkdir -p "$@"
  if [ "$(id -u)" = 0 ]; then chown postgres "$@"; fi
}

wait_for_port() {  # port, what, seconds
  local i
  for i in $(seq $((${3:-10} * 10))); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "$2 is not listening on port $1" >&2
  return 1
}

# start_pgbouncer DIR LISTEN_PORT UPSTREAM_PORT AUTH_TYPE USERLIST_LINE...
# A PgBouncer (Debian's package, installed when missing) in transaction pooling in front of the PostgreSQL on
# 127.0.0.1:UPSTREAM_PORT, for every database on it; DIR holds its configuration, log and pid file.
start_pgbouncer() {
  local dir=$1 port=$2 upstream=$3 auth=$4
  shift 4
  command -v pgbouncer >/dev/null || apt_install pgbouncer
  own_for_postgres "$dir"
  printf '%s\n' "$@" >"$dir/userlist.txt"
  chmod 600 "$dir/userlist.txt"
  cat >"$dir/pgbouncer.ini" <<EOF
[databases]
* = host=127.0.0.1 port=$upstream

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = $auth
auth_file = $dir/userlist.txt
admin_users = postgres
; Transaction pooling: a server connection serves a client for one transaction at a time (config.settings.base:
; DATABASE_POOLER=pgbouncer keeps nothing in a session across transactions).
pool_mode = transaction
default_pool_size = 20
max_client_conn = 1000
server_lifetime = 3600
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
EOF
  if [ "$(id -u)" = 0 ]; then chown postgres "$dir"/userlist.txt "$dir"/pgbouncer.ini; fi
  as_postgres pgbouncer -d "$dir/pgbouncer.ini"
  wait_for_port "$port" pgbouncer 10
}

# Stops a daemon by the pid in its pid file, if it is still that program.
stop_pidfile() {  # pidfile, program name
  local pid
  [ -f "$1" ] || return 0
  pid=$(cat "$1")
  if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ]; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
  fi
  rm -f "$1"
}
