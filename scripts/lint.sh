#!/usr/bin/env bash
# Static checks: ruff (style, imports, bugs; no import inside a function in application code) and import-linter (the
# layers core <- customers <- credit <- config, and no import cycle between sibling modules). The test command runs
# this first, so CI fails on a new cycle or an import running back up a layer.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/lint-imports --no-cache
