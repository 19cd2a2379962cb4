"""Working through PgBouncer in transaction pooling (DATABASE_POOLER=pgbouncer): the settings it implies, and no
session state anywhere in the application's SQL. scripts/test.sh runs the database-heavy tests a second time through
a real PgBouncer; the last test here proves that pass really goes through it."""

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connection, connections, router

from config.settings.base import database_from_url
from core.replica import REPLICA, replica_read
from customers.models import Customer

ROOT = Path(__file__).resolve().parents[2]
URL = "postgres://app:secret@db.internal:6432/creditdesk"
POOLED = os.environ.get("DATABASE_POOLER") == "pgbouncer"


def test_through_pgbouncer_nothing_is_kept_in_the_session():
    database = database_from_url(URL, pooler="pgbouncer")
    assert database["DISABLE_SERVER_SIDE_CURSORS"] is True
    # No `options` startup parameter (PgBouncer refuses it: the timeouts come from the role), no prepared statements
    # (PgBouncer 1.18 does not track them).
    assert database["OPTIONS"] == {"connect_timeout": 3, "prepare_threshold": None}


def test_directly_the_session_carries_the_timeouts():
    database = database_from_url(URL, pooler="")
    assert database.get("DISABLE_SERVER_SIDE_CURSORS", False) is False
    assert database["OPTIONS"]["options"] == (
        "-c statement_timeout=30000 -c client_connection_check_interval=2000 -c constraint_exclusion=off"
    )


def test_an_unknown_pooler_is_refused():
    with pytest.raises(ImproperlyConfigured, match="DATABASE_POOLER must be one of"):
        database_from_url(URL, pooler="pgpool")


def test_a_replica_url_adds_a_mirrored_replica_database_and_the_router():
    """DATABASES as the settings build them from the environment (a fresh interpreter: settings load once)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("DATABASE_")}
    env |= {"DATABASE_URL": URL, "DATABASE_POOLER": "pgbouncer", "DATABASE_REPLICA_URL": URL.replace("db.", "ro.")}
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "r = s.DATABASES['replica']; "
        "print(r['HOST'], r['TEST'], r.get('DISABLE_SERVER_SIDE_CURSORS'), s.DATABASE_ROUTERS)"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.stdout.split(" ", 2)[:2] == ["ro.internal", "{'MIRROR':"]
    assert "False ['core.replica.ReplicaRouter']" in result.stdout  # the replica is reached directly


def test_without_a_replica_every_read_goes_to_the_primary():
    assert REPLICA not in connections.settings
    assert replica_read(lambda: router.db_for_read(Customer))() == DEFAULT_DB_ALIAS
    assert router.db_for_write(Customer) == DEFAULT_DB_ALIAS


# Session state, which a transaction-pooling PgBouncer would carry to another client or lose: a session-level SET
# (SET LOCAL and SET CONSTRAINTS are the transaction's; SQL here is written in capitals), a session advisory lock,
# LISTEN, a cursor held past its transaction, a temporary table that outlives one, set_config(…, false).
SESSION_STATE = re.compile(
    r"""["']\s*SET\s+(?!LOCAL\b|CONSTRAINTS\b)|(?i:pg_(try_)?advisory_lock(_shared)?\s*\(|["']\s*LISTEN\s|WITH\s+HOLD"""
    r"""|CREATE\s+TEMP(ORARY)?\s+TABLE|set_config\([^)]*false)"""
)


def test_no_application_sql_keeps_session_state():
    sources = [path for package in ("config", "core", "customers", "credit") for path in (ROOT / package).rglob("*.py")]
    assert len(sources) > 50
    offending = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sources
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if SESSION_STATE.search(line) and not line.lstrip().startswith("#")
    ]
    assert offending == []


def test_the_pattern_catches_what_it_is_meant_to():
    caught = ['"SET statement_timeout = 0"', "'SET search_path TO x'", "pg_advisory_lock(42)", '"LISTEN events"']
    caught += ["DECLARE c CURSOR WITH HOLD FOR", "CREATE TEMP TABLE t", "set_config('a', 'b', false)"]
    allowed = [
        '"SET LOCAL statement_timeout = 0"',
        '"SET CONSTRAINTS ALL DEFERRED"',
        "pg_advisory_xact_lock(42)",
        '"UPDATE t SET a = 1"',
        '"Set on x"',
    ]
    assert all(SESSION_STATE.search(text) for text in caught)
    assert not any(SESSION_STATE.search(text) for text in allowed)


@pytest.mark.skipif(not POOLED, reason="the PgBouncer pass of scripts/test.sh")
@pytest.mark.django_db
def test_the_pooled_pass_goes_through_pgbouncer_in_transaction_pooling():
    connection.ensure_connection()
    bouncer = urlsplit(os.environ["DATABASE_URL"])
    admin = f"postgres://postgres@{bouncer.hostname}:{bouncer.port}/pgbouncer"
    with psycopg.connect(admin, autocommit=True, prepare_threshold=None) as conn:
        cursor = conn.execute("SHOW POOLS")
        columns = [column.name for column in cursor.description]
        pools = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    pool = next(pool for pool in pools if pool["database"] == connection.settings_dict["NAME"])
    assert pool["pool_mode"] == "transaction"
    assert pool["cl_active"] >= 1  # this test's own connection
