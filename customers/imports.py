"""Bulk import of customers from a CSV file (SPEC §5, §6).

The file is checked as a whole when it is uploaded (encoding, header, size), then each row goes through
`customer_create` — the API's own validation — in its own transaction together with the import's counters. A bad
row is rolled back entirely and reported with its line number and field; it never leaves half a customer behind.
"""

import csv
import io
import json
from collections.abc import Callable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone

from core.actors import Actor
from core.errors import ApplicationError
from customers.models import CustomerImport, CustomerImportRowError, CustomerImportStatus
from customers.services import CUSTOMER_WRITABLE_FIELDS, customer_create

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 10_000
REQUIRED_COLUMNS = ("email",)
JSON_COLUMNS = ("custom_data", "import_meta")
TRUE_VALUES = {"true", "yes", "y", "1"}
FALSE_VALUES = {"false", "no", "n", "0"}
# Spreadsheet users write headers like "Legal name" or "Postal Code".
_HEADER_ALIASES = {"company": "name", "company_name": "name", "zip": "postal_code", "zip_code": "postal_code"}


def _normalise_header(name: str) -> str:
    key = name.strip().lower().replace(" ", "_").replace("-", "_")
    return _HEADER_ALIASES.get(key, key)


def decode_csv(content: bytes) -> str:
    if len(content) > MAX_IMPORT_BYTES:
        raise ValidationError(f"The file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB; split it.")
    try:
        # utf-8-sig drops the byte-order mark spreadsheet programs put in front of UTF-8 exports.
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError("The file is not UTF-8 text. Export it from your spreadsheet as “CSV UTF-8”.") from None


def _reader(text: str) -> csv.DictReader:
    """A reader over the data rows, its header normalised; cells beyond the header land under `__extra__`."""
    reader = csv.DictReader(io.StringIO(text, newline=""), restkey="__extra__")
    try:
        header = reader.fieldnames or []
    except csv.Error as error:
        raise ValidationError(f"This is not a readable CSV file: {error}.") from None
    reader.fieldnames = [_normalise_header(name) for name in header]
    return reader


