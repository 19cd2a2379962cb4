"""A large import file divided into parts that several workers (or processes) import at the same time: the outcome
is the one a single pass gives, whatever order the parts run or commit in, and each part resumes on its own."""

import io
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from core.models import Event
from customers import imports
from customers.imports import customer_import_create, customer_import_plan, customer_import_run_part
from customers.models import Customer, CustomerImport, CustomerImportPart
from customers.tasks import run_customer_import
from tests.factories import CustomerFactory
from tests.reading import reloaded


def csv_of(count: int, *, bad: tuple[int, ...] = ()) -> bytes:
    """`count` rows; the rows numbered in `bad` (0-based) have an invalid country. Row n is on line n + 2."""
    lines = ["email,name,country"]
    lines += [f"p{n}@parts.example,Part {n},{'XX1' if n in bad else 'US'}" for n in range(count)]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def small_parts(monkeypatch):
    monkeypatch.setattr(imports, "MIN_PART_ROWS", 3)
    monkeypatch.setattr(imports, "BATCH_SIZE", 2)


def plan(content: bytes, parts: int) -> tuple[CustomerImport, list[CustomerImportPart]]:
    job = customer_import_create(file_name="parts.csv", content=content, enqueue=False)
    return job, customer_import_plan(customer_import_id=job.id, parts=parts)


def ranges(parts) -> list[tuple[int, int, int]]:
    return [(part.number, part.first_row, part.row_count) for part in parts]


@pytest.mark.django_db
class TestPlan:
    def test_a_file_is_divided_into_contiguous_parts_of_nearly_equal_size(self, small_parts):
        job, parts = plan(csv_of(11), parts=3)
        assert ranges(parts) == [(0, 0, 4), (1, 4, 4), (2, 8, 3)]
        job = reloaded(job)
        assert job.status == "running" and job.started_at is not None

    def test_no_part_is_smaller_than_the_minimum(self, small_parts):
        assert ranges(plan(csv_of(7), parts=4)[1]) == [(0, 0, 4), (1, 4, 3)]
        assert ranges(plan(csv_of(2), parts=4)[1]) == [(0, 0, 2)]

    def test_planning_again_keeps_the_parts(self, small_parts):
        job, parts = plan(csv_of(9), parts=3)
        assert ranges(customer_import_plan(customer_import_id=job.id, parts=2)) == ranges(parts)
        assert CustomerImportPart.objects.count() == 3

    def test_a_file_naming_an_email_twice_is_not_divided(self, small_parts):
        content = csv_of(9).replace(b"p7@parts.example", b" P1@Parts.example")
        assert ranges(plan(content, parts=3)[1]) == [(0, 0, 9)]

    def test_an_import_begun_in_one_pass_keeps_its_progress_in_one_part(self, small_parts):
        job = customer_import_create(file_name="parts.csv", content=csv_of(9), enqueue=False)
        CustomerImport.objects.filter(pk=job.pk).update(processed_rows=4, created_count=4, status="running")
        (part,) = customer_import_plan(customer_import_id=job.id, parts=3)
        assert (part.first_row, part.row_count, part.processed_rows) == (0, 9, 4)


@pytest.mark.django_db
def test_parts_run_in_any_order_give_the_outcome_of_one_pass(small_parts):
    existing = CustomerFactory(email="p9@parts.example")
    job, _ = plan(csv_of(12, bad=(2, 10)), parts=3)
    for number in (2, 0):
        customer_import_run_part(customer_import_id=job.id, number=number)
    job = reloaded(job)
    assert (job.status, job.processed_rows) == ("running", 8)  # not complete while a part is left

    customer_import_run_part(customer_import_id=job.id, number=1)
    job = reloaded(job)
    assert (job.status, job.processed_rows, job.created_count, job.error_count) == ("completed", 12, 9, 3)
    assert job.finished_at is not None
    assert list(dict.fromkeys(job.row_errors.values_list("line", "field"))) == [
        (4, "country"), (11, "email"), (12, "country"),
    ]  # fmt: skip
    assert job.row_errors.get(line=11).message == f"customer email conflicts with customer of id {existing.id}"
    assert Customer.objects.get(email="p11@parts.example").import_meta["line"] == 13
    assert Event.objects.filter(event_type="customer.created").count() == 9
    assert [part.processed_rows for part in job.parts.all()] == [4, 4, 4]


