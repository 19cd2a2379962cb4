"""`manage.py reconcile_credit`: every balance against its ledger and its transactions; exits 1 on a mismatch."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from credit.models import CreditBalance, CreditLedgerEntry
from credit.reconciliation import credit_reconcile


class Command(BaseCommand):
    help = (
        "Verify every credit balance against its ledger (sums and *_after chains) and its transactions. Prints each "
        "mismatch and exits non-zero when there is any."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # A batch check over whole tables, not a web request: the web's statement timeout does not apply. For
                # this transaction only (SET LOCAL): through a transaction-pooling PgBouncer, a session setting would
                # stay on a server connection that other clients get next.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL statement_timeout = 0")
            mismatches = credit_reconcile()
            balances, entries = CreditBalance.objects.count(), CreditLedgerEntry.objects.count()
        for mismatch in mismatches:
            self.stderr.write(f"MISMATCH {mismatch}")
        if mismatches:
            raise CommandError(
                f"{len(mismatches)} mismatch(es) across {balances} balances and {entries} ledger entries."
            )
        self.stdout.write(f"OK: {balances} balances and {entries} ledger entries reconcile.")
