from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The buyer portal (/portal/): customer users sign in by a single-use emailed link (or one an API client made
    for them) and see their company's credit. Its own session and cookie, apart from staff sign-in."""

    name = "portal"
    verbose_name = "Buyer portal"
