#!/usr/bin/env bash
# The whole suite against real PostgreSQL and Redis (throwaway ones unless DATABASE_URL / REDIS_URL are set), then
# the database-heavy part of it again through a throwaway PgBouncer in transaction pooling (DATABASE_POOLER=pgbouncer)
# in front of the same PostgreSQL.
#
# POOLED=auto (default): the PgBouncer pass follows a run given no test paths (the whole suite), on POOLED_TESTS with
# the same options; a run of chosen tests (tests/api …) skips it, and so does a run on a DATABASE_URL of your own (the
# pass sets the role's statement timeout). POOLED=only: just the PgBouncer pass, on the tests given (or POOLED_TESTS).
# POOLED=off: never.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
# `make lint` first: a new import cycle or an import against the layers fails the run before any test.
bash scripts/lint.sh
export PYTHON_BIN=.venv/bin/python
# Browser tests drive Debian's Chromium (Playwright cannot download its own browsers here); statement PDFs are set in
# Debian's DejaVu Sans (STATEMENT_PDF_FONT), which the tests check prints names beyond Latin-1.
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf ] || missing+=(fonts-dejavu-core)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} for the tests"
  command -v apt-get >/dev/null || { echo "cannot install ${missing[*]}: no apt-get" >&2; exit 1; }
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# The pooled pass: the API, credit and webhooks (their concurrency tests included), customers (imports: COPY in
# transactions, parts on real workers), the pooling settings, the health check and the queues on real workers —
# everything that talks to the database in ways pooling could break. Left to the first pass: the API's schema fuzzing
# (the same endpoints, 40 s), the replica tests (the replica is reached directly), browser, staff-page, security and
# fault tests (the same services under other adapters, or servers of their own).
export POOLED="${POOLED:-auto}" OWN_DATABASE="${DATABASE_URL:+1}"
export POOLED_TESTS="${POOLED_TESTS:-tests/api tests/credit tests/webhooks tests/customers tests/scaling/test_pooling.py tests/scaling/test_health.py tests/scaling/test_queues.py tests/scaling/test_partitions.py --ignore=tests/api/test_schemathesis.py}"
exec bash scripts/services.sh bash -c '
  set -euo pipefail
  source scripts/lib.sh
  export DJANGO_SETTINGS_MODULE=config.settings.test
  .venv/bin/python manage.py check
  .venv/bin/python manage.py makemigrations --check --dry-run
  options=() paths=()
  for arg in "$@"; do
    if [[ "$arg" == tests* ]]; then paths+=("$arg"); else options+=("$arg"); fi
  done
  # The whole suite runs in two processes (pytest-xdist; PYTEST_PROCESSES=0 for one): a test file stays in one process
  # (--dist loadfile), each process has its own test database and Redis database (config.settings.test). Much of the
  # suite waits on PostgreSQL, Chromium, Celery workers and servers of its own, so two processes nearly halve the time
  # on two cores. The tests that time servers they stop or freeze (faults) or the lag of a replica (serial) run afterwards,
  # alone. Chosen tests run in one process, as given.
  processes=${PYTEST_PROCESSES:-2}
  parallel=()
  if [ "$processes" != 0 ]; then parallel=(-n "$processes" --dist loadfile); fi
  run_pytest() {
    set +e
    .venv/bin/python -m pytest "$@"
    local status=$?
    set -e
    if [ $status -eq 5 ]; then echo "no tests were collected" >&2; return 1; fi
    return $status
  }
  if [ "$POOLED" != only ]; then
    if [ ${#paths[@]} -eq 0 ] && [ "$processes" != 0 ]; then
      run_pytest "${parallel[@]}" -m "not faults and not serial" "$@"
      run_pytest -m "faults or serial" "$@"
    else
      run_pytest "$@"
    fi
  fi
  if [ "$POOLED" = only ] || { [ "$POOLED" = auto ] && [ ${#paths[@]} -eq 0 ] && [ -z "$OWN_DATABASE" ]; }; then
    [ ${#paths[@]} -gt 0 ] || read -r -a paths <<<"$POOLED_TESTS"
    # PgBouncer in front of the same server (its databases, its role); the statement timeout and the dead-client
    # check come from the role, as they must through PgBouncer (config.settings.base: DATABASE_POOLER).
    upstream=${DATABASE_URL##*:}; upstream=${upstream%%/*}
    bouncer_dir=$(mktemp -d /tmp/creditdesk-pgbouncer.XXXXXX)
    chmod 755 "$bouncer_dir"
    trap "stop_pidfile $bouncer_dir/pgbouncer.pid pgbouncer; rm -rf $bouncer_dir" EXIT
    port=$(free_port)
    start_pgbouncer "$bouncer_dir" "$port" "$upstream" trust "\"postgres\" \"\""
    psql_bin=$(pg_bin_dir)/psql
    "$psql_bin" -w -q -d "$DATABASE_URL" \
      -c "ALTER ROLE CURRENT_USER SET statement_timeout = 30000" \
      -c "ALTER ROLE CURRENT_USER SET client_connection_check_interval = 2000" \
      -c "ALTER ROLE CURRENT_USER SET constraint_exclusion = off"
    echo "pooled pass: PgBouncer $(pgbouncer --version | head -n 1 | cut -d" " -f2) on port $port, transaction pooling: ${paths[*]}"
    started=$(date +%s)
    DATABASE_DIRECT_URL="$DATABASE_URL" DATABASE_URL="postgres://postgres@127.0.0.1:$port/${DATABASE_URL##*/}" \
      DATABASE_POOLER=pgbouncer run_pytest "${parallel[@]}" --reuse-db "${options[@]}" "${paths[@]}"
    echo "pooled pass: $(( $(date +%s) - started )) s"
  fi
' test-suite "$@"
