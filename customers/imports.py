"""Bulk import of customers from a CSV file (SPEC §5, §6).

The file is checked as a whole when it is uploaded (encoding, header, size), then its rows are imported in batches:
each row is validated exactly as `customer_create` validates it (`customer_build`), the valid rows of a batch are
inserted together with their events (`customers_create_many`), and bad rows are reported with their line number
and field. A batch and the import's counters commit together, so no row is ever half imported and a retried task
resumes after the last committed batch.
"""

import csv
import io
import json
from collections.abc import Callable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.actors import Actor
from core.errors import ApplicationError
from customers.models import Customer, CustomerImport, CustomerImportRowError, CustomerImportStatus
from customers.services import CUSTOMER_WRITABLE_FIELDS, customer_build, customer_create, customers_create_many

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 10_000
# Rows per transaction (and per progress step): at least BATCH_SIZE, so round trips and commits are amortised, and
# about a twentieth of the file up to MAX_BATCH_SIZE, so the progress bar moves in steps of 5 % and a retried task
# redoes little. (At 250 rows a batch, the per-batch work cost a quarter of an import's time; at 2,000, 3 %.)
BATCH_SIZE = 250
MAX_BATCH_SIZE = 2_000
REQUIRED_COLUMNS = ("email",)
JSON_COLUMNS = ("custom_data", "import_meta")
TRUE_VALUES = {"true", "yes", "y", "1"}
FALSE_VALUES = {"false", "no", "n", "0"}
# Spreadsheet users write headers like "Legal name" or "Postal Code".
_HEADER_ALIASES = {"company": "name", "company_name": "name", "zip": "postal_code", "zip_code": "postal_code"}


def _normalise_header(name: str) -> str:
    key = name.strip().lower().replace(" ", "_").replace("-", "_")
    return _HEADER_ALIASES.get(key, key)


def decode_csv(content: bytes, *, max_bytes: int | None = MAX_IMPORT_BYTES) -> str:
    if max_bytes is not None and len(content) > max_bytes:
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


def check_csv(text: str, *, max_rows: int | None = MAX_IMPORT_ROWS) -> int:
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
    if max_rows is not None and count > max_rows:
        raise ValidationError(f"The file has {count} rows; at most {max_rows} can be imported at once.")
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
def customer_import_create(
    *, file_name: str, content: bytes, created_by=None, enqueue: bool = True, limited: bool = True
) -> CustomerImport:
    """Check and store an uploaded file; with `enqueue`, hand it to a worker once the transaction commits.
    Uploads through the web are `limited` in size; the management command is not."""
    text = decode_csv(content, max_bytes=MAX_IMPORT_BYTES if limited else None)
    total = check_csv(text, max_rows=MAX_IMPORT_ROWS if limited else None)
    customer_import = CustomerImport(
        file_name=(file_name or "import.csv")[:255], content=text, total_rows=total, created_by=created_by
    )
    customer_import.full_clean()
    customer_import.save()
    if enqueue:
        from customers.tasks import customer_import_dispatch  # the tasks module imports this one

        # Never fails the upload: with the broker down, the stalled-import sweep hands it over later.
        transaction.on_commit(lambda: customer_import_dispatch(customer_import.id))
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


def _build(job_id: str, line: int, row: dict) -> Customer:
    fields = row_to_fields(row)
    fields.setdefault("import_meta", {"source": "csv_import", "import_id": job_id, "line": line})
    return customer_build(**fields)


def _import_one_by_one(job_id: str, rows: list[tuple[int, dict]], actor: Actor) -> tuple[int, list]:
    """The slow path, for a batch that met a concurrent writer: each row checked again and created through
    `customer_create` in a savepoint."""
    created, errors = 0, []
    for line, row in rows:
        try:
            fields = row_to_fields(row)
            fields.setdefault("import_meta", {"source": "csv_import", "import_id": job_id, "line": line})
            with transaction.atomic():
                customer_create(actor=actor, **fields)
            created += 1
        except (ValidationError, ApplicationError) as error:
            errors += [(line, field, message) for field, message in _row_errors(error)]
    return created, errors


def _import_batch(customer_import_id: str, first_index: int, rows: list[tuple[int, dict]], actor: Actor) -> None:
    """Import a batch of rows and count them in one transaction: valid rows are inserted together (with their
    events), invalid ones are reported; no row is ever half imported. Skips rows a previous run already did.

    Rows are validated as they are streamed to PostgreSQL, so the server inserts one while the next is checked."""
    with transaction.atomic():
        job = CustomerImport.objects.select_for_update().get(pk=customer_import_id)
        rows = rows[max(job.processed_rows - first_index, 0) :]
        if not rows:
            return
        errors: list[tuple[int, str, str]] = []
        lines: list[int] = []  # the line of each customer handed over, in order

        def valid_customers():
            for line, row in rows:
                try:
                    customer = _build(job.id, line, row)
                except (ValidationError, ApplicationError) as error:
                    errors.extend((line, field, message) for field, message in _row_errors(error))
                    continue
                lines.append(line)
                yield customer

        # Every email a row may end up with (customer_build strips and lower-cases it), for the conflict lookup.
        emails = {(row.get("email") or "").strip().lower() for _, row in rows}
        try:
            with transaction.atomic():
                conflicts = customers_create_many(customers=valid_customers(), actor=actor, emails=emails)
            created = len(lines) - len(conflicts)
            errors += [(lines[index], conflict.field or "", conflict.detail) for index, conflict in conflicts.items()]
        except IntegrityError:
            created, errors = _import_one_by_one(job.id, rows, actor)
        errors.sort(key=lambda error: error[0])
        CustomerImportRowError.objects.bulk_create(
            CustomerImportRowError(customer_import=job, line=line, field=field[:64], message=message)
            for line, field, message in errors
        )
        job.created_count += created
        job.error_count += len({line for line, _, _ in errors})
        job.processed_rows += len(rows)
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
        batch_size = min(MAX_BATCH_SIZE, max(BATCH_SIZE, job.total_rows // 20))
        batch: list[tuple[int, dict]] = []
        first_index = 0
        for index, row in enumerate(rows):
            if index < job.processed_rows:
                first_index = index + 1
                continue
            # The reader counts physical lines, so a quoted cell spanning lines does not shift the numbers after it.
            batch.append((rows.line_num, row))
            if len(batch) == batch_size:
                _import_batch(job.id, first_index, batch, actor)
                first_index += len(batch)
                batch = []
                if on_progress:
                    on_progress(first_index, job.total_rows)
        if batch:
            _import_batch(job.id, first_index, batch, actor)
            if on_progress:
                on_progress(first_index + len(batch), job.total_rows)
    except Exception as error:
        CustomerImport.objects.filter(pk=job.pk).update(
            status=CustomerImportStatus.FAILED, failure=f"{type(error).__name__}: {error}", finished_at=timezone.now()
        )
        raise
    CustomerImport.objects.filter(pk=job.pk).update(status=CustomerImportStatus.COMPLETED, finished_at=timezone.now())
    job.refresh_from_db()
    return job
