"""WSGI entry point for gunicorn (production settings unless DJANGO_SETTINGS_MODULE says otherwise). Chunked request
bodies are read to a known length first (core.chunked), as Django reads only declared lengths."""

import os

from django.core.wsgi import get_wsgi_application

from core.chunked import ChunkedBodyMiddleware

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = ChunkedBodyMiddleware(get_wsgi_application())
