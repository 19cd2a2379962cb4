import os
import re
import secrets

import pytest
import requests
from django.conf import settings

from tests.faults.stack import AppServer, app_environment, manage

# What the TLS-terminating proxy in front of production adds (SECURE_PROXY_SSL_HEADER).
HTTPS = {"X-Forwarded-Proto": "https"}


class ProductionServer(AppServer):
    def request(self, method: str, path: str, *, cookies: dict | None = None, headers: dict | None = None, **kwargs):
        """A request as if through the HTTPS proxy. Cookies go in by hand: they are `Secure`, and requests would
        (rightly) not send them over the plain HTTP between the proxy and the app."""
        headers = {**HTTPS, **(headers or {})}
        if cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
        return requests.request(method, f"{self.url}{path}", headers=headers, allow_redirects=False, timeout=20,
                                **kwargs)  # fmt: skip

    def sign_in(self, username: str, password: str) -> tuple[requests.Response, dict]:
        """Signs in through the staff login form; returns the POST's response and the session's cookies."""
        page = self.request("GET", "/staff/login")
        csrf_cookie = page.cookies["csrftoken"]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        response = self.request(
            "POST",
            "/staff/login",
            cookies={"csrftoken": csrf_cookie},
            # Django checks the Referer of HTTPS form posts against the host.
            headers={"Referer": f"https://127.0.0.1:{self.port}/staff/login"},
            data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        )
        return response, {"csrftoken": csrf_cookie, **{c.name: c.value for c in response.cookies}}


@pytest.fixture(scope="session")
def production_server(django_db_setup, tmp_path_factory):
    """gunicorn under config.settings.production (through tests/security/production_settings.py, which adds two
    failing views), on the test database: tests using it must be `django_db(transaction=True)`."""
    base_url = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    env = app_environment(
        database_url=f"{base_url}/{settings.DATABASES['default']['NAME']}",
        redis_url=os.environ["REDIS_URL"],
        settings="tests.security.production_settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        PUBLIC_BASE_URL="https://credit.example.com",
        EMAIL_URL="smtp://127.0.0.1:25",
        DEFAULT_FROM_EMAIL="credit@example.com",
        TEST_STATIC_ROOT=str(tmp_path_factory.mktemp("static")),
        DB_CONN_MAX_AGE="0",
    )
    manage("collectstatic", "--no-input", "-v", "0", env=env)
    server = ProductionServer(env, workers=1, threads=4, log_name="production")
    server.start()
    yield server
    server.stop()
