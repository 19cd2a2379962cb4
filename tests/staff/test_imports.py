import io
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from core.models import Event
from customers import imports
from customers.imports import customer_import_create, customer_import_run
from customers.models import Customer, CustomerImport
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

GOOD_AND_BAD = (
    b"Email,Name,Country,Marketing Consent,custom_data\n"
    b"ap@one.com,One,US,yes,\n"
    b"not-an-email,Two,US,,\n"
    b"ap@three.com,Three,USA,,\n"
    b"ap@four.com,Four,CA,maybe,\n"
    b'ap@five.com,Five,GB,no,"{""segment"": ""retail""}"\n'
    b"ap@one.com,One again,US,,\n"
)


def run(content: bytes) -> CustomerImport:
    job = customer_import_create(file_name="batch.csv", content=content, enqueue=False)
    return customer_import_run(customer_import_id=job.id)


def errors(job) -> list[tuple[int, str]]:
    """(line, field) of each problem; a field with several messages counts once."""
    return list(dict.fromkeys(job.row_errors.values_list("line", "field")))


def test_good_rows_are_imported_and_bad_rows_reported_by_line_and_field():
    job = run(GOOD_AND_BAD)
    assert (job.status, job.total_rows, job.processed_rows, job.created_count, job.error_count) == (
        "completed", 6, 6, 2, 4,
    )  # fmt: skip
    assert errors(job) == [(3, "email"), (4, "country"), (5, "marketing_consent"), (7, "email")]
    assert sorted(Customer.objects.values_list("email", flat=True)) == ["ap@five.com", "ap@one.com"]
    five = Customer.objects.get(email="ap@five.com")
    assert (five.custom_data, five.marketing_consent) == ({"segment": "retail"}, False)
    assert five.import_meta == {"source": "csv_import", "import_id": job.id, "line": 6}


def test_a_duplicate_row_reports_the_customer_it_collides_with():
    job = run(GOOD_AND_BAD)
    one = Customer.objects.get(email="ap@one.com")
    assert job.row_errors.get(line=7).message == f"customer email conflicts with customer of id {one.id}"


def test_a_bad_row_leaves_nothing_behind():
    run(b"email,country\nap@bad.com,XX1\n")
    assert not Customer.objects.exists()
    assert not Event.objects.exists()


def test_each_imported_row_records_its_own_created_event():
    run(b"email\na@x.com\nb@x.com\n")
    assert Event.objects.filter(event_type="customer.created", actor_type="system").count() == 2


def test_a_rerun_resumes_after_the_last_committed_row():
    job = customer_import_create(file_name="a.csv", content=b"email\na@x.com\nb@x.com\nc@x.com\n", enqueue=False)
    CustomerFactory(email="a@x.com")  # as if the first run imported row 1, then its worker died
    CustomerImport.objects.filter(pk=job.pk).update(processed_rows=1, created_count=1, status="running")
    job = customer_import_run(customer_import_id=job.id)
    assert (job.processed_rows, job.created_count, job.error_count) == (3, 3, 0)
    assert Customer.objects.filter(email="a@x.com").count() == 1


def test_a_finished_import_is_not_run_twice():
    job = run(b"email\na@x.com\n")
    assert customer_import_run(customer_import_id=job.id).created_count == 1
    assert Customer.objects.count() == 1


def test_extra_cells_make_a_row_error():
    job = run(b"email,name\na@x.com,A,surplus\n")
    assert [(e.line, e.field, e.message) for e in job.row_errors.all()] == [
        (2, "", "The row has more cells than the header has columns."),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty"),
        (b"name,city\nA,B\n", "Missing required column(s): email."),
        (b"email,colour\na@x.com,red\n", "Unknown column(s): colour."),
        (b"email,Email\na@x.com,b@x.com\n", "Column(s) named more than once: email."),
        (b"email\n", "no rows to import"),
        ("email\nzoë@x.com\n".encode("latin-1"), "not UTF-8"),
    ],
)
def test_a_file_that_cannot_be_imported_is_refused_whole(content, message):
    with pytest.raises(ValidationError) as error:
        customer_import_create(file_name="bad.csv", content=content, enqueue=False)
    assert message in " ".join(error.value.messages)
    assert not CustomerImport.objects.exists()


def test_too_many_rows_are_refused(monkeypatch):
    monkeypatch.setattr(imports, "MAX_IMPORT_ROWS", 2)
    with pytest.raises(ValidationError, match="at most 2"):
        customer_import_create(file_name="big.csv", content=b"email\na@x.com\nb@x.com\nc@x.com\n", enqueue=False)


def test_byte_order_mark_from_spreadsheets_is_ignored():
    job = run("\ufeffemail,name\na@x.com,A\n".encode())
    assert job.created_count == 1


