#!/usr/bin/env bash
# One of the cluster's gunicorn instances (web1, web2) behind HAProxy: started by `make cluster`, and restarted by
# hand or by `make bench-cluster` (bench/cluster.py).
#
#   web.sh start N     start webN on its port (var/cluster/ports.env) with the cluster's environment (cluster.env;
#                      variables set by the caller and absent from cluster.env pass through, e.g. a lifted rate limit)
#   web.sh reload N    planned: drain webN in HAProxy, reload its workers (SIGHUP), put it back
#   web.sh restart N   planned: drain webN in HAProxy, stop it (SIGTERM), start it, put it back
#   web.sh drain N     take webN out of HAProxy's rotation and wait until it has no request left; refused unless the
#                      other instance is up in HAProxy (one always serves)
#   web.sh ready N     wait until webN answers /health, put it back in the rotation, wait until HAProxy sees it up
#   web.sh kill N      unplanned, for testing: SIGKILL of the master and its workers, no draining (the requests in
#                      flight on it are cut; HAProxy retries the GETs on the other), then start
#
# N is 1, 2, web1 or web2. A planned restart loses no request: once webN is draining HAProxy sends it nothing new, the
# requests it has finish, and it is put back only once its /health answers. Draining goes through HAProxy's runtime API
# (its admin socket, var/cluster/run/haproxy.sock); by hand:
#   echo "show servers state gunicorns" | socat - var/cluster/run/haproxy.sock
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
state=$root/var/cluster
run=$state/run
log=$state/log
action=${1:?start, reload, restart, drain, ready or kill}
n=${2:?instance number (1 or 2)}
n=${n#web}
pidfile=$run/web$n.pid
socket=$run/haproxy.sock
py=$root/.venv/bin/python
other=web$((3 - n))

source "$state/ports.env"
port_var=web${n}_port
port=${!port_var:?no port for web$n in var/cluster/ports.env}

master() {  # the pid of webN's master, if it is running
  local pid
  [ -f "$pidfile" ] || return 1
  pid=$(tr -dc 0-9 <"$pidfile")
  [ -n "$pid" ] && [ -d "/proc/$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "creditdesk-web$n" || return 1
  echo "$pid"
}

start() {
  set -a
  source "$state/cluster.env"
  set +a
  # Idle connections kept longer than HAProxy keeps them (it drops an idle server connection within 5 s), so HAProxy
  # never sends a request on a connection gunicorn is closing. One thread per worker more than HAProxy sends at once
  # (maxconn 8 for 2 workers), so /health never waits behind requests. --preload: the app is imported once, by the
  # master, before the workers fork (docs/scaling.md says what that changes).
  "$py" -m gunicorn config.wsgi -b "127.0.0.1:$port" -w 2 --threads 5 --timeout 60 \
    --graceful-timeout 20 --keep-alive 30 --preload \
    --name "creditdesk-web$n" -D --pid "$pidfile" --access-logfile "$log/web$n-access.log" \
    --error-logfile "$log/web$n.log"
  wait_health
}

wait_health() {  # webN answers /health on its own port
  for _ in $(seq 300); do
    curl -sf -o /dev/null --max-time 5 "http://127.0.0.1:$port/health" && return 0
    sleep 0.1
  done
  echo "web$n did not answer /health on port $port; see $log/web$n.log" >&2
  return 1
}

haproxy_cmd() {  # one command to HAProxy's runtime API; prints its answer
  "$py" -c '
import socket, sys
with socket.socket(socket.AF_UNIX) as sock:
    sock.settimeout(10)
    sock.connect(sys.argv[1])
    sock.sendall(sys.argv[2].encode() + b"\n")
    answer = b""
    while chunk := sock.recv(65536):
        answer += chunk
sys.stdout.write(answer.decode())
' "$socket" "$*"
}

stat() {  # stat SERVER FIELD: one field of HAProxy's "show stat" for gunicorns/SERVER (status, scur, qcur …)
  haproxy_cmd "show stat" | awk -F, -v server="$1" -v field="$2" '
    NR == 1 { sub(/^# /, ""); for (i = 1; i <= NF; i++) column[$i] = i; next }
    $1 == "gunicorns" && $2 == server { print $column[field] }'
}

drain() {
  # Before HAProxy runs (make cluster starts the gunicorns first) there is nothing to drain.
  [ -S "$socket" ] || { echo "web.sh: no HAProxy admin socket at $socket: web$n not drained" >&2; return 0; }
  local status
  status=$(stat "$other" status)
  case $status in
    UP*) ;;
    *) echo "web.sh: $other is $status in HAProxy, not up: web$n is not drained (one must serve)" >&2; return 1 ;;
  esac
  haproxy_cmd "set server gunicorns/web$n state drain" >/dev/null
  # Until the requests it has (scur) are answered and none waits for it in HAProxy's queue (qcur).
  for _ in $(seq 600); do
    [ "$(stat "web$n" scur)" = 0 ] && [ "$(stat "web$n" qcur)" = 0 ] && return 0
    sleep 0.1
  done
  echo "web.sh: web$n still has requests after 60 s of draining; going on" >&2
}

ready() {
  wait_health
  [ -S "$socket" ] || return 0
  haproxy_cmd "set server gunicorns/web$n state ready" >/dev/null
  # Serving again once HAProxy's own check passes (rise 2 after it failed while the instance was away).
  for _ in $(seq 300); do
    case $(stat "web$n" status) in UP*) return 0 ;; esac
    sleep 0.1
  done
  echo "web.sh: HAProxy does not see web$n up 30 s after it was put back" >&2
  return 1
}

workers_of() { pgrep -P "$1" | sort || true; }

wait_gone() {  # pid, seconds
  for _ in $(seq $(($2 * 10))); do [ -d "/proc/$1" ] || return 0; sleep 0.1; done
  return 1
}

case $action in
  start) start ;;
  drain) drain ;;
  ready) ready ;;
  reload)
    pid=$(master) || { echo "web$n is not running" >&2; exit 1; }
    drain
    old=$(workers_of "$pid")
    kill -HUP "$pid"
    # New workers are forked, the old ones finish their requests and exit (within the graceful timeout).
    for _ in $(seq 250); do
      [ -z "$(comm -12 <(echo "$old") <(workers_of "$pid"))" ] && break
      sleep 0.1
    done
    ready
    ;;
  restart)
    if pid=$(master); then
      drain
      kill -TERM "$pid"
      wait_gone "$pid" 25 || { echo "web$n (pid $pid) still running after 25 s: killed" >&2; kill -KILL "$pid"; }
    fi
    start
    ready
    ;;
  kill)
    if pid=$(master); then
      workers=$(pgrep -P "$pid" || true)
      # shellcheck disable=SC2086 # one pid per word
      kill -KILL "$pid" $workers 2>/dev/null || true
      wait_gone "$pid" 5 || true
      rm -f "$pidfile"
    fi
    start
    ;;
  *) echo "unknown action $action (start, reload, restart, drain, ready, kill)" >&2; exit 2 ;;
esac
