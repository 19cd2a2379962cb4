"""Check the email set-up end to end: queue a test message through the outbox, as any feature does. With a broker a
worker sends it; in the embedded default it is sent at once (printed, and kept in var/mail/)."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from core.actors import Actor
from core.email.services import email_queue


class Command(BaseCommand):
    help = "Queue a test email to ADDRESS through the email outbox; prints the email's id and status."

    def add_arguments(self, parser):
        parser.add_argument("address")
        parser.add_argument("--note", default="", help="a line of text to include in the message")
        parser.add_argument("--key", help="idempotency key (default: a new one, so every run sends)")

    def handle(self, *args, address: str, note: str, key: str | None, **options):
        try:
            email = email_queue(
                key=key or f"test-email:{uuid.uuid4()}",
                to=address,
                template="test_message",
                context={"site": settings.PUBLIC_BASE_URL, "note": note},
                actor=Actor.system("send_test_email"),
            )
        except ValidationError as error:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())) from None
        email.refresh_from_db()
        self.stdout.write(f"{email.id} {email.status}")