@pytest.mark.django_db
def test_a_part_run_again_resumes_after_its_last_committed_batch(small_parts):
    job, parts = plan(csv_of(9), parts=3)
    # As if an earlier run had committed the part's first row (p3), then its worker died.
    CustomerFactory(email="p3@parts.example")
    CustomerImportPart.objects.filter(pk=parts[1].pk).update(processed_rows=1)
    CustomerImport.objects.filter(pk=job.pk).update(processed_rows=1, created_count=1)

    customer_import_run_part(customer_import_id=job.id, number=1)
    job = reloaded(job)
    assert (job.processed_rows, job.created_count, job.error_count) == (3, 3, 0)
    assert Customer.objects.filter(email__startswith="p").count() == 3


@pytest.mark.django_db
def test_once_the_import_has_failed_the_other_parts_stop(small_parts):
    job, _ = plan(csv_of(9), parts=3)
    CustomerImport.objects.filter(pk=job.pk).update(status="failed", failure="RuntimeError: boom")
    customer_import_run_part(customer_import_id=job.id, number=2)
    assert not Customer.objects.exists()
    assert CustomerImport.objects.get(pk=job.pk).processed_rows == 0


@pytest.mark.django_db
def test_a_part_that_raises_fails_the_import(small_parts, monkeypatch):
    job, _ = plan(csv_of(9), parts=3)

    def broken(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(imports, "customers_create_many", broken)
    with pytest.raises(RuntimeError):
        customer_import_run_part(customer_import_id=job.id, number=0)
    job = reloaded(job)
    # The error goes to the log; the import (which viewers read) says so in our words.
    assert (job.status, job.failure) == ("failed", imports.IMPORT_FAILED_MESSAGE.format(id=job.id))


@pytest.mark.django_db
def test_the_task_hands_the_other_parts_to_workers_and_imports_them_itself_if_it_cannot(
    small_parts, eager_tasks, monkeypatch
):
    job, _ = plan(csv_of(9), parts=3)
    run_customer_import(job.id)  # eager: the handed-over parts run at once too
    assert CustomerImport.objects.get(pk=job.pk).status == "completed"

    from kombu.exceptions import OperationalError

    from customers import tasks

    def refused(*args, **kwargs):
        raise OperationalError("Connection refused")

    monkeypatch.setattr(tasks.run_customer_import_part, "apply_async", refused)
    job, _ = plan(csv_of(9).replace(b"@parts", b"@again"), parts=3)
    run_customer_import(job.id)
    job = reloaded(job)
    assert (job.status, job.created_count) == ("completed", 9)


@pytest.mark.django_db
def test_uploads_are_divided_into_at_most_import_parts(small_parts, eager_tasks, settings):
    settings.IMPORT_PARTS = 2
    job = customer_import_create(file_name="parts.csv", content=csv_of(9), enqueue=False)
    run_customer_import(job.id)
    assert ranges(job.parts.all()) == [(0, 0, 5), (1, 5, 4)]


@pytest.mark.django_db(transaction=True)
def test_the_command_shares_a_file_between_processes(small_parts, tmp_path):
    path = tmp_path / "parts.csv"
    path.write_bytes(csv_of(10, bad=(1, 8)))
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="2 row"):
        call_command("import_customers", str(path), "--jobs", "3", stdout=out, stderr=err)
    assert "Imported 8 of 10 rows; 2 with errors." in out.getvalue()
    assert "line 3: country" in err.getvalue() and "line 10: country" in err.getvalue()
    job = CustomerImport.objects.get()
    assert job.status == "completed"
    assert ranges(job.parts.all()) == [(0, 0, 4), (1, 4, 3), (2, 7, 3)]
    assert [part.processed_rows for part in job.parts.all()] == [4, 3, 3]


