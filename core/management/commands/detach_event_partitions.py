"""`manage.py detach_event_partitions [--retention-months N] [--drop] [--dry-run]`: the event log's months older than
the retention (EVENT_RETENTION_MONTHS) leave it, with their webhook deliveries (PostgreSQL only; docs/scaling.md)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from core.partitions import detach_event_months


class Command(BaseCommand):
    help = (
        "Detach the event log's monthly partitions older than the retention, deleting their events' webhook "
        "deliveries. A detached partition is kept as a table of its own unless --drop."
    )

    def add_arguments(self, parser):
        parser.add_argument("--retention-months", type=int, default=None, help="Default: EVENT_RETENTION_MONTHS.")
        parser.add_argument("--drop", action="store_true", help="Drop each detached partition.")
        parser.add_argument("--dry-run", action="store_true", help="Only list the partitions concerned.")

    def handle(self, *args, retention_months, drop, dry_run, **options):
        if connection.vendor != "postgresql":
            self.stderr.write("The event log is partitioned on PostgreSQL only: nothing to detach.")
            return
        try:
            parts = detach_event_months(retention_months=retention_months, drop=drop, dry_run=dry_run)
        except ValueError as error:
            raise CommandError(str(error)) from None
        verb = "would detach" if dry_run else ("detached and dropped" if drop else "detached")
        for part in parts:
            self.stdout.write(f"{verb} {part.name} (~{part.rows_estimate} rows)")
        if not parts:
            self.stdout.write("No event partition is older than the retention.")
