from django.db import migrations

from core.migrations_utils import postgres_sql

FORWARD = """
CREATE OR REPLACE FUNCTION credit_ledger_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'credit ledger entries are append-only (% refused)', TG_OP USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER credit_ledger_append_only BEFORE UPDATE OR DELETE ON credit_creditledgerentry
FOR EACH ROW EXECUTE FUNCTION credit_ledger_refuse_change();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS credit_ledger_append_only ON credit_creditledgerentry;
DROP FUNCTION IF EXISTS credit_ledger_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("credit", "0001_initial")]

    operations = [postgres_sql(FORWARD, BACKWARD)]
