#!/usr/bin/env bash
# The whole suite against real PostgreSQL and Redis (throwaway ones unless DATABASE_URL / REDIS_URL are set).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
# `make lint` first: a new import cycle or an import against the layers fails the run before any test.
bash scripts/lint.sh
export PYTHON_BIN=.venv/bin/python
# Browser tests drive Debian's Chromium (Playwright cannot download its own browsers here).
if [ ! -x /usr/bin/chromium ]; then
  echo "installing chromium for the browser tests"
  command -v apt-get >/dev/null || { echo "cannot install chromium: no apt-get" >&2; exit 1; }
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq chromium >/dev/null
fi
exec bash scripts/services.sh bash -c '
  set -euo pipefail
  export DJANGO_SETTINGS_MODULE=config.settings.test
  .venv/bin/python manage.py check
  .venv/bin/python manage.py makemigrations --check --dry-run
  set +e
  .venv/bin/python -m pytest "$@"
  status=$?
  if [ $status -eq 5 ]; then echo "no tests were collected" >&2; exit 1; fi
  exit $status
' test-suite "$@"
