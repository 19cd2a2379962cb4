#!/usr/bin/env bash
# The embedded default: SQLite, tasks in process, demo data, a printed login and API key.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export DJANGO_SETTINGS_MODULE=config.settings.local
mkdir -p var
py=.venv/bin/python
$py manage.py migrate --no-input -v 0
$py manage.py seed_demo
$py manage.py runserver "127.0.0.1:${PORT:-8000}"
