import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


# What production requires besides the two secrets tested here one by one.
EMAIL = {"EMAIL_URL": "smtp://mailer:s3cret@smtp.example.com:587?tls=1", "DEFAULT_FROM_EMAIL": "credit@example.com"}


def run_manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "EMAIL_", "DEFAULT_FROM_EMAIL"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean | {"DJANGO_SETTINGS_MODULE": "config.settings.production"} | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", DJANGO_ALLOWED_HOSTS="credit.example.com", **EMAIL)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = run_manage("check", DJANGO_SECRET_KEY="x" * 64, **EMAIL)
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS" in result.stderr


def test_check_deploy_is_clean_under_production_settings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY="k7$Lq9!vR2@xW4#zT6^mN8&pB1*cD3(eF5)gH7_jK9+lM0-nP2=qS4",
        DJANGO_ALLOWED_HOSTS="credit.example.com",
        PUBLIC_BASE_URL="https://credit.example.com",
        **EMAIL,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


SECRETS = {"DJANGO_SECRET_KEY": "x" * 64, "DJANGO_ALLOWED_HOSTS": "credit.example.com"}


def test_production_refuses_to_start_without_public_base_url():
    # Links made outside a request (enrollment links in emails and webhooks) have no host to go by.
    result = run_manage("check", **SECRETS, **EMAIL)
    assert result.returncode != 0
    assert "core.E001" in result.stderr and "PUBLIC_BASE_URL is not set" in result.stderr
    assert run_manage("check", **SECRETS, **EMAIL, PUBLIC_BASE_URL="https://credit.example.com").returncode == 0


def test_local_settings_guess_no_public_host_and_say_so_at_startup():
    # They defaulted to http://127.0.0.1:8000 whatever port the server ran on: links that pointed nowhere.
    result = run_manage("check", DJANGO_SETTINGS_MODULE="config.settings.local")
    assert result.returncode == 0, result.stderr
    assert "core.W001" in result.stderr and "PUBLIC_BASE_URL is not set" in result.stderr


def test_production_refuses_to_start_without_an_smtp_server():
    result = run_manage("check", **SECRETS, DEFAULT_FROM_EMAIL="credit@example.com")
    assert result.returncode != 0
    assert "EMAIL_URL must name the SMTP server" in result.stderr


def test_production_refuses_to_start_without_a_sender_address():
    result = run_manage("check", **SECRETS, EMAIL_URL="smtp://smtp.example.com")
    assert result.returncode != 0
    assert "DEFAULT_FROM_EMAIL must be set" in result.stderr


def test_a_malformed_email_setting_stops_any_process_at_startup_without_showing_the_password():
    bad_url = run_manage(
        "check", **SECRETS, **(EMAIL | {"EMAIL_URL": "smtp://mailer:s3cret@smtp.example.com?tls=yes_please"})
    )
    bad_from = run_manage("check", **SECRETS, **(EMAIL | {"DEFAULT_FROM_EMAIL": "credit team"}))

    assert bad_url.returncode != 0 and "EMAIL_URL: tls must be 1 or 0" in bad_url.stderr
    assert "s3cret" not in bad_url.stderr
    assert bad_from.returncode != 0 and "DEFAULT_FROM_EMAIL is not a valid email address" in bad_from.stderr


def test_production_sends_through_the_smtp_server_of_email_url():
    result = run_manage(
        "shell", "-c", "from django.conf import settings; print(settings.MAILERS['default'])", **SECRETS, **EMAIL
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == str(
        {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": "smtp.example.com",
                "port": 587,
                "use_tls": True,
                "use_ssl": False,
                "timeout": 10,
                "username": "mailer",
                "password": "s3cret",
            },
        }
    )


def test_a_statement_hour_that_is_no_hour_of_the_day_stops_the_process_at_startup():
    for bad in ("24", "-1", "six"):
        result = run_manage("check", DJANGO_SETTINGS_MODULE="config.settings.test", STATEMENT_EMAIL_HOUR=bad)
        assert result.returncode != 0
        assert f"STATEMENT_EMAIL_HOUR is an hour of the day, 0 to 23 (UTC), not {bad!r}" in result.stderr
