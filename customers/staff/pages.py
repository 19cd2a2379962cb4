"""Parts a higher layer adds to the staff customer page, without customers importing it (the page-level twin of
customers.extensions; credit registers its parts from credit/staff/parts.py, at AppConfig.ready).

The page is a summary header that stays in view (name, status badges, key figures, the primary actions) over tabs,
one panel each (templates/customers/detail.html). A part is a template included in one slot of the page and a
function giving that template's context for one customer, in a fixed number of queries. Slots: "badges" (status
pills under the name), "figures" (key figures in the summary), "actions" (buttons in the summary), or a tab's key:
the part is a card in that tab's panel, in registration order. The page merges every part's context into its own, so
parts name their variables apart.

Tabs are registered too (`register_tab`), with a position: the page's own (Overview, Users & payment methods,
History) and those a higher layer adds (credit's Purchases, Ledger and Notes) in one row, ordered by position."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.http import HttpRequest

from customers.models import Customer

HEADER_SLOTS = ("badges", "figures", "actions")


@dataclass(frozen=True)
class CustomerPageTab:
    """A tab of the page: its panel's id is `tab-<key>`, so a link to `#tab-<key>` opens it. The page's own tabs
    name the template of their own cards, shown before the parts' cards (`template`) or in a side column beside
    them (`aside`)."""

    key: str
    label: str
    position: int
    template: str = ""
    aside: str = ""


@dataclass(frozen=True)
class CustomerPagePart:
    slot: str
    template: str
    context: Callable[[HttpRequest, Customer], dict]


@dataclass(frozen=True)
class TabView:
    """A tab as the page draws it: the tab and the templates of its panel."""

    key: str
    label: str
    template: str = ""
    aside: str = ""
    templates: list[str] = field(default_factory=list)

    @property
    def panel_id(self) -> str:
        return f"tab-{self.key}"


# The page's own tabs, with its own cards (the view gives their context).
OVERVIEW = CustomerPageTab("overview", "Overview", 0, aside="customers/_detail_profile.html")
PEOPLE = CustomerPageTab("people", "Users & payment methods", 40, template="customers/_detail_people.html")
HISTORY = CustomerPageTab("history", "History", 90, template="customers/_detail_history.html")

_tabs: dict[str, CustomerPageTab] = {tab.key: tab for tab in (OVERVIEW, PEOPLE, HISTORY)}
_parts: list[CustomerPagePart] = []


def register_tab(tab: CustomerPageTab) -> None:
    if tab.key in _tabs and _tabs[tab.key] != tab:
        raise ValueError(f"Tab {tab.key!r} is already registered.")
    _tabs[tab.key] = tab


def register(part: CustomerPagePart) -> None:
    if part.slot not in HEADER_SLOTS and part.slot not in _tabs:
        raise ValueError(f"Unknown slot {part.slot!r}: one of {', '.join((*HEADER_SLOTS, *_tabs))}.")
    _parts.append(part)


def page_parts(request: HttpRequest, customer: Customer) -> dict:
    """{"parts": {header slot: [template, …]}, "tabs": [TabView, …] in order, **every part's context} for the
    customer page. A tab shows even without parts of its own (the page draws the customer's own cards in its
    tabs); the page's own cards come first in their tabs."""
    context: dict = {"parts": {slot: [] for slot in HEADER_SLOTS}}
    ordered = sorted(_tabs.values(), key=lambda tab: tab.position)
    tabs = {tab.key: TabView(tab.key, tab.label, tab.template, tab.aside) for tab in ordered}
    for part in _parts:
        context.update(part.context(request, customer))
        if part.slot in HEADER_SLOTS:
            context["parts"][part.slot].append(part.template)
        else:
            tabs[part.slot].templates.append(part.template)
    context["tabs"] = list(tabs.values())
    return context
