"""`manage.py create_api_key --name N --scopes "…"`: an API key, printed as the last line of stdout."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from core.models import Scope
from core.services import api_key_create


class Command(BaseCommand):
    help = "Create an API key. The key is printed once, as the last line of stdout."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--scopes", default=" ".join(Scope.values), help="Space-separated scopes.")

    def handle(self, *args, name, scopes, **options):
        try:
            api_key, raw_key = api_key_create(name=name, scopes=scopes)
        except ValidationError as error:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())) from None
        self.stderr.write(f"Created API key {api_key.id} ({api_key.scopes}). It will not be shown again.")
        self.stdout.write(raw_key)
