"""Wire formats shared by the API, events and exports: RFC 3339 `Z` timestamps. (Money's wire format is
core.money.format_wire.)"""

from datetime import UTC, datetime


def rfc3339(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
