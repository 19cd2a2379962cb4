"""`manage.py create_oauth_client --name N --scopes "…"`: an OAuth2 client (prints its id and secret once)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from core.models import Scope
from core.services import oauth_client_create


class Command(BaseCommand):
    help = "Create an OAuth2 client-credentials client limited to the given scopes; prints its id and secret once."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--scopes", default=" ".join(Scope.values), help="Space-separated scopes it may get.")

    def handle(self, *args, name, scopes, **options):
        try:
            application, secret = oauth_client_create(name=name, scopes=scopes)
        except ValidationError as error:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())) from None
        self.stderr.write(f"Created OAuth client {application.name!r}. The secret will not be shown again.")
        self.stdout.write(f"client_id: {application.client_id}")
        self.stdout.write(f"client_secret: {secret}")
