"""The portal session endpoint's body."""

from rest_framework import serializers

from core.api.serializers import StrictInputSerializer


class PortalSessionInput(StrictInputSerializer):
    customer_user_id = serializers.RegexField(
        r"^ctu_[0-9a-z]{26}$",
        required=False,
        allow_null=True,
        error_messages={"invalid": "Must be a customer user id (ctu_ and 26 lowercase letters or digits)."},
        help_text="The person the link signs in: an active user of this customer. Without it, a company session "
        "(read-only: it sees the company's portal, cannot act where a person is recorded).",
    )
    subscription_ids = serializers.ListField(
        child=serializers.CharField(max_length=64),
        required=False,
        max_length=0,
        error_messages={"max_length": "This API has no subscriptions: send an empty list or leave it out."},
        help_text="Accepted for Paddle's SDK, which may send it: must be empty (there are no subscriptions here).",
    )
