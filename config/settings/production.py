"""Production: refuses to start without its secrets; `manage.py check --deploy` is clean under it."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env_bool, env_list

DEBUG = False
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set to a random value of at least 50 characters.")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must list the host names this site answers to.")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
# Email must reach people: no terminal-and-folder default here (base.py parses and checks both).
if not os.environ.get("EMAIL_URL"):
    raise ImproperlyConfigured(
        "EMAIL_URL must name the SMTP server, e.g. smtp://user:password@smtp.example.com:587?tls=1"
    )
if not os.environ.get("DEFAULT_FROM_EMAIL"):
    raise ImproperlyConfigured("DEFAULT_FROM_EMAIL must be set to the address emails are sent from.")

SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Behind the proxy the Host is the proxy's upstream name: links answered to a request take the host the client called
# from X-Forwarded-Host (still checked against ALLOWED_HOSTS). Off when no proxy sets (or strips) that header.
USE_X_FORWARDED_HOST = env_bool("DJANGO_USE_X_FORWARDED_HOST", True)
# Links made outside a request (enrollment links in emails and webhooks) must name the public host: `manage.py check`
# and `migrate` fail without it (core.links.check_public_base_url).
PUBLIC_BASE_URL_REQUIRED = True
# A load balancer checks /health over plain HTTP inside the private network: answered, not redirected.
SECURE_REDIRECT_EXEMPT = [r"^health$"]
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
