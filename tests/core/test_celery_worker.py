import pytest

from core.tasks import health_check


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_task_round_trips_through_a_real_worker_on_redis(celery_worker_process):
    result = health_check.delay()
    assert result.get(timeout=30) == {"database": True, "vendor": "postgresql"}