def test_upload_runs_the_task_and_the_status_view_reports_progress(
    client_as, eager_tasks, django_capture_on_commit_callbacks
):
    manager = client_as("account_manager")
    upload = SimpleUploadedFile("batch.csv", GOOD_AND_BAD, content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(reverse("staff:import_create"), {"file": upload})
    job = CustomerImport.objects.get()
    assert response["Location"] == reverse("staff:import_detail", args=[job.id])
    status = manager.get(reverse("staff:import_status", args=[job.id])).json()
    assert status == {
        "id": job.id, "status": "completed", "total_rows": 6, "processed_rows": 6, "created_count": 2,
        "error_count": 4, "percent": 100, "finished": True,
    }  # fmt: skip
    assert job.created_by == manager.user
    assert Event.objects.filter(event_type="customer.created", actor_id=str(manager.user.pk)).count() == 2


def test_report_page_lists_each_bad_row(client_as):
    job = run(GOOD_AND_BAD)
    html = client_as("viewer").get(reverse("staff:import_detail", args=[job.id])).content.decode()
    assert "4 rows were not imported" in html
    assert "Enter an ISO 3166-1 alpha-2 country code" in html
    assert "data-import-status-url" not in html


def test_upload_of_an_unusable_file_shows_why_next_to_the_field(client_as):
    upload = SimpleUploadedFile("bad.csv", b"name\nA\n", content_type="text/csv")
    response = client_as("account_manager").post(reverse("staff:import_create"), {"file": upload})
    assert response.status_code == 200
    assert "Missing required column(s): email." in response.context["form"].errors["file"][0]
    assert not CustomerImport.objects.exists()


def test_command_imports_a_file_and_fails_when_rows_were_skipped(tmp_path):
    path = tmp_path / "customers.csv"
    path.write_bytes(GOOD_AND_BAD)
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="4 row"):
        call_command("import_customers", str(path), stdout=out, stderr=err)
    assert "Imported 2 of 6 rows; 4 with errors." in out.getvalue()
    assert "line 4: country: Enter an ISO 3166-1 alpha-2 country code" in err.getvalue()


def test_command_succeeds_quietly_on_a_clean_file(tmp_path):
    path = tmp_path / "customers.csv"
    path.write_bytes(b"email,name\na@x.com,A\n")
    out = io.StringIO()
    call_command("import_customers", str(path), stdout=out, stderr=io.StringIO())
    assert out.getvalue().strip() == "Imported 1 of 1 rows; 0 with errors."


def test_command_reports_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_customers", str(tmp_path / "nope.csv"))


def test_an_oversized_upload_is_refused_before_it_is_read(client_as, monkeypatch):
    monkeypatch.setattr("customers.staff.forms.MAX_IMPORT_BYTES", 10)
    upload = SimpleUploadedFile("big.csv", b"email\nap@one.com\nap@two.com\n", content_type="text/csv")
    response = client_as("account_manager").post(reverse("staff:import_create"), {"file": upload})
    assert "larger than" in response.context["form"].errors["file"][0]
    assert not CustomerImport.objects.exists()


def test_rows_are_imported_in_batches_with_conflicts_against_existing_customers_reported(monkeypatch):
    monkeypatch.setattr(imports, "BATCH_SIZE", 3)
    existing = CustomerFactory(email="r4@x.com")
    content = b"email,name\n" + b"".join(f"r{n}@x.com,Row {n}\n".encode() for n in range(1, 9))
    progress = []
    job = customer_import_create(file_name="b.csv", content=content, enqueue=False)
    job = customer_import_run(customer_import_id=job.id, on_progress=lambda done, total: progress.append(done))

    assert progress == [3, 6, 8]
    assert (job.processed_rows, job.created_count, job.error_count) == (8, 7, 1)
    assert job.row_errors.get().line == 5
    assert job.row_errors.get().message == f"customer email conflicts with customer of id {existing.id}"
    assert Customer.objects.filter(email__startswith="r").count() == 8
    assert Event.objects.filter(event_type="customer.created").count() == 7
    assert Customer.objects.get(email="r8@x.com").search_document.startswith("row 8 r8@x.com")


def test_a_batch_that_meets_a_concurrent_writer_falls_back_to_row_by_row(monkeypatch):
    from django.db import IntegrityError

    def raced(**kwargs):
        # The bulk INSERT hit the unique index: another writer took b@x.com after the batch's check.
        raise IntegrityError("duplicate key value violates unique constraint")

    other_writer = CustomerFactory(email="b@x.com")
    monkeypatch.setattr(imports, "customers_create_many", raced)
    job = run(b"email\na@x.com\nb@x.com\nnot-an-email\n")

    assert (job.processed_rows, job.created_count, job.error_count) == (3, 1, 2)
    assert errors(job) == [(3, "email"), (4, "email")]
    assert job.row_errors.get(line=3).message == f"customer email conflicts with customer of id {other_writer.id}"
    assert sorted(Customer.objects.values_list("email", flat=True)) == ["a@x.com", "b@x.com"]
    assert Event.objects.filter(event_type="customer.created").count() == 1


@pytest.mark.django_db(transaction=True)
def test_in_process_an_upload_answers_at_once_and_the_import_runs_beside_it(client_as, eager_tasks, settings):
    """The embedded default (tasks in process): the upload's request does not do the import; the page it redirects to
    shows the progress while a thread beside the request imports, as a worker would."""
    from customers import tasks

    settings.TASKS_BESIDE_REQUESTS = True
    released, real_plan = threading.Event(), tasks.customer_import_plan

    def plan_when_released(**kwargs):
        assert released.wait(30)
        return real_plan(**kwargs)

    tasks.customer_import_plan = plan_when_released
    try:
        manager = client_as("account_manager")
        upload = SimpleUploadedFile("batch.csv", GOOD_AND_BAD, content_type="text/csv")
        response = manager.post(reverse("staff:import_create"), {"file": upload})
        job = CustomerImport.objects.get()
        assert response["Location"] == reverse("staff:import_detail", args=[job.id])
        status = manager.get(reverse("staff:import_status", args=[job.id])).json()
        assert status["finished"] is False
        assert "data-import-status-url" in manager.get(response["Location"]).content.decode()
        released.set()
        deadline = time.monotonic() + 30
        while not status["finished"] and time.monotonic() < deadline:
            time.sleep(0.05)
            status = manager.get(reverse("staff:import_status", args=[job.id])).json()
    finally:
        released.set()
        tasks.customer_import_plan = real_plan
    assert status["status"] == "completed"
    assert (status["created_count"], status["error_count"]) == (2, 4)
