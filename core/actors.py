"""Who did something: a staff user, an API client, a customer user in the buyer portal, or the system. Every
service takes one, for the audit trail.

An actor's `request_id` is always the server's own (`core.api.middleware.RequestIdMiddleware` sets
`request.request_id` on every request): never a header the client sent, which anyone could forge to blame or hide
behind another request."""

from dataclasses import dataclass

from core.models import ActorType


@dataclass(frozen=True, slots=True)
class Actor:
    type: str
    id: str = ""
    label: str = ""
    request_id: str = ""

    @classmethod
    def system(cls, label: str = "system") -> "Actor":
        return cls(type=ActorType.SYSTEM, label=label)

    @classmethod
    def staff(cls, user, request_id: str = "") -> "Actor":
        return cls(type=ActorType.STAFF, id=str(user.pk), label=user.get_username(), request_id=request_id)

    @classmethod
    def staff_request(cls, request) -> "Actor":
        """The signed-in staff user of a request (staff UI or Django admin), with the request's server-made id."""
        return cls.staff(request.user, request_id=request.request_id)

    @classmethod
    def api_client(cls, client_id: str, label: str = "", request_id: str = "") -> "Actor":
        return cls(type=ActorType.API_CLIENT, id=client_id, label=label, request_id=request_id)

    @classmethod
    def customer_user(cls, user, request_id: str = "") -> "Actor":
        """A customer user acting in the buyer portal; staff history shows "<name> (customer portal)"."""
        name = f"{user.first_name} {user.last_name}".strip() or user.email
        return cls(type=ActorType.CUSTOMER_USER, id=str(user.pk), label=name, request_id=request_id)


SYSTEM = Actor.system()
