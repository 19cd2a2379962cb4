from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from credit.models import CreditBalance, CreditLedgerEntry
from credit.reconciliation import credit_reconcile


class Command(BaseCommand):
    help = (
        "Verify every credit balance against its ledger (sums and *_after chains) and its transactions. Prints each "
        "mismatch and exits non-zero when there is any."
    )

    def handle(self, *args, **options):
        if connection.vendor == "postgresql":
            # A batch check over whole tables, not a web request: the web's statement timeout does not apply.
            with connection.cursor() as cursor:
                cursor.execute("SET statement_timeout = 0")
        mismatches = credit_reconcile()
        for mismatch in mismatches:
            self.stderr.write(f"MISMATCH {mismatch}")
        balances, entries = CreditBalance.objects.count(), CreditLedgerEntry.objects.count()
        if mismatches:
            raise CommandError(
                f"{len(mismatches)} mismatch(es) across {balances} balances and {entries} ledger entries."
            )
        self.stdout.write(f"OK: {balances} balances and {entries} ledger entries reconcile.")
