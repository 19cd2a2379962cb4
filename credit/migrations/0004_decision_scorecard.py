"""Credit checks and decisions keep the decision provider's evaluation as data (`scorecard`, the JSON of
credit.engine.Scorecard), and those scorecard-v1 already scored get theirs from the text it wrote into `reasons`.

This is the one place that reads that text back. What scorecard-v1 wrote is matched exactly (its nine rules in their
order, each in one of its wordings, then one of its conclusions, the points adding up to the stored score); anything
else is left without a scorecard and the pages show its reasons as they are. `reasons` are not rewritten: they are
what the API and the events already said. scorecard-v1's scale and wordings are written out here rather than
imported, so that later versions of the provider cannot change how old decisions read."""

import re

from django.db import migrations, models

PROVIDER = "scorecard-v1"
SCALE = {"maximum": 100, "decline_below": 45, "approve_at": 75}
BATCH = 1000
POINTS = re.compile(r"^\+(\d+) (.+)$")
# (rule id, the points it could give, its wordings), in the order scorecard-v1 wrote them.
RULES = (
    ("ein_well_formed", 20, re.compile(r"^(EIN present and well formed|EIN malformed|no EIN on file)$")),
    ("address_complete", 10, re.compile(r"^(full business address|incomplete business address)$")),
    ("supported_country", 10, re.compile(r"^(supported country|unsupported country|country missing)$")),
    ("business_email_domain", 15, re.compile(r"^(business|free-mail) email domain \S*$")),
    ("purchase_history", 15, re.compile(r"^(has purchase history|no purchase history)$")),
    (
        "terms_history",
        5,
        re.compile(r"^(has bought on terms before|no history of buying on terms|terms history not given)$"),
    ),
    ("legal_name", 5, re.compile(r"^(legal name on file|no legal name on file)$")),
    ("amount_requested", 10, re.compile(r"^requested amount \d+ [A-Z]{3}$")),
    ("business_age", 10, re.compile(r"^customer for \d+ days$")),
)
CONCLUSIONS = (
    ("unsupported_country", re.compile(r"^knock-out: business address in \S+, outside the supported countries$")),
    ("duplicate_ein", re.compile(r"^referred: EIN also used by \S")),
    ("score_below_decline", re.compile(r"^declined: score \d+ is below \d+$")),
    ("above_instant_limit", re.compile(r"^referred: \d+ requested, above the instant limit \d+$")),
    ("score_at_least_approve", re.compile(r"^approved: score \d+ is at least \d+$")),
    ("score_between_thresholds", re.compile(r"^referred: score \d+ is between \d+ and \d+$")),
)


def scorecard_from_reasons(reasons, score):
    """The scorecard that scorecard-v1's text stands for, or None when the text is not exactly what it wrote."""
    if score is None or not isinstance(reasons, list) or len(reasons) != len(RULES) + 1:
        return None
    if not all(isinstance(reason, str) for reason in reasons):
        return None
    *rule_lines, conclusion_line = reasons
    rules = []
    for (rule_id, max_points, wordings), line in zip(RULES, rule_lines, strict=True):
        match = POINTS.match(line)
        if match is None or not wordings.match(match[2]) or int(match[1]) > max_points:
            return None
        points = int(match[1])
        rules.append(
            {"id": rule_id, "label": match[2], "points": points, "max_points": max_points, "passed": points > 0}
        )
    conclusion = next((key for key, wording in CONCLUSIONS if wording.match(conclusion_line)), None)
    if conclusion is None or sum(rule["points"] for rule in rules) != score:
        return None
    return {
        "provider": PROVIDER,
        "score": score,
        "scale": dict(SCALE),
        "rules": rules,
        "conclusion": {"id": conclusion, "label": conclusion_line},
    }


def convert(rows) -> int:
    """Give each row scorecard-v1 scored its scorecard, in batches by id. Returns how many rows got one."""
    converted, last_id = 0, ""
    while True:
        batch = list(rows.filter(id__gt=last_id).order_by("id").only("id", "score", "reasons")[:BATCH])
        if not batch:
            return converted
        last_id = batch[-1].id
        changed = []
        for row in batch:
            row.scorecard = scorecard_from_reasons(row.reasons, row.score)
            if row.scorecard is not None:
                changed.append(row)
        rows.model.objects.bulk_update(changed, ["scorecard"])
        converted += len(changed)


def forward(apps, schema_editor):
    checks = apps.get_model("credit", "CreditCheck").objects
    decisions = apps.get_model("credit", "CreditDecision").objects
    convert(checks.filter(scorecard__isnull=True, inputs__provider=PROVIDER))
    # A credit officer's decision copies the check's inputs (and so its provider) but its reasons are the officer's.
    convert(decisions.filter(scorecard__isnull=True, inputs__provider=PROVIDER, decided_by_type="system"))


class Migration(migrations.Migration):
    dependencies = [("credit", "0003_credit_transaction_billed_at_settable")]

    operations = [
        migrations.AddField(
            model_name="creditcheck",
            name="scorecard",
            field=models.JSONField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="creditdecision",
            name="scorecard",
            field=models.JSONField(blank=True, null=True),
        ),
        # Backwards, dropping the columns is all there is to undo: reasons were never changed.
        migrations.RunPython(forward, migrations.RunPython.noop),
    ]
