"""`manage.py import_customers FILE.csv [--jobs N]`: the bulk import from the command line (customers.imports)."""

import multiprocessing
import os
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections

from customers.imports import (
    customer_import_create,
    customer_import_plan,
    customer_import_run,
    customer_import_run_part,
)
from customers.models import CustomerImport

PROGRESS_STEP = 5000
MAX_JOBS = 8  # each process holds a database connection


def _default_jobs() -> int:
    """The CPUs this process may run on (a container's share, not the host's), at most MAX_JOBS."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(usable, MAX_JOBS))


class Command(BaseCommand):
    help = (
        "Import customers from a CSV file (header row of customer fields; `email` required), from this machine: a "
        "large file is shared between --jobs processes. Bad rows are reported and skipped; the exit status is 1 if "
        "any row was not imported."
    )
    # A data command: the system checks (URLs, admin, templates: a fifth of a second) are the deployment's to run,
    # as for Django's own migrate; an import of a few rows should not wait for them.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="CSV file, UTF-8")
        parser.add_argument(
            "--jobs",
            type=int,
            default=_default_jobs(),
            help=f"Processes sharing a large file (default: one per usable CPU, at most {MAX_JOBS}; each takes at "
            "least 5,000 rows).",
        )

    def handle(self, *args, file: Path, jobs: int, **options):
        if jobs < 1:
            raise CommandError("--jobs must be at least 1.")
        try:
            content = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        try:
            job = customer_import_create(file_name=file.name, content=content, enqueue=False, limited=False)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stderr.write(f"Import {job.id}: {job.total_rows} rows.")
        self._printed = 0
        if connection.vendor != "postgresql" or connection.in_atomic_block:
            jobs = 1  # SQLite takes one writer at a time; in a caller's transaction, other processes see nothing
        parts = customer_import_plan(customer_import_id=job.id, parts=jobs)
        if len(parts) > 1:
            self._run_in_processes(job, [part.number for part in parts])
        # Imports what is left (all of it, in one part) and marks the import completed.
        job = customer_import_run(customer_import_id=job.id, on_progress=self._progress)
        for row_error in job.row_errors.all():
            self.stderr.write(f"line {row_error.line}: {row_error.field or 'row'}: {row_error.message}")
        self.stdout.write(f"Imported {job.created_count} of {job.total_rows} rows; {job.error_count} with errors.")
        if job.error_count:
            raise CommandError(f"{job.error_count} row(s) were not imported (see the lines above).")

    def _run_in_processes(self, job: CustomerImport, numbers: list[int]) -> None:
        """Each part in a process of its own (forked: no second start-up), with its own database connection."""
        connections.close_all()
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=len(numbers), mp_context=context) as pool:
            futures = [pool.submit(_run_part, job.pk, number) for number in numbers]
            while wait(futures, timeout=0.5, return_when=FIRST_EXCEPTION).not_done:
                job.refresh_from_db(fields=["processed_rows"])
                self._progress(job.processed_rows, job.total_rows)
            try:
                for future in futures:
                    future.result()  # a part's failure (the import is marked failed) is this command's
            except BrokenProcessPool:
                # A process died (killed, out of memory): its part resumes after its last batch, here.
                self.stderr.write("A worker process died; finishing the import in this one.")

    def _progress(self, processed: int, total: int):
        step = total if processed == total else processed - processed % PROGRESS_STEP
        if step > self._printed:
            self._printed = step
            self.stderr.write(f"  {processed}/{total}")


def _run_part(customer_import_id: str, number: int) -> None:
    try:
        customer_import_run_part(customer_import_id=customer_import_id, number=number)
    finally:
        connections.close_all()
