"""The project documents its own contract (docs/api.md, docs/domain.md); these tests keep the words in step with the
code. Each table is found by its heading and compared both ways: whatever the code has must be documented, and
whatever the document lists must still exist. When one fails, update the document (and the OpenAPI schema) in the
same commit as the code."""

import os
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from core.api.auth import required_scope
from core.api.errors import ERROR_CODES
from core.ids import PrefixedIdField
from core.models import API_KEY_PREFIX, EventType, Scope, generate_webhook_secret
from core.staff.access import ROLE_API_SCOPES, Role
from credit.models import CreditCheckStatus, CreditTransactionStatus, DecisionType, LedgerEntryType
from credit.vocabulary import CreditStatus, DeclineCode, HoldCode, NetTermsStatus
from customers.models import Terms

ROOT = Path(__file__).resolve().parents[2]
API_DOC = ROOT / "docs" / "api.md"
DOMAIN_DOC = ROOT / "docs" / "domain.md"
API_PREFIX = "api/v1/"
HANDLER_METHODS = ("get", "post", "put", "patch", "delete")
HEADING = re.compile(r"^(#{1,6}) (.+?)\s*$", re.MULTILINE)
TABLE_ROW = re.compile(r"^\|(.+)\|\s*$", re.MULTILINE)
CODE = re.compile(r"`([^`]+)`")
FENCED = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def prose(path: Path) -> str:
    """A Markdown file without its fenced code blocks (a shell comment there is no heading)."""
    return FENCED.sub("", path.read_text())


def section(path: Path, heading_line: str) -> str:
    """The text under the heading written `heading_line` (`## Events`), up to the next heading of the same or a
    higher level."""
    text = prose(path)
    headings = list(HEADING.finditer(text))
    for index, heading in enumerate(headings):
        if heading.group(0).strip() == heading_line:
            level = len(heading.group(1))
            end = next((h.start() for h in headings[index + 1 :] if len(h.group(1)) <= level), len(text))
            return text[heading.end() : end]
    raise AssertionError(f"{path.relative_to(ROOT)} has no heading {heading_line!r}")


def rows(text: str) -> list[list[str]]:
    """The cells of every table row whose first cell is code (`…`): header and separator rows are left out."""
    found = []
    for match in TABLE_ROW.finditer(text):
        cells = [cell.strip() for cell in match.group(1).split("|")]
        if CODE.fullmatch(cells[0]):
            found.append(cells)
    return found


def first_cells(text: str) -> list[str]:
    return [CODE.fullmatch(cells[0]).group(1) for cells in rows(text)]


def assert_same(documented, actual, what: str) -> None:
    missing, stale = sorted(set(actual) - set(documented)), sorted(set(documented) - set(actual))
    assert not missing and not stale, f"{what}: not documented {missing}; documented but not in the code {stale}"


# --- docs/api.md ---------------------------------------------------------------------------------------------------


def test_every_error_code_is_documented_with_its_status():
    documented = {CODE.fullmatch(cells[0]).group(1): int(cells[1]) for cells in rows(section(API_DOC, "### Errors"))}
    actual = {code: entry[0] for code, entry in ERROR_CODES.items()}
    assert_same(documented, actual, "error codes")
    wrong = {code: (documented[code], status) for code, status in actual.items() if documented[code] != status}
    assert not wrong, f"documented status differs from ERROR_CODES (documented, actual): {wrong}"


def test_every_event_type_is_documented():
    assert_same(first_cells(section(API_DOC, "## Events")), EventType.values, "event types")


def test_every_scope_is_documented():
    assert_same(first_cells(section(API_DOC, "### Scopes")), Scope.values, "scopes")


def _request_id_prefix() -> str:
    # Asked of a live response rather than read from the code: whatever makes request ids, this is what clients see.
    request_id = Client().get("/api/v1/no-such-route")["X-Request-ID"]
    return request_id.partition("_")[0]


def test_every_id_prefix_is_documented():
    prefixes = {
        field.prefix
        for model in apps.get_models()
        for field in model._meta.fields
        if isinstance(field, PrefixedIdField)
    }
    assert {"ctm", "evt"} <= prefixes  # the walk itself works
    actual = [f"{prefix}_" for prefix in (*prefixes, _request_id_prefix())]
    assert_same(first_cells(section(API_DOC, "## Ids")), actual, "id prefixes")


def test_secret_prefixes_are_documented():
    text = section(API_DOC, "## Ids")
    for prefix in (API_KEY_PREFIX, generate_webhook_secret().partition("_")[0] + "_"):
        assert f"`{prefix}`" in text, f"{prefix} is not documented"


