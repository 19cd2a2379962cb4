"""core: the shared plumbing every app builds on (the bottom layer). It imports no app: customers and credit import
core, never the reverse (import-linter, pyproject.toml). Inside core, from the bottom up:

- ids, errors; models, constraints (API keys, the event outbox, webhook and email rows);
- actors, money, pan, filters, pagination, bulk, validation, formatting, outage, cache: small, single-purpose tools;
- api: the REST plumbing (ApiView, auth, envelope, errors, pagination, idempotency, rate limits, OpenAPI);
- services, selectors, events (the outbox), dispatch (handing rows' tasks to Celery), replica, middleware;
- webhooks, email: delivery over the outbox, each with its own services, selectors and adapters;
- staff: the staff UI's plumbing and core's own pages;
- apps, tasks, admin, management, templatetags, health: adapters.

Each layer imports only the layers below it; the contract is checked by `make lint`."""
