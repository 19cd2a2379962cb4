"""EMAIL_URL → Django's MAILERS entry, and the sender addresses (core/email/configuration.py)."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from core.email.configuration import checked_address, mailer_from_url

SMTP = "django.core.mail.backends.smtp.EmailBackend"


def options(url: str) -> dict:
    mailer = mailer_from_url(url)
    assert mailer["BACKEND"] == SMTP
    return mailer["OPTIONS"]


def test_plain_smtp_defaults_to_port_25_without_tls_or_credentials():
    assert options("smtp://mail.internal") == {
        "host": "mail.internal",
        "port": 25,
        "use_tls": False,
        "use_ssl": False,
        "timeout": 10,
    }


def test_tls_1_is_starttls_on_the_submission_port_with_the_credentials():
    assert options("smtp://apikey:SG.secret@smtp.sendgrid.net?tls=1") == {
        "host": "smtp.sendgrid.net",
        "port": 587,
        "use_tls": True,
        "use_ssl": False,
        "timeout": 10,
        "username": "apikey",
        "password": "SG.secret",
    }


def test_smtps_is_implicit_tls_on_port_465_as_rfc_8314_means_it():
    found = options("smtps://user:pw@smtp.example.com")
    assert (found["port"], found["use_ssl"], found["use_tls"]) == (465, True, False)


def test_an_explicit_port_and_timeout_win_and_tls_0_is_plain():
    found = options("smtp://relay.example.com:2525?tls=0&timeout=3")
    assert (found["port"], found["use_tls"], found["timeout"]) == (2525, False, 3)


def test_percent_encoded_credentials_are_decoded():
    found = options("smtp://billing%40acme.example:p%40ss%3Aw%2Frd@smtp.example.com:587?tls=1")
    assert (found["username"], found["password"]) == ("billing@acme.example", "p@ss:w/rd")


def test_an_ipv6_host_is_kept():
    assert options("smtp://[::1]:1025")["host"] == "::1"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://smtp.example.com", "must start with smtp:// or smtps://"),
        ("submission://smtp.example.com", "must start with smtp:// or smtps://"),
        ("smtp://", "must name the SMTP server's host"),
        ("smtp://:587", "must name the SMTP server's host"),
        ("smtp://smtp.example.com:port", "not a valid URL"),
        ("smtp://smtp.example.com:99999", "not a valid URL"),
        ("smtp://smtp.example.com/inbox", "no path or fragment"),
        ("smtp://smtp.example.com?ssl=1", "unknown options: ssl"),
        ("smtp://smtp.example.com?tls=maybe", "tls must be 1 or 0"),
        ("smtp://smtp.example.com?tls", "tls must be 1 or 0"),
        ("smtps://smtp.example.com?tls=1", "smtps:// is already TLS"),
        ("smtp://smtp.example.com?timeout=0", "timeout must be a whole number of seconds"),
        ("smtp://smtp.example.com?timeout=soon", "timeout must be a whole number of seconds"),
    ],
)
def test_anything_else_is_refused_with_what_is_wrong(url, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        mailer_from_url(url)


def test_the_password_never_appears_in_a_refusal():
    with pytest.raises(ImproperlyConfigured) as refusal:
        mailer_from_url("smtp://user:hunter2@smtp.example.com?tls=2")
    assert "hunter2" not in str(refusal.value)


@pytest.mark.parametrize("value", ["billing@acme.example", "Acme Billing <billing@acme.example>"])
def test_a_sender_may_carry_a_display_name(value):
    assert checked_address(value, setting="DEFAULT_FROM_EMAIL") == value


@pytest.mark.parametrize("value", ["", "billing", "a@b.example, c@d.example", "x@y.example\nBcc: z@w.example"])
def test_a_sender_must_be_one_valid_address(value):
    with pytest.raises(ImproperlyConfigured, match="DEFAULT_FROM_EMAIL"):
        checked_address(value, setting="DEFAULT_FROM_EMAIL")
