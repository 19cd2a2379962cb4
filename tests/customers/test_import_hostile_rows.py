"""A CSV import stores its good rows whatever its bad ones hold. A row the database could refuse is refused by
validation first and reported by line and field; what validation misses is caught for its batch, which is retried
row by row, so only the row the database refuses is lost, reported with our own message. A broken file (a raw NUL
byte, UTF-16, Latin-1, binary) is refused on upload with a clear message.

Before, one `custom_data` cell of `{"x": NaN}`, `{"x": 1e309}` or `{"x": "a\\u0000b"}` made the whole import fail
(0 of 3 rows stored, no row errors) and the import page, which viewers read, showed PostgreSQL's COPY error; a file
with a raw NUL byte was a 500 on upload."""

from importlib import import_module

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DataError
from django.test import Client
from django.urls import reverse

from customers import imports
from customers.imports import ROW_REFUSED_MESSAGE, customer_import_create, customer_import_run
from customers.models import Customer, CustomerImport
from tests.staff.builders import staff_user

pytestmark = pytest.mark.django_db


def run(content: bytes) -> CustomerImport:
    job = customer_import_create(file_name="hostile.csv", content=content, enqueue=False)
    return customer_import_run(customer_import_id=job.id)


def three_rows(cell: str) -> bytes:
    quoted = cell.replace('"', '""')
    return f'email,name,custom_data\nok1@x.com,One,\nbad@x.com,Bad,"{quoted}"\nok2@x.com,Two,"{{""a"": 1}}"\n'.encode()


@pytest.mark.parametrize(
    "cell",
    [
        '{"x": NaN}',
        '{"x": 1e309}',
        '{"x": -Infinity}',
        '{"x": "a\\u0000b"}',
        '{"a\\u0000": 1}',
        '{"x": "\\ud800"}',
        '{"x": ' + "[" * 5000 + "]" * 5000 + "}",  # deeper than the parser's recursion limit
        '{"x": ' + "9" * 5000 + "}",  # more digits than Python reads as an integer
        '{"x": "' + "y" * 20_000 + '"}',
    ],
    ids=["NaN", "1e309", "-Infinity", "NUL", "NUL key", "surrogate", "deep", "long integer", "large"],
)
def test_one_bad_json_cell_costs_its_row_only_reported_by_line_and_field(cell):
    job = run(three_rows(cell))
    assert (job.status, job.failure, job.created_count, job.error_count) == ("completed", "", 2, 1)
    assert list(job.row_errors.values_list("line", "field")) == [(3, "custom_data")]
    assert sorted(Customer.objects.values_list("email", flat=True)) == ["ok1@x.com", "ok2@x.com"]


def test_over_long_text_is_a_row_error_too():
    job = run(
        b"email,name,postal_code\nok@x.com,Fine,12345\nlong@x.com,"
        + b"n" * 300
        + b",1\nzip@x.com,Z,"
        + b"9" * 40
        + b"\n"
    )
    assert list(job.row_errors.values_list("line", "field")) == [(3, "name"), (4, "postal_code")]
    assert list(Customer.objects.values_list("email", flat=True)) == ["ok@x.com"]


def test_a_row_the_database_refuses_after_validation_costs_that_row_only(monkeypatch):
    """What validation might miss: with the JSON document check switched off, the NaN reaches PostgreSQL, which
    refuses the batch's COPY; the batch is retried row by row, and the refused row is reported in our words."""
    monkeypatch.setattr(Customer._meta.get_field("custom_data"), "validators", [])
    monkeypatch.setattr("customers.services.customers.validate_json_documents", lambda fields, names: None)
    job = run(three_rows('{"x": NaN}'))
    assert (job.status, job.failure, job.created_count, job.error_count) == ("completed", "", 2, 1)
    assert list(job.row_errors.values_list("line", "field", "message")) == [(3, "", ROW_REFUSED_MESSAGE)]
    assert sorted(Customer.objects.values_list("email", flat=True)) == ["ok1@x.com", "ok2@x.com"]


def test_an_import_stopped_by_an_unexpected_error_shows_our_words_not_the_databases(monkeypatch):
    def refuse(*args, **kwargs):
        raise DataError('invalid input syntax for type json\nDETAIL: Token "NaN" is invalid. CONTEXT: COPY customer')

    monkeypatch.setattr(imports, "_import_batch", refuse)
    job = customer_import_create(file_name="a.csv", content=b"email\na@x.com\n", enqueue=False)
    with pytest.raises(DataError):
        customer_import_run(customer_import_id=job.id)
    job.refresh_from_db()
    assert job.status == "failed"
    assert "COPY" not in job.failure and "NaN" not in job.failure and job.id in job.failure
    viewer = Client()
    viewer.force_login(staff_user("viewer"))
    page = viewer.get(reverse("staff:import_detail", args=[job.id])).text
    assert "invalid input syntax" not in page and "COPY" not in page


BROKEN_FILES = {
    "raw NUL byte": (b"email,name\na@x.com,Nul\x00Co\n", "NUL"),
    "UTF-16 with a byte-order mark": ("email,name\na@x.com,Acme\n".encode("utf-16"), "UTF-16"),
    "UTF-16 without one": ("email,name\na@x.com,Acme\n".encode("utf-16-le"), "UTF-16"),
    "Latin-1": ("email,name\na@x.com,Café\n".encode("latin-1"), "not UTF-8"),
    "binary (PNG)": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01", "binary"),
    "binary, no NUL": (b"email\n\xff\xd8\xff\xe0JFIF", "not UTF-8"),
}


@pytest.mark.parametrize("content, words", BROKEN_FILES.values(), ids=BROKEN_FILES.keys())
def test_a_broken_file_is_refused_on_upload_with_a_clear_message(content, words):
    with pytest.raises(ValidationError) as refused:
        customer_import_create(file_name="broken.csv", content=content, enqueue=False)
    assert words in refused.value.messages[0]
    assert not CustomerImport.objects.exists()


@pytest.mark.parametrize("content, words", BROKEN_FILES.values(), ids=BROKEN_FILES.keys())
def test_the_staff_upload_shows_the_refusal_next_to_the_file(content, words):
    manager = Client()
    manager.force_login(staff_user("account_manager"))
    response = manager.post(reverse("staff:import_create"), {"file": SimpleUploadedFile("broken.csv", content)})
    assert response.status_code == 200
    assert words in response.context["form"].errors["file"][0]
    assert not CustomerImport.objects.exists()


def test_a_failure_recorded_in_the_databases_words_before_is_replaced_by_ours():
    job = customer_import_create(file_name="old.csv", content=b"email\na@x.com\n", enqueue=False)
    CustomerImport.objects.filter(pk=job.pk).update(
        status="failed", failure='DataError: invalid input syntax for type json DETAIL: Token "NaN" is invalid.'
    )
    import_module("customers.migrations.0014_import_failure_in_our_words").forward(apps, None)
    job.refresh_from_db()
    assert job.failure == imports.IMPORT_FAILED_MESSAGE.format(id=job.id)
