"""Reasons and scorecards written before amounts reached people in major units get them: "requested amount 7500000
USD" becomes "requested amount 75,000.00 USD", "referred: 7500000 requested, above the instant limit 5000000" becomes
"referred: 75,000.00 USD requested, above the instant limit 50,000.00 USD", and an automatic hold's "ctx_…: 100000 USD
due 2026-02-04, …" becomes "ctx_…: 1,000.00 USD due 2026-02-04, …" — in a check's or decision's `reasons` and in its
scorecard's labels. Only those exact wordings are rewritten; anything else is left as it is. Backwards, nothing is
undone: the amounts are the same, only written for people."""

import re

from django.db import migrations

from core.money import CURRENCY_CODES, format_human

BATCH = 1000
REQUESTED = re.compile(r"requested amount (?P<amount>\d+) (?P<code>[A-Z]{3})$")
INSTANT_LIMIT = re.compile(r"^referred: (?P<amount>\d+) requested, above the instant limit (?P<limit>\d+)$")
PAST_DUE = re.compile(r"^(?P<id>ctx_[a-z0-9]+): (?P<amount>\d+) (?P<code>[A-Z]{3}) due ")


def readable(text, currency):
    """`text` with its minor-unit amounts in major units, or `text` unchanged when it is none of the wordings."""
    if not isinstance(text, str):
        return text
    if (match := REQUESTED.search(text)) and match["code"] in CURRENCY_CODES:
        return text[: match.start("amount")] + format_human(int(match["amount"]), match["code"])
    if (match := INSTANT_LIMIT.match(text)) and currency in CURRENCY_CODES:
        amount, limit = format_human(int(match["amount"]), currency), format_human(int(match["limit"]), currency)
        return f"referred: {amount} requested, above the instant limit {limit}"
    if (match := PAST_DUE.match(text)) and match["code"] in CURRENCY_CODES:
        return f"{match['id']}: {format_human(int(match['amount']), match['code'])} due {text[match.end() :]}"
    return text


def rewrite(row, currency):
    """Whether `row`'s reasons or scorecard changed."""
    changed = False
    if isinstance(row.reasons, list):
        reasons = [readable(reason, currency) for reason in row.reasons]
        changed = reasons != row.reasons
        row.reasons = reasons
    card = row.scorecard
    if isinstance(card, dict):
        for part in [*(card.get("rules") or []), card.get("conclusion")]:
            if isinstance(part, dict) and "label" in part:
                label = readable(part["label"], currency)
                changed = changed or label != part["label"]
                part["label"] = label
    return changed


def convert(model, currency_of):
    last_id = ""
    while True:
        rows = model.objects.filter(id__gt=last_id).order_by("id")
        batch = list(rows.only("id", "reasons", "scorecard", *currency_of[1])[:BATCH])
        if not batch:
            return
        last_id = batch[-1].id
        changed = [row for row in batch if rewrite(row, currency_of[0](row))]
        model.objects.bulk_update(changed, ["reasons", "scorecard"])


def forward(apps, schema_editor):
    # Credit checks were in USD (their currency_code); a decision names its own currency, else its inputs' or USD.
    checks = apps.get_model("credit", "CreditCheck")
    decisions = apps.get_model("credit", "CreditDecision")
    convert(checks, (lambda row: row.currency_code, ("currency_code",)))
    convert(
        decisions,
        (
            lambda row: row.currency_code or (row.inputs or {}).get("currency_code") or "USD",
            ("currency_code", "inputs"),
        ),
    )


class Migration(migrations.Migration):
    dependencies = [("credit", "0010_customer_note")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
