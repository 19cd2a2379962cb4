"""The portal's navigation, in one place: each page of the portal's layout is one entry here, in menu order. A page
names its entry (`nav=` of `portal.access.portal_render`) so the menu marks it current."""

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url_name: str  # a route of the `portal` namespace taking no arguments


NAV: tuple[NavItem, ...] = (
    NavItem("overview", "Overview", "portal:overview"),
    NavItem("purchases", "Purchases", "portal:purchases"),
    NavItem("statements", "Statements", "portal:statements"),
    NavItem("enrollment", "Net terms", "portal:enrollment"),
    NavItem("payment_methods", "Payment methods", "portal:payment_methods"),
    NavItem("users", "Users", "portal:users"),
)
