"""Webhook delivery over the transactional outbox (docs/api.md, "Webhooks").

`core.events.event_record` writes an Event in the caller's transaction. After commit, the dispatcher fans it out into
one WebhookDelivery per enabled endpoint subscribed to its type and enqueues a Celery task per delivery; the delivery
task signs and POSTs the payload, logs the attempt and reschedules failures with exponential backoff. A periodic sweep
redoes whatever the after-commit step could not (broker down, process killed), so no committed event is lost.

services (writes) · selectors (reads) · presenters (wire shapes) · signing · url_safety · dispatcher · delivery
"""
