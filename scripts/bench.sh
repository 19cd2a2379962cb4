#!/usr/bin/env bash
# make bench / make bench-quick: see bench/run.py.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
command -v wrk >/dev/null || { export DEBIAN_FRONTEND=noninteractive; apt-get update -qq >/dev/null; apt-get install -y -qq wrk >/dev/null; }
export PYTHON_BIN=.venv/bin/python
exec bash scripts/services.sh .venv/bin/python -m bench.run "$@"
