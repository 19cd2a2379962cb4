.PHONY: run test lint format worker beat install schemathesis fuzz faults bench bench-quick bench-queues bench-cluster bench-scale cluster cluster-stop

PY := .venv/bin/python

install:
	bash scripts/bootstrap.sh

run:
	bash scripts/run.sh

test:
	bash scripts/test.sh $(ARGS)

# Fuzz the served OpenAPI schema with schemathesis against a live server under the production settings (throwaway
# PostgreSQL and Redis): every operation, stateful sequences, three sets of credentials, at least 100 cases each.
# `make fuzz` also writes the counts into docs/reliability.md; `make schemathesis` only prints them.
fuzz:
	bash scripts/schemathesis.sh --record $(ARGS)

schemathesis:
	bash scripts/schemathesis.sh $(ARGS)

# The slow fault-injection tests (tests/faults): PostgreSQL and Redis of their own, stopped, frozen, restarted or
# killed under load. The fast ones run in `make test` too.
faults:
	CREDITDESK_FAULTS=1 bash scripts/test.sh -m faults tests/faults $(ARGS)

lint:
	bash scripts/lint.sh

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

# A worker for some queues (`make worker QUEUES=credit` or QUEUES=imports,notifications), every queue without QUEUES.
worker: install
	$(PY) -m celery -A config worker -l info $(if $(QUEUES),-Q $(QUEUES))

beat: install
	$(PY) -m celery -A config beat -l info

# The production topology on this machine: PostgreSQL primary + streaming replica, PgBouncer, Redis, two gunicorns
# behind HAProxy, a Celery worker per queue and a beat (scripts/cluster/start.sh); state in var/cluster.
cluster:
	bash scripts/cluster/start.sh

cluster-stop:
	bash scripts/cluster/stop.sh

# The main API scenarios through the cluster (HAProxy → 2 gunicorns → PgBouncer) beside one gunicorn on the primary,
# and runs while one gunicorn restarts (bench/cluster.py); starts the cluster when none runs, and then stops it.
bench-cluster: install
	command -v wrk >/dev/null || { export DEBIAN_FRONTEND=noninteractive; apt-get update -qq >/dev/null; apt-get install -y -qq wrk >/dev/null; }
	$(PY) -m bench.cluster $(ARGS)

bench:
	bash scripts/bench.sh $(ARGS)

bench-quick:
	bash scripts/bench.sh --quick $(ARGS)

# The API's latency and the tables' size as one database grows from 100k to 1M to 10M customers (bench/scale.py; under
# an hour, the database dropped afterwards); ARGS="--sizes 100000,1000000" for a shorter run.
bench-scale: install
	command -v wrk >/dev/null || { export DEBIAN_FRONTEND=noninteractive; apt-get update -qq >/dev/null; apt-get install -y -qq wrk >/dev/null; }
	PYTHON_BIN=$(PY) bash scripts/services.sh $(PY) -m bench.scale $(ARGS)

# Credit-decision latency with real workers while the imports queue is flooded, split queues against one (bench/queues.py).
bench-queues: install
	PYTHON_BIN=$(PY) bash scripts/services.sh $(PY) -m bench.queues $(ARGS)
