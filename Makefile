.PHONY: run test lint format worker beat install schemathesis bench bench-quick

PY := .venv/bin/python

install:
	bash scripts/bootstrap.sh

run:
	bash scripts/run.sh

test:
	bash scripts/test.sh $(ARGS)

# Fuzz the served OpenAPI schema with schemathesis against a live server (throwaway PostgreSQL and Redis).
schemathesis:
	bash scripts/schemathesis.sh $(ARGS)

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

worker: install
	$(PY) -m celery -A config worker -l info

beat: install
	$(PY) -m celery -A config beat -l info

bench:
	bash scripts/bench.sh $(ARGS)

bench-quick:
	bash scripts/bench.sh --quick $(ARGS)