def _walk(patterns, prefix=""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route, entry


def api_operations() -> dict[tuple[str, str], str | None]:
    """{(method, path relative to /api/v1 with {name} parameters): the scope it needs, None when public}, read from
    the URL resolver, so a route added anywhere is found."""
    operations = {}
    for route, entry in _walk(get_resolver().url_patterns):
        if not route.startswith(API_PREFIX):
            continue
        path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route.removeprefix(API_PREFIX))
        view_class = entry.callback.view_class
        for method in HANDLER_METHODS:
            if hasattr(view_class, method):
                scope = required_scope(view_class, method.upper())
                operations[(method.upper(), path)] = str(scope) if scope else None
    return operations


def documented_operations() -> dict[tuple[str, str], str | None]:
    operations = {}
    for cells in rows(section(API_DOC, "## Endpoints")):
        method, _, path = CODE.fullmatch(cells[0]).group(1).partition(" ")
        scopes = CODE.findall(cells[1])
        assert len(scopes) == 1 or (not scopes and "public" in cells[1]), f"{method} {path}: scope cell {cells[1]!r}"
        operations[(method, path)] = scopes[0] if scopes else None
    return operations


def test_every_route_is_documented_with_its_scope():
    actual = api_operations()
    assert len(actual) >= 37 and ("GET", "/customers/{customer_id}") in actual  # the walk itself works
    documented = documented_operations()
    assert_same(documented, actual, "routes (method, path)")
    wrong = {op: (documented[op], scope) for op, scope in actual.items() if documented[op] != scope}
    assert not wrong, f"documented scope differs from the view's (documented, actual): {wrong}"


def test_every_staff_role_is_documented_with_the_scopes_it_may_grant():
    table = rows(section(API_DOC, "## Staff roles"))
    assert_same([CODE.fullmatch(cells[0]).group(1) for cells in table], [role.value for role in Role], "staff roles")
    for cells in table:
        role = CODE.fullmatch(cells[0]).group(1)
        assert set(CODE.findall(cells[2])) == set(ROLE_API_SCOPES.get(role, ())), f"{role}: grantable scopes"


# --- docs/domain.md ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "choices"),
    [
        ("### Decline codes", DeclineCode),
        ("### Hold codes", HoldCode),
        ("## Terms", Terms),
        ("### Ledger entry types", LedgerEntryType),
        ("### Decision types", DecisionType),
    ],
)
def test_every_code_of_the_domain_is_documented(heading, choices):
    assert_same(first_cells(section(DOMAIN_DOC, heading)), choices.values, heading)


@pytest.mark.parametrize("choices", [CreditStatus, NetTermsStatus, CreditCheckStatus, CreditTransactionStatus])
def test_every_status_is_named_in_the_domain(choices):
    text = DOMAIN_DOC.read_text()
    missing = [value for value in choices.values if f"`{value}`" not in text]
    assert not missing, f"{choices.__name__} values not in docs/domain.md: {missing}"


# --- every document ------------------------------------------------------------------------------------------------


TEXT_SUFFIXES = {".py", ".md", ".sh", ".toml", ".html", ".txt", ".cfg", ".ini", ".yml", ".yaml", ".json", ".js"}
# What a checkout holds besides the project's own files (virtualenv, caches, runtime data, tool output).
SKIPPED_DIRS = {
    ".git",
    ".venv",
    "var",
    ".tmp",
    "__pycache__",
    "node_modules",
    ".pytest_cache",
    ".ruff_cache",
    ".schemathesis",
}
# A fresh clone has nothing beside it: no file may send its reader to the product spec or notes outside the repository.
OUTSIDE = re.compile(r"\.\./shared|shared/(?:SPEC|STYLE|STACK-NOTES|seeds)|STACK-NOTES|\bSPEC\b")


def project_files():
    for directory, subdirectories, names in os.walk(ROOT):
        subdirectories[:] = [name for name in subdirectories if name not in SKIPPED_DIRS]
        for name in names:
            path = Path(directory, name)
            if path.suffix in TEXT_SUFFIXES or name in {"Makefile", ".gitignore"}:
                yield path


def test_nothing_points_outside_the_repository():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in project_files()
        if path != Path(__file__).resolve()
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert not offenders, f"references to files outside the repository: {offenders}"


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


LINK = re.compile(r"\]\(([^)\s]+)\)")


@pytest.mark.parametrize("document", ["README.md", "docs/api.md", "docs/domain.md", "docs/reliability.md"])
def test_relative_links_resolve(document):
    source = ROOT / document
    broken = []
    for target in LINK.findall(source.read_text()):
        if re.match(r"^[a-z]+:", target):
            continue  # an absolute URL
        file_part, _, anchor = target.partition("#")
        path = (source.parent / file_part).resolve() if file_part else source
        if not path.exists():
            broken.append(target)
        elif anchor and path.suffix == ".md":
            anchors = {_slug(match.group(2)) for match in HEADING.finditer(prose(path))}
            if anchor not in anchors:
                broken.append(target)
    assert not broken, f"{document}: broken links {broken}"
