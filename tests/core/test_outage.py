"""core.outage.Breaker.attempt: the guard every optional use of the cache goes through."""

import logging

import pytest

from core.outage import Breaker

log = logging.getLogger("tests.outage")


def test_the_operation_s_answer_while_the_service_works():
    breaker = Breaker("test", 10.0)
    assert breaker.attempt(lambda: 42, log=log, warning="down") == 42
    assert not breaker.open


def test_a_failure_trips_the_breaker_logs_on_the_caller_s_logger_and_answers_failed(caplog):
    breaker = Breaker("test", 10.0)

    def failing():
        raise ConnectionError("refused")

    with caplog.at_level(logging.WARNING, logger="tests.outage"):
        assert breaker.attempt(failing, log=log, warning="service down", failed="fallback") == "fallback"
    assert breaker.open
    [record] = caplog.records
    assert (record.name, record.getMessage(), record.exc_info[0]) == ("tests.outage", "service down", ConnectionError)


def test_while_open_the_operation_is_not_even_tried():
    breaker = Breaker("test", 10.0)
    breaker.trip()
    calls = []
    assert breaker.attempt(lambda: calls.append(1), log=log, warning="down", failed=False) is False
    assert calls == []


@pytest.mark.parametrize("value", [None, 0, ""])
def test_a_falsy_answer_is_not_mistaken_for_a_failure(value):
    breaker = Breaker("test", 10.0)
    assert breaker.attempt(lambda: value, log=log, warning="down", failed="failed") == value
    assert not breaker.open
