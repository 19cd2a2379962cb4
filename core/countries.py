"""Countries in one place: which ISO 3166-1 alpha-2 codes exist, and the check every entry point uses (the customer
model's field validator, hence the API's serializers, the staff forms, the admin and the CSV import alike).

The list is ISO 3166-1 as its maintenance agency publishes it, shipped by the pinned `pycountry` package (its version
is the date of the data): the 249 officially assigned codes. A code is exactly two capitals from that list: `XX`,
`QQ`, `ZZ` and the other user-assigned codes, `UK` (the United Kingdom is `GB`), and withdrawn codes are not.
Layer: core, like core.money (the ISO 4217 table); imports only Django and pycountry."""

import pycountry
from django.core.exceptions import ValidationError

COUNTRY_CODES: frozenset[str] = frozenset(country.alpha_2 for country in pycountry.countries)
COUNTRY_MESSAGE = "Enter an ISO 3166-1 alpha-2 country code, such as US."


def validate_country_code(value: object) -> str:
    """`value` if it is exactly an officially assigned ISO 3166-1 alpha-2 code (`"US"`), else a ValidationError. Also
    a model field validator."""
    if not isinstance(value, str) or value not in COUNTRY_CODES:
        raise ValidationError(COUNTRY_MESSAGE, code="invalid_country")
    return value
