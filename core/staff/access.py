"""Who may do what in the staff UI.

Roles are the Django groups made by migration core/0002_staff_groups. Every staff view names exactly one
capability, and `StaffView` refuses (403) anyone whose roles do not grant it, before any handler runs; anonymous
visitors are sent to the login page. Superusers hold every capability. Templates see the same answers through the
`staff_can` context variable, so a button is shown exactly when its POST would be accepted.
"""

from enum import StrEnum

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import Http404
from django.utils.csp import CSP
from django.utils.decorators import method_decorator
from django.utils.functional import SimpleLazyObject
from django.views import View
from django.views.decorators.csp import csp_override

from core.actors import Actor
from core.errors import NotFound
from core.models import Scope


class Capability(StrEnum):
    VIEW = "view"  # read every staff page, export CSV
    CUSTOMERS_WRITE = "customers_write"  # customers, their users and payment methods, bulk import
    CREDIT_REQUEST = "credit_request"  # ask for a customer's credit check (the engine or an officer decides)
    CREDIT_WRITE = "credit_write"  # credit decisions: the review queue, direct approvals, lines, holds
    # Purchases on credit: bill, complete, cancel, record repayments. Money moving against a credit line, as the API's
    # credit:write scope (which only credit officers may grant) allows.
    PURCHASES_WRITE = "purchases_write"
    # Notes on a customer (contact, a promise to pay, the next follow-up): both roles that speak with customers.
    CUSTOMER_NOTES = "customer_notes"
    # Who chases a customer for what it owes (its collections owner): assigning the work is a credit officer's.
    COLLECTIONS_ASSIGN = "collections_assign"
    API_KEYS = "api_keys"  # create and revoke API keys, within the scopes the role may grant
    # Webhook endpoints: create, edit, delete, rotate secrets, replay deliveries. No role holds it, only superusers,
    # as only superusers may grant the webhooks:manage scope on the API keys page.
    WEBHOOKS_MANAGE = "webhooks_manage"


class Role(StrEnum):
    VIEWER = "viewer"
    ACCOUNT_MANAGER = "account_manager"
    CREDIT_OFFICER = "credit_officer"


ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.VIEWER: frozenset({Capability.VIEW}),
    # An account manager onboarding a customer asks for its credit check; deciding it stays with credit officers.
    Role.ACCOUNT_MANAGER: frozenset(
        {
            Capability.VIEW,
            Capability.CUSTOMERS_WRITE,
            Capability.CREDIT_REQUEST,
            Capability.CUSTOMER_NOTES,
            Capability.API_KEYS,
        }
    ),
    Role.CREDIT_OFFICER: frozenset(
        {
            Capability.VIEW,
            Capability.CREDIT_REQUEST,
            Capability.CREDIT_WRITE,
            Capability.PURCHASES_WRITE,
            Capability.CUSTOMER_NOTES,
            Capability.COLLECTIONS_ASSIGN,
            Capability.API_KEYS,
        }
    ),
}

# An API key acts with its scopes, so a role may only grant (or revoke) scopes for what it may do itself:
# otherwise an account manager could mint a credit:write key and approve credit through the API.
ROLE_API_SCOPES: dict[str, frozenset[str]] = {
    Role.ACCOUNT_MANAGER: frozenset({Scope.CUSTOMERS_READ, Scope.CUSTOMERS_WRITE}),
    Role.CREDIT_OFFICER: frozenset({Scope.CUSTOMERS_READ, Scope.CREDIT_READ, Scope.CREDIT_WRITE}),
}

# Every staff page is served by the app itself: the site's policy (settings.SECURE_CSP), without even the nonce that
# lets the admin and the API docs run inline code: no inline script or style at all.
STAFF_CSP = {
    directive: [source for source in sources if source != CSP.NONCE]
    for directive, sources in settings.SECURE_CSP.items()
}


def user_roles(user) -> frozenset[str]:
    """The staff roles of a user, read once per request (cached on the user object)."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if not hasattr(user, "_staff_roles"):
        names = set(user.groups.values_list("name", flat=True))
        user._staff_roles = frozenset(role for role in Role if role in names)
    return user._staff_roles


def user_capabilities(user) -> frozenset[Capability]:
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return frozenset(Capability)
    return frozenset().union(*(ROLE_CAPABILITIES[role] for role in user_roles(user)))


def user_can(user, capability: Capability) -> bool:
    return capability in user_capabilities(user)


def grantable_scopes(user) -> list[str]:
    """Scopes this user may put on (or take off by revoking) an API key, in the order Scope lists them."""
    if not user_can(user, Capability.API_KEYS):
        return []
    if user.is_superuser:
        return list(Scope.values)
    allowed = frozenset().union(*(ROLE_API_SCOPES.get(role, frozenset()) for role in user_roles(user)))
    return [scope for scope in Scope.values if scope in allowed]


def may_manage_credential(scopes, grantable) -> bool:
    """A role creates, revokes or deletes only credentials (API keys, OAuth clients) whose every scope it could grant
    itself (`grantable_scopes`), and none at all when it may grant nothing."""
    return bool(grantable) and set(scopes) <= set(grantable)


def role_label(user) -> str:
    if user.is_superuser:
        return "Administrator"
    roles = user_roles(user)
    return ", ".join(role.replace("_", " ").capitalize() for role in Role if role in roles) or "No staff role"


@method_decorator(csp_override(STAFF_CSP), name="dispatch")
class StaffView(View):
    """Base of every staff view: login required, then the view's one `capability`, checked for every method."""

    capability: Capability | None = None

    def dispatch(self, request, *args, **kwargs):
        if self.capability is None:
            raise ImproperlyConfigured(f"{type(self).__name__} must name the capability it requires.")
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not user_can(request.user, self.capability):
            raise PermissionDenied(f"Your role does not allow this ({self.capability}).")
        try:
            return super().dispatch(request, *args, **kwargs)
        except NotFound as error:
            # A selector's "no such thing" (an unknown or malformed id in the URL) is the staff UI's 404 page.
            raise Http404(error.detail) from None

    @property
    def actor(self) -> Actor:
        return Actor.staff_request(self.request)


def staff_context(request) -> dict:
    """Template context: `staff_can.<capability>` booleans and the signed-in user's role label (lazily)."""
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {
        "staff_can": SimpleLazyObject(
            lambda: {capability.value: user_can(user, capability) for capability in Capability}
        ),
        "staff_role_label": SimpleLazyObject(lambda: role_label(user)),
    }
