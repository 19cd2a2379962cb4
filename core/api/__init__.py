"""Shared REST API plumbing: authentication, scopes, envelopes, errors, pagination, idempotency, rate limits and
the OpenAPI description. Endpoints subclass `core.api.views.ApiView`; see the README's "Adding an endpoint"."""
