#!/usr/bin/env bash
# One of the cluster's gunicorn instances (web1, web2) behind HAProxy: started by `make cluster`, and restarted by
# hand or by `make bench-cluster` (bench/cluster.py) to show HAProxy routing around an instance going away.
#
#   web.sh start N     start webN on its port (var/cluster/ports.env) with the cluster's environment (cluster.env;
#                      variables set by the caller and absent from cluster.env pass through, e.g. a lifted rate limit)
#   web.sh reload N    graceful reload (SIGHUP): new workers start, the old ones finish their requests
#   web.sh restart N   graceful stop (SIGTERM: in-flight requests finish, up to --graceful-timeout), then start
#   web.sh kill N      hard kill (SIGKILL of the master and its workers: in-flight requests are cut), then start
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
state=$root/var/cluster
run=$state/run
log=$state/log
action=${1:?start, reload, restart or kill}
n=${2:?instance number (1 or 2)}
pidfile=$run/web$n.pid

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
  # never sends a request on a connection gunicorn is closing.
  "$root/.venv/bin/python" -m gunicorn config.wsgi -b "127.0.0.1:$port" -w 2 --threads 4 --timeout 60 \
    --graceful-timeout 20 --keep-alive 30 \
    --name "creditdesk-web$n" -D --pid "$pidfile" --access-logfile "$log/web$n-access.log" \
    --error-logfile "$log/web$n.log"
  for _ in $(seq 300); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/health" && return 0
    sleep 0.1
  done
  echo "web$n did not answer /health on port $port; see $log/web$n.log" >&2
  return 1
}

wait_gone() {  # pid, seconds
  for _ in $(seq $(($2 * 10))); do [ -d "/proc/$1" ] || return 0; sleep 0.1; done
  return 1
}

case $action in
  start) start ;;
  reload)
    pid=$(master) || { echo "web$n is not running" >&2; exit 1; }
    kill -HUP "$pid"
    ;;
  restart)
    if pid=$(master); then
      kill -TERM "$pid"
      wait_gone "$pid" 25 || { echo "web$n (pid $pid) still running after 25 s: killed" >&2; kill -KILL "$pid"; }
    fi
    start
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
  *) echo "unknown action $action (start, reload, restart, kill)" >&2; exit 2 ;;
esac
