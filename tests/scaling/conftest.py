import pytest
from django.core.signals import request_started
from django.db import close_old_connections, connections

from config.settings.base import database_from_url
from core.replica import HEALTH, REPLICA
from tests.scaling.replica import StreamingReplica, primary_url


@pytest.fixture(scope="module")
def streaming_replica(django_db_setup):
    """A hot standby of the suite's PostgreSQL, made once the test database exists (so it holds it too), registered
    as DATABASES["replica"] for the module's tests as DATABASE_REPLICA_URL does (the test database on it). Before any
    test starts, so that tests may name it (`django_db(databases=REPLICA_TESTS)`); a test mirror, as in the settings,
    so that Django never flushes it (it follows the primary's flush)."""
    replica = StreamingReplica(primary_url())
    try:
        replica.start()
        name = connections["default"].settings_dict["NAME"]
        database = database_from_url(replica.url(name), pooler="") | {"TEST": {"MIRROR": "default"}}
        connections.settings[REPLICA] = connections.configure_settings(
            {"default": connections.settings["default"], REPLICA: database}
        )[REPLICA]
        yield replica
    finally:
        if REPLICA in connections.settings:
            connections[REPLICA].close()
            del connections[REPLICA]
            del connections.settings[REPLICA]
        HEALTH.forget()
        replica.cleanup()


@pytest.fixture
def replica(streaming_replica, settings):
    """The module's standby, running, replaying and caught up, its health checked on every read unless the test says
    otherwise."""
    if not (streaming_replica.dir / "data" / "postmaster.pid").exists():
        streaming_replica.start()  # an earlier test stopped it
    connections.settings[REPLICA] |= {"HOST": "127.0.0.1", "PORT": streaming_replica.port}  # or pointed it elsewhere
    streaming_replica.resume_replay()
    streaming_replica.catch_up()
    settings.DATABASE_REPLICA_CHECK_SECONDS = 0
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 30
    HEALTH.forget()
    yield streaming_replica
    connections[REPLICA].close()
    HEALTH.forget()


@pytest.fixture
def new_request():
    """What Django's handler does at the start of each request, without its connection housekeeping (as the test
    client does): the router forgets the last request's writes."""

    def start() -> None:
        request_started.disconnect(close_old_connections)
        try:
            request_started.send(sender=None)
        finally:
            request_started.connect(close_old_connections)

    return start
