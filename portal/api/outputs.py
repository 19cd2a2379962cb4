"""What portal.presenters.portal_session_to_dict returns, described for the OpenAPI schema (documentation only)."""

from rest_framework import serializers

from core.api.serializers import OutputSerializer
from customers.api.outputs import _id


class PortalGeneralUrlsOut(OutputSerializer):
    overview = serializers.URLField(help_text="Signs in once, within `expires_at`, and opens the portal's overview.")


class PortalSessionUrlsOut(OutputSerializer):
    general = PortalGeneralUrlsOut()
    subscriptions = serializers.ListField(
        child=serializers.DictField(), max_length=0, help_text="Always empty: there are no subscriptions here."
    )


class PortalSessionOut(OutputSerializer):
    """A customer portal session (Paddle's shape): a single-use sign-in link to the buyer portal."""

    id = _id("cpls")
    customer_id = _id("ctm")
    customer_user_id = serializers.RegexField(
        r"^ctu_[0-9a-z]{26}$", allow_null=True, help_text="The person it signs in; null for a company session."
    )
    urls = PortalSessionUrlsOut()
    expires_at = serializers.DateTimeField()
    created_at = serializers.DateTimeField()