@pytest.mark.django_db
def test_the_command_refuses_fewer_than_one_job(tmp_path):
    path = tmp_path / "parts.csv"
    path.write_bytes(csv_of(1))
    with pytest.raises(CommandError, match="at least 1"):
        call_command("import_customers", str(path), "--jobs", "0")
    assert not CustomerImport.objects.exists()


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_imports_every_part(small_parts, celery_worker_process):
    job, _ = plan(csv_of(9), parts=3)  # divided here: the worker's own minimum part is larger
    run_customer_import.delay(job.id)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = reloaded(job)
        if job.is_finished:
            break
        time.sleep(0.2)
    assert (job.status, job.created_count) == ("completed", 9)
    assert [part.processed_rows for part in job.parts.all()] == [3, 3, 3]


@pytest.mark.django_db
def test_blank_lines_and_multiline_cells_before_a_part_keep_its_rows_and_line_numbers(small_parts):
    lines = csv_of(6).decode().splitlines()
    lines[2] = 'p1@parts.example,"Part\n1",US\n'  # row 1 spans lines 3-4; a blank line follows
    job, parts = plan(("\n".join(lines) + "\n").encode(), parts=2)
    assert ranges(parts) == [(0, 0, 3), (1, 3, 3)]
    customer_import_run_part(customer_import_id=job.id, number=1)
    imported = Customer.objects.order_by("email").values_list("email", "import_meta__line")
    assert list(imported) == [("p3@parts.example", 7), ("p4@parts.example", 8), ("p5@parts.example", 9)]


@pytest.mark.django_db
def test_in_a_callers_transaction_the_command_imports_in_its_own_process(small_parts, tmp_path):
    path = tmp_path / "parts.csv"
    path.write_bytes(csv_of(9))
    # pytest-django runs this test in a transaction: forked processes would not see the import's row.
    call_command("import_customers", str(path), "--jobs", "3", stdout=io.StringIO(), stderr=io.StringIO())
    job = CustomerImport.objects.get()
    assert (job.status, job.created_count, job.parts.count()) == ("completed", 9, 1)


def _die_in_part_one(customer_import_id: str, number: int) -> None:
    import os

    from customers.management.commands import import_customers

    if number == 1:
        os._exit(1)  # as if killed
    import_customers.__dict__["_original_run_part"](customer_import_id, number)


@pytest.mark.django_db(transaction=True)
def test_when_a_process_dies_the_command_finishes_its_part(small_parts, tmp_path, monkeypatch):
    from customers.management.commands import import_customers

    monkeypatch.setitem(import_customers.__dict__, "_original_run_part", import_customers._run_part)
    monkeypatch.setattr(import_customers, "_run_part", _die_in_part_one)
    path = tmp_path / "parts.csv"
    path.write_bytes(csv_of(9))
    err = io.StringIO()
    call_command("import_customers", str(path), "--jobs", "3", stdout=io.StringIO(), stderr=err)
    assert "process died" in err.getvalue()
    job = CustomerImport.objects.get()
    assert (job.status, job.created_count, job.error_count) == ("completed", 9, 0)
    assert Customer.objects.filter(email__endswith="@parts.example").count() == 9


@pytest.mark.django_db(transaction=True)
def test_the_sweep_resumes_a_running_import_whose_part_task_was_lost(small_parts):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from config.celery import app as celery_app
    from customers.tasks import sweep_stalled_customer_imports

    job, _ = plan(csv_of(9), parts=3)
    customer_import_run_part(customer_import_id=job.id, number=0)  # parts 1 and 2: their messages were lost
    assert sweep_stalled_customer_imports() == {"dispatched": 0, "failed": 0}  # parts moved just now
    celery_app.conf.task_always_eager = celery_app.conf.task_eager_propagates = True
    try:
        with time_machine.travel(timezone.now() + timedelta(seconds=601)):
            assert sweep_stalled_customer_imports() == {"dispatched": 1, "failed": 0}
            assert sweep_stalled_customer_imports() == {"dispatched": 0, "failed": 0}
    finally:
        celery_app.conf.task_always_eager = celery_app.conf.task_eager_propagates = False
    job = reloaded(job)
    assert (job.status, job.created_count) == ("completed", 9)


def test_the_command_uses_at_most_max_jobs_processes_by_default():
    from customers.management.commands.import_customers import MAX_JOBS, _default_jobs

    assert 1 <= _default_jobs() <= MAX_JOBS
