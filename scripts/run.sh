#!/usr/bin/env bash
# The embedded default: SQLite, tasks in process, demo data, a printed login and API key.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export DJANGO_SETTINGS_MODULE=config.settings.local
# Links in emails (sign-in, enrollment, reminders) and payloads point at this server unless told otherwise.
export PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-http://127.0.0.1:${PORT:-8000}}"
mkdir -p var
py=.venv/bin/python
$py manage.py migrate --no-input -v 0
$py manage.py seed_demo
# The periodic tasks (outbox sweep and webhook retries, credit sweeps, enrollment expiry, past-due holds) in a process
# of their own, as celery beat would run them; stopped with the server.
$py manage.py run_periodic_tasks &
periodic=$!
trap 'kill $periodic 2>/dev/null || true' EXIT
$py manage.py runserver "127.0.0.1:${PORT:-8000}"
