"""CSV export of customers, streamed: rows are read a chunk at a time (keyset, on the replica when there is one) and
written as they come, so exporting the whole book costs the same memory as exporting one page. The columns are the
API's wire shape (customers.presenters): amounts in minor units, as the API sends them, each followed by the same
amount in major units with the currency's ISO 4217 exponent (`credit_limit` "125000", `credit_limit_decimal`
"1250.00"), which a spreadsheet reads as a number."""

import csv
import json
from collections.abc import Iterator

from django.db.models import QuerySet

from core.money import format_input
from core.pagination import Ordering, keyset_chunks
from core.replica import replica_rows
from customers.models import ADDRESS_FIELDS
from customers.presenters import customer_to_dict

# Amounts of the credit currency: each has a `<name>_decimal` column beside it.
MONEY_COLUMNS = ("credit_limit", "amount_available", "amount_reserved", "amount_used")
DECIMAL_SUFFIX = "_decimal"

EXPORT_COLUMNS = (
    "id",
    "name",
    "legal_name",
    "email",
    "external_id",
    "status",
    "credit_status",
    "credit_currency",
    *(name for column in MONEY_COLUMNS for name in (column, column + DECIMAL_SUFFIX)),
    "default_terms",
    "net_terms_status",
    "ein",
    *ADDRESS_FIELDS,
    "locale",
    "marketing_consent",
    "custom_data",
    "created_at",
    "updated_at",
    "archived_at",
)
# A cell starting with one of these is a formula to a spreadsheet ("=HYPERLINK(...)"): CSV injection.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """A file-like object whose write returns the line, so csv.writer can feed a streaming response."""

    def write(self, value: str) -> str:
        return value


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        value = json.dumps(value, separators=(",", ":"))
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def customer_csv_lines(queryset: QuerySet, *, ordering: Ordering, chunk_size: int = 1000) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(EXPORT_COLUMNS)
    for chunk in keyset_chunks(queryset, ordering=ordering, size=chunk_size, fetch=replica_rows):
        for customer in chunk:
            data = customer_to_dict(customer)
            data.update(_decimals(data))
            yield writer.writerow([_cell(data[column]) for column in EXPORT_COLUMNS])


def _decimals(data: dict) -> dict[str, str | None]:
    """`credit_limit_decimal` and its siblings: the wire amounts in major units of the credit currency (none without
    one)."""
    currency = data["credit_currency"]
    return {
        column + DECIMAL_SUFFIX: None
        if data[column] is None or not currency
        else format_input(int(data[column]), currency)
        for column in MONEY_COLUMNS
    }
