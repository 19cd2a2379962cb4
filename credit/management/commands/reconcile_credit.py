from django.core.management.base import BaseCommand, CommandError

from credit.models import CreditBalance, CreditLedgerEntry
from credit.reconciliation import credit_reconcile


class Command(BaseCommand):
    help = (
        "Verify every credit balance against its ledger (sums and *_after chains) and its transactions. Prints each "
        "mismatch and exits non-zero when there is any."
    )

    def handle(self, *args, **options):
        mismatches = credit_reconcile()
        for mismatch in mismatches:
            self.stderr.write(f"MISMATCH {mismatch}")
        balances, entries = CreditBalance.objects.count(), CreditLedgerEntry.objects.count()
        if mismatches:
            raise CommandError(
                f"{len(mismatches)} mismatch(es) across {balances} balances and {entries} ledger entries."
            )
        self.stdout.write(f"OK: {balances} balances and {entries} ledger entries reconcile.")
