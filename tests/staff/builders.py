"""Staff users for tests, one per role. Credit states come from tests/credit/builders.py (through the services)."""

from tests.factories import StaffUserFactory

ROLES = ("viewer", "account_manager", "credit_officer")


def staff_user(role: str | None):
    """A staff user in one role; "superuser" for a superuser; None for a user with no staff role."""
    if role == "superuser":
        return StaffUserFactory(is_superuser=True)
    return StaffUserFactory(role=role)
