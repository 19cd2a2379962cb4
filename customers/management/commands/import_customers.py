from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from customers.imports import customer_import_create, customer_import_run


class Command(BaseCommand):
    help = (
        "Import customers from a CSV file (header row of customer fields; `email` required), in this process. "
        "Bad rows are reported and skipped; the exit status is 1 if any row was not imported."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="CSV file, UTF-8")

    def handle(self, *args, file: Path, **options):
        try:
            content = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        try:
            job = customer_import_create(file_name=file.name, content=content, enqueue=False, limited=False)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stderr.write(f"Import {job.id}: {job.total_rows} rows.")
        job = customer_import_run(customer_import_id=job.id, on_progress=self._progress)
        for row_error in job.row_errors.all():
            self.stderr.write(f"line {row_error.line}: {row_error.field or 'row'}: {row_error.message}")
        self.stdout.write(f"Imported {job.created_count} of {job.total_rows} rows; {job.error_count} with errors.")
        if job.error_count:
            raise CommandError(f"{job.error_count} row(s) were not imported (see the lines above).")

    def _progress(self, processed: int, total: int):
        if processed % 5000 == 0 or processed == total:
            self.stderr.write(f"  {processed}/{total}")