def check_csv(text: str) -> int:
    """Validates the header and counts the data rows; raises ValidationError describing what is wrong."""
    rows = _reader(text)
    header = rows.fieldnames
    if not header:
        raise ValidationError("The file is empty: it needs a header row naming the columns, such as “email,name”.")
    problems = []
    unknown = [name for name in header if name not in CUSTOMER_WRITABLE_FIELDS]
    if unknown:
        problems.append(
            f"Unknown column(s): {', '.join(unknown)}. Columns may be: {', '.join(CUSTOMER_WRITABLE_FIELDS)}."
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        problems.append(f"Missing required column(s): {', '.join(missing)}.")
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        problems.append(f"Column(s) named more than once: {', '.join(duplicated)}.")
    if problems:
        raise ValidationError(problems)
    try:
        count = sum(1 for _ in rows)
    except csv.Error as error:
        raise ValidationError(f"This is not a readable CSV file: {error}.") from None
    if count == 0:
        raise ValidationError("The file has a header but no rows to import.")
    if count > MAX_IMPORT_ROWS:
        raise ValidationError(f"The file has {count} rows; at most {MAX_IMPORT_ROWS} can be imported at once.")
    return count


def row_to_fields(row: dict[str, Any]) -> dict[str, Any]:
    """One CSV row → keyword arguments for customer_create. Empty cells are left out (the model's defaults)."""
    errors: dict[str, str] = {}
    if row.get("__extra__"):
        errors[NON_FIELD_ERRORS] = "The row has more cells than the header has columns."
    fields: dict[str, Any] = {}
    for name, raw in row.items():
        if name == "__extra__" or raw is None or not raw.strip():
            continue
        value = raw.strip()
        if name == "marketing_consent":
            if value.lower() not in TRUE_VALUES | FALSE_VALUES:
                errors[name] = "Write true or false (yes/no and 1/0 work too)."
                continue
            fields[name] = value.lower() in TRUE_VALUES
        elif name in JSON_COLUMNS:
            try:
                fields[name] = json.loads(value)
            except json.JSONDecodeError:
                errors[name] = 'Must be a JSON object, such as {"segment": "retail"}.'
                continue
            if not isinstance(fields[name], dict):
                errors[name] = 'Must be a JSON object, such as {"segment": "retail"}.'
        else:
            fields[name] = value
    if errors:
        raise ValidationError(errors)
    return fields


@transaction.atomic
def customer_import_create(*, file_name: str, content: bytes, created_by=None, enqueue: bool = True) -> CustomerImport:
    """Check and store an uploaded file; with `enqueue`, hand it to a worker once the transaction commits."""
    text = decode_csv(content)
    total = check_csv(text)
    customer_import = CustomerImport(
        file_name=(file_name or "import.csv")[:255], content=text, total_rows=total, created_by=created_by
    )
    customer_import.full_clean()
    customer_import.save()
    if enqueue:
        from customers.tasks import run_customer_import

        transaction.on_commit(lambda: run_customer_import.delay(customer_import.id))
    return customer_import


def _row_errors(error: ValidationError | ApplicationError) -> list[tuple[str, str]]:
    if isinstance(error, ApplicationError):
        return [(error.field or "", error.detail)]
    if hasattr(error, "error_dict"):
        return [
            ("" if field == NON_FIELD_ERRORS else field, message)
            for field, messages in error.message_dict.items()
            for message in messages
        ]
    return [("", message) for message in error.messages]


def _actor(customer_import: CustomerImport) -> Actor:
    if customer_import.created_by is not None:
        return Actor.staff(customer_import.created_by)
    return Actor.system("import_customers")


def _import_row(customer_import_id: str, index: int, line: int, row: dict, actor: Actor) -> None:
    """Import one row, counted in the same transaction. Skips a row another run of this import already did."""
    with transaction.atomic():
        job = CustomerImport.objects.select_for_update().get(pk=customer_import_id)
        if job.processed_rows > index:
            return
        try:
            fields = row_to_fields(row)
            fields.setdefault("import_meta", {"source": "csv_import", "import_id": job.id, "line": line})
            # A savepoint: a failing row rolls back everything it wrote, the counters below still commit.
            with transaction.atomic():
                customer_create(actor=actor, **fields)
        except (ValidationError, ApplicationError) as error:
            CustomerImportRowError.objects.bulk_create(
                CustomerImportRowError(customer_import=job, line=line, field=field[:64], message=message)
                for field, message in _row_errors(error)
            )
            job.error_count += 1
        else:
            job.created_count += 1
        job.processed_rows += 1
        job.save(update_fields=["processed_rows", "created_count", "error_count"])


def customer_import_run(
    *, customer_import_id: str, on_progress: Callable[[int, int], None] | None = None
) -> CustomerImport:
    """Import every row not yet processed. Safe to run again (a retried task resumes where the last one stopped)."""
    job = CustomerImport.objects.select_related("created_by").get(pk=customer_import_id)
    if job.is_finished:
        return job
    CustomerImport.objects.filter(pk=job.pk, started_at__isnull=True).update(started_at=timezone.now())
    CustomerImport.objects.filter(pk=job.pk).update(status=CustomerImportStatus.RUNNING)
    actor = _actor(job)
    try:
        rows = _reader(job.content)
        for index, row in enumerate(rows):
            if index < job.processed_rows:
                continue
            # The reader counts physical lines, so a quoted cell spanning lines does not shift the numbers after it.
            _import_row(job.id, index, rows.line_num, row, actor)
            if on_progress:
                on_progress(index + 1, job.total_rows)
    except Exception as error:
        CustomerImport.objects.filter(pk=job.pk).update(
            status=CustomerImportStatus.FAILED, failure=f"{type(error).__name__}: {error}", finished_at=timezone.now()
        )
        raise
    CustomerImport.objects.filter(pk=job.pk).update(status=CustomerImportStatus.COMPLETED, finished_at=timezone.now())
    job.refresh_from_db()
    return job
