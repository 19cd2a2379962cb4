"""config.settings.production exactly, plus a URLconf with two views that fail on purpose (tests/security/urls.py)."""

import os

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "tests.security.urls"
# Where the session fixture collected the static files to (collectstatic, as a deployment does): the manifest
# storage of production needs them to render any page.
STATIC_ROOT = os.environ["TEST_STATIC_ROOT"]
