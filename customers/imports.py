"""Bulk import of customers from a CSV file (README, "Import").

The file is checked as a whole when it is uploaded (encoding, header, size), then its rows are imported in batches:
each row is validated exactly as `customer_create` validates it (`customer_build`), the valid rows of a batch are
inserted together with their events (`customers_create_many`), and bad rows are reported with their line number
and field. A large file is divided into parts (contiguous ranges of rows) that several workers import at the same
time. A batch, its part's progress and the import's counters commit together, so no row is ever half imported and
a retried task resumes after its part's last committed batch.
"""

import codecs
import csv
import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DataError, IntegrityError, InternalError, transaction
from django.db.models import F
from django.utils import timezone

from core.actors import Actor
from core.bulk import collection_paused
from core.dispatch import dispatch
from core.errors import ApplicationError
from core.jsondoc import MAX_DEPTH
from core.text import storable_text
from customers.models import (
    Customer,
    CustomerImport,
    CustomerImportPart,
    CustomerImportRowError,
    CustomerImportStatus,
)
from customers.services import (
    CUSTOMER_WRITABLE_FIELDS,
    JSON_DOCUMENT_FIELDS,
    customer_build,
    customer_create,
    customers_create_many,
)

logger = logging.getLogger(__name__)

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 10_000
# Rows per transaction (and per progress step): at least BATCH_SIZE, so round trips and commits are amortised, and
# about a twentieth of the file up to MAX_BATCH_SIZE, so the progress bar moves in steps of 5 % and a retried task
# redoes little. (At 250 rows a batch, the per-batch work cost a quarter of an import's time; at 2,000, 3 %.)
BATCH_SIZE = 250
MAX_BATCH_SIZE = 2_000
# Rows a part of a file has at least when the file is shared between several workers (below that, the part's own
# overheads would outweigh the gain).
MIN_PART_ROWS = 5_000
REQUIRED_COLUMNS = ("email",)
TRUE_VALUES = {"true", "yes", "y", "1"}
FALSE_VALUES = {"false", "no", "n", "0"}
# Spreadsheet users write headers like "Legal name" or "Postal Code".
_HEADER_ALIASES = {"company": "name", "company_name": "name", "zip": "postal_code", "zip_code": "postal_code"}
# What the database may still refuse of a row validation passed (a rule validation lacks): the batch is retried row
# by row, and such a row reported with ROW_REFUSED_MESSAGE (its own error is logged, never shown: it may quote data
# and names the database's internals). A lost connection (OperationalError) is no row's fault: the task retries.
_ROW_REFUSALS = (IntegrityError, DataError, InternalError, UnicodeEncodeError)
ROW_REFUSED_MESSAGE = "The database refused this row; nothing of it was imported. Check its values, or tell support."
IMPORT_FAILED_MESSAGE = "an unexpected error on the server (logged with this import's id, {id})"


def _normalise_header(name: str) -> str:
    key = name.strip().lower().replace(" ", "_").replace("-", "_")
    return _HEADER_ALIASES.get(key, key)


_EXPORT_AS_UTF8 = "Export it from your spreadsheet as “CSV UTF-8”."


def decode_csv(content: bytes, *, max_bytes: int | None = MAX_IMPORT_BYTES) -> str:
    """The file as text, or a ValidationError saying why it is not a UTF-8 CSV file: UTF-16 (which spreadsheet programs
    call "Unicode text"), another encoding, or binary. A NUL byte is refused whatever the encoding: no text column
    can store it, and UTF-16 is mostly NULs (the file would otherwise decode as UTF-8 and fail later)."""
    if max_bytes is not None and len(content) > max_bytes:
        raise ValidationError(f"The file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB; split it.")
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or content[:2].count(b"\x00") == 1:
        raise ValidationError(f"The file is UTF-16 text, not UTF-8. {_EXPORT_AS_UTF8}")
    if (nul := content.find(b"\x00")) >= 0:
        line = content.count(b"\n", 0, nul) + 1
        raise ValidationError(
            f"The file holds a NUL byte (line {line}): it is binary or damaged, not CSV text. {_EXPORT_AS_UTF8}"
        )
    try:
        # utf-8-sig drops the byte-order mark spreadsheet programs put in front of UTF-8 exports.
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content.count(b"\n", 0, error.start) + 1
        raise ValidationError(
            f"The file is not UTF-8 text (line {line} has a byte UTF-8 does not allow there): it may be in another "
            f"encoding, such as Latin-1, or not text at all. {_EXPORT_AS_UTF8}"
        ) from None


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
        count = sum(1 for row in rows.reader if row)  # as the DictReader counts (it skips blank lines), faster
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
        elif name in JSON_DOCUMENT_FIELDS:
            # The model's validator (core.jsondoc) judges the document; here only whether the cell is JSON at all.
            try:
                fields[name] = json.loads(value)
            except RecursionError:
                errors[name] = f"Must not be nested more than {MAX_DEPTH} levels deep."
            except ValueError:  # not JSON, or an integer of more digits than Python reads
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
    # As Django cleans an uploaded file's name: only printable characters (no NUL, no unpaired surrogate).
    file_name = "".join(character for character in file_name or "" if character.isprintable())
    total = check_csv(text, max_rows=MAX_IMPORT_ROWS if limited else None)
    customer_import = CustomerImport(
        file_name=(file_name or "import.csv")[:255], content=text, total_rows=total, created_by=created_by
    )
    customer_import.full_clean()
    customer_import.save()
    if enqueue:
        # Never fails the upload: with the broker down, the stalled-import sweep hands it over later.
        transaction.on_commit(lambda: customer_import_dispatch(customer_import.id), robust=True)
    return customer_import


