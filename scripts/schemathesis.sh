#!/usr/bin/env bash
# schemathesis against a live server: a throwaway PostgreSQL and Redis (never your own database), migrated, an API
# key with every scope, gunicorn on a free port. Every operation with and without credentials, stateful sequences
# (create → get → update → archive …) included. Fails on any 5xx or any response outside its documented status,
# content type, headers or schema, and on schema-violating input the server accepts.
#
# Two checks are left out on purpose. positive_data_acceptance counts any 4xx to schema-valid input as a failure,
# but business rules rightly refuse some (a duplicate email is 409, a change to an archived customer 422, a
# well-formed id that matches nothing 404). use_after_free expects a DELETEd resource to be gone, but DELETE of a
# customer or a customer user archives it (SPEC §3), and it stays readable.
#
# Extra arguments go to the authenticated run, e.g. `make schemathesis ARGS="--max-examples 500"`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export PYTHON_BIN=.venv/bin/python
exec env -u DATABASE_URL -u REDIS_URL bash scripts/services.sh bash -c '
  set -euo pipefail
  export DJANGO_SETTINGS_MODULE=config.settings.local DJANGO_DEBUG=false API_RATE_LIMIT_PER_MINUTE=1000000000
  py=.venv/bin/python
  $py manage.py migrate --no-input -v 0
  key=$($py manage.py create_api_key --name schemathesis 2>/dev/null | tail -n 1)
  port=$($py -c "import socket; s=socket.socket(); s.bind((\"127.0.0.1\", 0)); print(s.getsockname()[1])")
  log=$(mktemp /tmp/creditdesk-schemathesis.XXXXXX.log)
  .venv/bin/gunicorn config.wsgi -b "127.0.0.1:$port" -w 2 >"$log" 2>&1 &
  server=$!
  trap "kill $server 2>/dev/null || true" EXIT
  url="http://127.0.0.1:$port/api/v1/openapi.json"
  checks=(--checks all --exclude-checks positive_data_acceptance,use_after_free --wait-for-schema 30)
  echo "== with an API key holding every scope (server log: $log)"
  .venv/bin/schemathesis run "$url" -H "Authorization: Bearer $key" "${checks[@]}" --max-examples 100 "$@"
  echo "== without credentials"
  .venv/bin/schemathesis run "$url" "${checks[@]}" --max-examples 20
' schemathesis "$@"
