#!/usr/bin/env bash
# `make fuzz` / `make schemathesis`: scripts/fuzz.py (schemathesis against a live server running the production
# settings, with an API key, a read-only OAuth token and no credentials) on a throwaway PostgreSQL and Redis, never
# your own database. FUZZ_DATABASE_URL / FUZZ_REDIS_URL name servers to use instead (the database is migrated and
# written to). Arguments go to scripts/fuzz.py and, past its own (--max-examples, --min-examples, --record), to
# schemathesis: `make fuzz ARGS="--max-examples 500"`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export PYTHON_BIN=.venv/bin/python
given=()
if [ -n "${FUZZ_DATABASE_URL:-}" ]; then given+=("DATABASE_URL=$FUZZ_DATABASE_URL"); fi
if [ -n "${FUZZ_REDIS_URL:-}" ]; then given+=("REDIS_URL=$FUZZ_REDIS_URL"); fi
exec env -u DATABASE_URL -u REDIS_URL "${given[@]}" bash scripts/services.sh .venv/bin/python scripts/fuzz.py "$@"