def customer_import_dispatch(customer_import_id: str) -> bool:
    """Hand a pending (or stalled running) import to its task (core.dispatch); the sweep retries what this could
    not hand over. In the embedded default it runs beside the request that uploaded it, whose page then shows the
    progress."""
    waiting = CustomerImport.objects.filter(status__in=[CustomerImportStatus.PENDING, CustomerImportStatus.RUNNING])
    return dispatch("customers.run_customer_import", customer_import_id, waiting=waiting, beside=True)


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
    customer = customer_build(**fields)
    if "import_meta" not in fields:  # where it came from, unless the file says (made here: nothing to validate)
        customer.import_meta = {"source": "csv_import", "import_id": job_id, "line": line}
    return customer


def _import_one_by_one(job_id: str, rows: list[tuple[int, dict]], actor: Actor) -> tuple[int, list]:
    """The slow path, for a batch that met a concurrent writer or that the database refused: each row checked again
    and created through `customer_create` in a savepoint, so a row the database refuses costs that row only."""
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
        except _ROW_REFUSALS:
            logger.exception("import %s: line %d refused by the database", job_id, line)
            errors.append((line, "", ROW_REFUSED_MESSAGE))
    return created, errors


def customer_import_plan(*, customer_import_id: str, parts: int = 1) -> list[CustomerImportPart]:
    """Divide an import's rows into up to `parts` contiguous parts, which separate tasks (or processes) may import at
    the same time, and mark it running. Idempotent: an import already divided keeps its parts.

    A part has at least MIN_PART_ROWS rows. A file naming one email twice is not divided, so that which of its rows
    is imported and which refused as a duplicate never depends on which part commits first: the earlier line wins,
    as in one pass. Neither is an import begun before parts existed (its progress becomes its one part's)."""
    with transaction.atomic():
        job = CustomerImport.objects.select_for_update().defer("content").get(pk=customer_import_id)
        existing = list(job.parts.all())
        if existing or job.is_finished:
            return existing
        count = max(1, min(parts, job.total_rows // MIN_PART_ROWS))
        if count > 1 and (job.processed_rows or _repeats_an_email(job.content)):
            count = 1
        sizes = [job.total_rows // count + (1 if number < job.total_rows % count else 0) for number in range(count)]
        planned = CustomerImportPart.objects.bulk_create(
            CustomerImportPart(
                customer_import=job,
                number=number,
                first_row=sum(sizes[:number]),
                row_count=size,
                processed_rows=job.processed_rows if count == 1 else 0,
            )
            for number, size in enumerate(sizes)
        )
        job.status = CustomerImportStatus.RUNNING
        job.started_at = job.started_at or timezone.now()
        job.save(update_fields=["status", "started_at"])
    return planned


def _repeats_an_email(text: str) -> bool:
    rows = _reader(text)
    column = rows.fieldnames.index("email")
    # The plain reader under the DictReader (which skips blank lines and makes a dict per row): one cell per row.
    emails = [row[column].strip().lower() for row in rows.reader if len(row) > column]
    emails = [email for email in emails if email]
    return len(set(emails)) < len(emails)


def customer_import_run_part(
    *, customer_import_id: str, number: int, on_progress: Callable[[int, int], None] | None = None
) -> None:
    """Import the rows of one part not yet processed, in batches; stops early if the import failed meanwhile.
    Safe to run again, or twice at once (its batches take turns and skip what is done)."""
    part = CustomerImportPart.objects.select_related("customer_import__created_by").defer("customer_import__content")
    part = part.get(customer_import_id=customer_import_id, number=number)
    job = part.customer_import
    if part.is_done or job.is_finished:
        return  # without reading the file
    actor = _actor(job)
    try:
        batch_size = min(MAX_BATCH_SIZE, max(BATCH_SIZE, job.total_rows // 20))
        start, end = part.first_row + part.processed_rows, part.first_row + part.row_count
        for first_index, batch in _batches(job.content, start, end, batch_size):
            with collection_paused():
                processed = _import_batch(job, part.pk, first_index, batch, actor)
            if processed is None:
                return
            if on_progress:
                on_progress(processed, job.total_rows)
    except Exception:
        # The first failure is the one recorded (another part failing after it would only hide the cause). Its text
        # goes to the log only: the page, which viewers read, says what happened in our words.
        logger.exception("import %s: part %d stopped", job.pk, number)
        CustomerImport.objects.filter(pk=job.pk, status=CustomerImportStatus.RUNNING).update(
            status=CustomerImportStatus.FAILED,
            failure=IMPORT_FAILED_MESSAGE.format(id=job.pk),
            finished_at=timezone.now(),
        )
        raise


def _batches(text: str, start: int, end: int, size: int) -> Iterator[tuple[int, list[tuple[int, dict]]]]:
    """(index of the first row, [(line, row), …]) for the data rows start ≤ index < end, `size` at a time."""
    rows = _reader(text)
    skipped = 0
    while skipped < start:  # rows of earlier parts: read, not made into dicts (the DictReader skips blank lines too)
        row = next(rows.reader, None)
        if row is None:
            return
        skipped += bool(row)
    batch: list[tuple[int, dict]] = []
    first_index = start
    for index, row in enumerate(rows, start):
        if index >= end:
            break
        # The reader counts physical lines, so a quoted cell spanning lines does not shift the numbers after it.
        batch.append((rows.line_num, row))
        if len(batch) == size:
            yield first_index, batch
            first_index, batch = index + 1, []
    if batch:
        yield first_index, batch


def _import_batch(
    job: CustomerImport, part_id: int, first_index: int, rows: list[tuple[int, dict]], actor: Actor
) -> int | None:
    """Import a batch of a part's rows and count them in one transaction: valid rows are inserted together (with
    their events), invalid ones are reported; no row is ever half imported. Skips rows a previous run already did.
    Returns how many rows of the whole import are processed, or None if the import has failed meanwhile.

    Rows are validated as they are streamed to PostgreSQL, so the server inserts one while the next is checked."""
    with transaction.atomic():
        part = CustomerImportPart.objects.select_for_update().get(pk=part_id)
        if CustomerImport.objects.filter(pk=job.pk, status=CustomerImportStatus.FAILED).exists():
            return None
        rows = rows[max(part.first_row + part.processed_rows - first_index, 0) :]
        if not rows:
            return CustomerImport.objects.values_list("processed_rows", flat=True).get(pk=job.pk)
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
        except _ROW_REFUSALS:
            # A conflicting insert by another writer (IntegrityError), or a row the database refuses: the COPY
            # inserted nothing, so the batch is done again row by row.
            created, errors = _import_one_by_one(job.id, rows, actor)
        errors.sort(key=lambda error: error[0])
        CustomerImportRowError.objects.bulk_create(
            # A message may quote the row (a key of its custom_data): recorded so that recording cannot fail.
            CustomerImportRowError(
                customer_import_id=job.pk, line=line, field=storable_text(field)[:64], message=storable_text(message)
            )
            for line, field, message in errors
        )
        part.processed_rows += len(rows)
        part.save(update_fields=["processed_rows"])
        # The import's row is shared by its parts: changed last, so it stays locked only for the commit.
        CustomerImport.objects.filter(pk=job.pk).update(
            processed_rows=F("processed_rows") + len(rows),
            created_count=F("created_count") + created,
            error_count=F("error_count") + len({line for line, _, _ in errors}),
        )
        return _complete_if_done(job.pk)


def _complete_if_done(customer_import_id: str) -> int:
    """Mark the import completed once every row is processed; returns how many are."""
    processed, total = CustomerImport.objects.values_list("processed_rows", "total_rows").get(pk=customer_import_id)
    if processed == total:
        CustomerImport.objects.filter(pk=customer_import_id, status=CustomerImportStatus.RUNNING).update(
            status=CustomerImportStatus.COMPLETED, finished_at=timezone.now()
        )
    return processed


def customer_import_run(
    *, customer_import_id: str, on_progress: Callable[[int, int], None] | None = None
) -> CustomerImport:
    """Import every row not yet processed, part after part, in this process. Safe to run again (a retried run
    resumes where the last one stopped)."""
    job = CustomerImport.objects.defer("content").get(pk=customer_import_id)
    if not job.is_finished:
        for part in customer_import_plan(customer_import_id=job.pk):
            customer_import_run_part(customer_import_id=job.pk, number=part.number, on_progress=on_progress)
        _complete_if_done(job.pk)
    return CustomerImport.objects.defer("content").get(pk=customer_import_id)
