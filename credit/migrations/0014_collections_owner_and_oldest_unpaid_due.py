
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('credit', '0013_dashboard_top_used_and_used_moves_indexes'),
        ('customers', '0014_import_failure_in_our_words'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='creditaccount',
            name='collections_owner',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, db_index=False),
        ),
        migrations.AddField(
            model_name='creditaccount',
            name='oldest_unpaid_due_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name='creditaccount',
            index=models.Index(condition=models.Q(('collections_owner__isnull', False)), fields=['collections_owner', 'customer'], name='credit_account_owner_idx'),
        ),
        migrations.AddIndex(
            model_name='credittransaction',
            index=models.Index(condition=models.Q(('amount_repaid__lt', models.F('amount')), ('status', 'completed')), fields=['customer', 'due_at'], name='credit_tx_unpaid_due_idx'),
        ),
        # Each account's oldest purchase still owed, from the purchases as they are (later kept in step by the
        # services that complete and repay purchases).
        migrations.RunSQL(
            """
            UPDATE credit_creditaccount AS account SET oldest_unpaid_due_at = unpaid.due_at
            FROM (
                SELECT customer_id, MIN(due_at) AS due_at FROM credit_credittransaction
                WHERE status = 'completed' AND amount_repaid < amount GROUP BY customer_id
            ) AS unpaid
            WHERE unpaid.customer_id = account.customer_id
            """,
            migrations.RunSQL.noop,
        ),
    ]
