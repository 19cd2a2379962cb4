import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from core.api.idempotency import idempotency_records_purge
from core.models import Event, IdempotencyRecord
from core.tasks import purge_idempotency_records
from customers.api import views as customer_views
from customers.models import Customer
from tests.api.conftest import Api, make_api_key

pytestmark = pytest.mark.django_db

BODY = {"email": "ap@idem.example", "name": "Idem"}


def post(api, body=BODY, key="key-1"):
    return api.post("customers", body, headers={"Idempotency-Key": key})


def test_a_retry_with_the_same_key_and_body_replays_the_first_response(api):
    first = post(api)
    second = post(api, {"name": "Idem", "email": "ap@idem.example"})  # same body, other key order
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.content == first.content
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Customer.objects.count() == 1
    assert Event.objects.filter(event_type="customer.created").count() == 1


def test_the_same_key_with_another_body_is_409_idempotency_key_reused(api):
    post(api)
    response = post(api, {**BODY, "name": "Other"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert Customer.objects.get().name == "Idem"


def test_the_same_key_on_another_path_is_409(api):
    customer_id = post(api).json()["data"]["id"]
    response = api.post(f"customers/{customer_id}/restore", headers={"Idempotency-Key": "key-1"})
    assert response.status_code == 409


def test_keys_belong_to_one_client(api):
    post(api)
    other = Api(make_api_key(name="other client"))
    response = post(other, {**BODY, "email": "other@idem.example"})
    assert response.status_code == 201
    assert Customer.objects.count() == 2


def test_an_error_response_is_replayed_too(api):
    first = post(api, {"name": "no email"})
    second = post(api, {"name": "no email"})
    assert (first.status_code, second.status_code) == (400, 400)
    assert second["Idempotent-Replayed"] == "true"


def test_a_failed_request_leaves_no_record_and_no_effect_so_a_retry_runs(api, monkeypatch):
    original = customer_views.customer_create

    def create_then_fail(**kwargs):
        original(**kwargs)
        raise RuntimeError("crash after the write")

    monkeypatch.setattr(customer_views, "customer_create", create_then_fail)
    assert post(api).status_code == 500
    assert not Customer.objects.exists() and not IdempotencyRecord.objects.exists()
    monkeypatch.setattr(customer_views, "customer_create", original)
    assert post(api).status_code == 201
    assert Customer.objects.count() == 1


@pytest.mark.parametrize("key", ["", "k" * 256])
def test_an_empty_or_overlong_key_is_invalid_field(api, key):
    response = post(api, key=key)
    assert response.status_code == 400
    assert response.json()["error"]["errors"][0]["field"] == "Idempotency-Key"
    assert not Customer.objects.exists()


def test_a_key_older_than_24_hours_is_forgotten(api):
    post(api)
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))
    response = post(api, {**BODY, "email": "new@idem.example"})
    assert response.status_code == 201
    assert Customer.objects.count() == 2


def test_purge_deletes_records_past_24_hours_only(api):
    post(api, key="old")
    post(api, {**BODY, "email": "b@idem.example"}, key="new")
    IdempotencyRecord.objects.filter(key="old").update(created_at=timezone.now() - timedelta(hours=25))
    assert idempotency_records_purge() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


def test_the_purge_task_runs_the_purge(api, eager_tasks):
    post(api)
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=30))
    assert purge_idempotency_records.delay().get() == 1


@pytest.mark.django_db(transaction=True)
def test_two_identical_requests_in_parallel_have_one_effect(monkeypatch):
    token = make_api_key()
    original = customer_views.customer_create

    def slow_create(**kwargs):
        customer = original(**kwargs)
        time.sleep(0.5)  # hold the transaction open while the twin arrives
        return customer

    monkeypatch.setattr(customer_views, "customer_create", slow_create)
    responses, barrier = [], threading.Barrier(2)

    def send():
        try:
            barrier.wait()
            responses.append(post(Api(token)))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(response.status_code for response in responses) == [201, 201]
    assert responses[0].content == responses[1].content
    assert sorted(response.has_header("Idempotent-Replayed") for response in responses) == [False, True]
    assert Customer.objects.count() == 1
    assert Event.objects.filter(event_type="customer.created").count() == 1
