"""Read-replica routing (core.replica) against a real streaming replica of the suite's PostgreSQL. Pausing the
standby's replay makes it really behind: a read that shows the older state was served there, one that shows the
newer state was served by the primary."""

import csv
import io
import time
from urllib.parse import urlsplit

import pytest
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.test import Client
from django.urls import reverse

from core.pagination import parse_ordering
from core.replica import HEALTH, REPLICA, replica_read, replica_rows
from credit.dashboard import dashboard_metrics
from customers.exports import customer_csv_lines
from customers.models import Customer
from customers.selectors import customer_list
from tests.factories import CustomerFactory
from tests.scaling.replica import primary_url
from tests.staff.builders import staff_user

# serial: the replica's lag is measured against the primary's commits, which a second test process would keep making.
pytestmark = [pytest.mark.serial, pytest.mark.django_db(transaction=True, databases=["default", REPLICA])]


def dashboard_active() -> int:
    return dashboard_metrics().customers_by_status["active"]


def behind_by_one(replica) -> None:
    """One customer on both servers, a second on the primary only."""
    CustomerFactory()
    replica.catch_up()
    replica.pause_replay()
    CustomerFactory()


def test_opted_in_reads_go_to_the_replica_and_others_to_the_primary(replica, new_request):
    behind_by_one(replica)
    new_request()
    assert dashboard_active() == 1  # the replica, which has not replayed the second customer
    assert Customer.objects.count() == 2  # not opted in: the primary
    replica.resume_replay()
    replica.catch_up()
    assert dashboard_active() == 2


def test_the_staff_dashboard_and_export_read_the_replica(replica):
    behind_by_one(replica)
    client = Client()
    client.force_login(staff_user("viewer"))
    page = client.get(reverse("staff:dashboard"))
    assert page.context["metrics"].customers_by_status["active"] == 1
    export = client.get(reverse("staff:customer_export"))
    assert len(list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode())))) == 1


def test_a_read_after_a_write_in_the_same_request_reads_the_primary(replica, new_request):
    behind_by_one(replica)  # the second customer is this request's write
    assert dashboard_active() == 2
    new_request()  # the next request has written nothing
    assert dashboard_active() == 1


def test_reads_inside_a_transaction_read_the_primary(replica, new_request):
    behind_by_one(replica)
    new_request()
    with transaction.atomic():
        assert dashboard_active() == 2
    assert dashboard_active() == 1


def test_a_replica_further_behind_than_the_bound_is_not_read(replica, new_request, settings):
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 1
    behind_by_one(replica)
    new_request()
    time.sleep(1.5)  # the last commit it replayed is now older than the bound
    assert dashboard_active() == 2
    assert (HEALTH.state().reason, HEALTH.state().usable) == ("lagging", False)
    assert HEALTH.state().lag_seconds > 1
    replica.resume_replay()
    replica.catch_up()
    assert dashboard_active() == 2
    assert (HEALTH.state().reason, HEALTH.state().lag_seconds) == ("ok", 0.0)


def test_an_idle_primary_does_not_make_a_caught_up_replica_look_behind(replica, settings):
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 1
    CustomerFactory()
    replica.catch_up()
    time.sleep(1.5)  # nothing committed since: the last replayed commit is old, and nothing is missing
    state = HEALTH.state()
    assert (state.usable, state.lag_seconds) == (True, 0.0)


def test_a_replica_stopped_mid_run_is_left_for_the_primary_without_an_error(replica, new_request, settings):
    settings.DATABASE_REPLICA_CHECK_SECONDS = 60  # the process still believes the replica is up when it stops
    behind_by_one(replica)
    new_request()
    assert dashboard_active() == 1  # read there: a connection to it is open
    replica.stop()
    assert dashboard_active() == 2  # that read failed on the replica and ran again on the primary
    assert HEALTH.state().reason == "failed_during_read"
    assert replica_read(lambda: router.db_for_read(Customer))() == DEFAULT_DB_ALIAS  # until the next check


def test_a_stopped_replica_is_found_unreachable_by_the_check_and_used_again_when_back(replica, new_request):
    replica.stop()
    CustomerFactory()
    new_request()
    assert dashboard_active() == 1
    assert HEALTH.state().reason == "unreachable"
    replica.start()
    replica.catch_up()
    HEALTH.forget()  # instead of waiting out five check periods
    assert replica_read(lambda: router.db_for_read(Customer))() == REPLICA
    assert dashboard_active() == 1


def test_an_export_continues_on_the_primary_when_the_replica_stops_between_chunks(replica, new_request, settings):
    settings.DATABASE_REPLICA_CHECK_SECONDS = 60
    created = [CustomerFactory(name=f"Shop {index}").id for index in range(7)]
    replica.catch_up()
    new_request()
    ordering = parse_ordering("name[ASC]", allowed=("name",))
    lines = customer_csv_lines(customer_list(), ordering=ordering, chunk_size=3)
    head = [next(lines) for _ in range(4)]  # the header and the first chunk, read on the replica
    replica.stop()
    rows = list(csv.DictReader(io.StringIO("".join(head + list(lines)))))
    assert [row["id"] for row in rows] == created
    assert HEALTH.state().reason == "failed_during_read"


def test_a_server_that_is_no_replica_is_not_read(replica, new_request):
    """DATABASE_REPLICA_URL pointing at a primary (or a promoted standby) follows nothing: never read."""
    primary = urlsplit(primary_url())
    connections[REPLICA].close()
    connections.settings[REPLICA] |= {"HOST": primary.hostname, "PORT": primary.port}
    del connections[REPLICA]
    HEALTH.forget()
    new_request()
    assert replica_rows(Customer.objects.all()) == []
    assert HEALTH.state().reason == "not_a_replica"


def test_health_reports_the_replica_without_failing_on_it(replica, client, settings):
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 1
    assert client.get("/health").json()["replica"] == {"state": "ok", "lag_seconds": 0.0}
    behind_by_one(replica)
    time.sleep(1.5)
    response = client.get("/health")
    assert (response.status_code, response.json()["replica"]["state"]) == (200, "lagging")
