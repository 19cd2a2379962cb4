"""The embedded default (no EMAIL_URL, `make run`): every email is printed to the terminal and kept as one .eml file
in var/mail/ (EMAIL_FOLDER)."""

import email
import email.policy
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.mail import EmailMultiAlternatives, mailers

from core.actors import Actor
from core.email.services import email_queue

ROOT = Path(__file__).resolve().parents[2]


def embedded_default_env(tmp_path: Path) -> dict:
    """`make run`'s environment: local settings, and no database, broker or SMTP server from outside."""
    outside = ("DJANGO_", "DATABASE_URL", "REDIS_URL", "EMAIL_", "DEFAULT_FROM_EMAIL")
    env = {key: value for key, value in os.environ.items() if not key.startswith(outside)}
    return env | {
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "SQLITE_PATH": str(tmp_path / "db.sqlite3"),
        "EMAIL_FOLDER": str(tmp_path / "mail"),
    }


def manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.mark.slow
def test_make_runs_default_prints_each_email_and_keeps_it_as_an_eml_file(tmp_path):
    env = embedded_default_env(tmp_path)
    manage("migrate", "--no-input", "-v", "0", env=env)

    sent = manage("send_test_email", "ops@seller.example", "--note", "hello <there>", "--key", "check-1", env=env)
    again = manage("send_test_email", "ops@seller.example", "--key", "check-1", env=env)

    email_id, state = sent.stdout.strip().splitlines()[-1].split()
    assert state == "sent"
    assert again.stdout.strip().splitlines()[-1] == f"{email_id} sent"  # the same key: the same email, not sent again
    (kept,) = (tmp_path / "mail").glob("*.eml")
    assert kept.name.endswith(f"-{email_id}.eml")
    message = email.message_from_bytes(kept.read_bytes(), policy=email.policy.default)
    assert (message["To"], message["Message-ID"]) == ("ops@seller.example", f"<{email_id}@localhost>")
    assert "Note from the operator: hello <there>" in message.get_body(("plain",)).get_content()
    assert "hello &lt;there&gt;" in message.get_body(("html",)).get_content()
    terminal = sent.stdout
    assert "Subject: Test message from creditdesk" in terminal
    assert "To: ops@seller.example" in terminal
    assert "Note from the operator: hello <there>" in terminal
    assert f"(the whole message, HTML part included: {kept})" in terminal


def test_local_settings_without_email_url_use_the_terminal_and_the_folder(tmp_path):
    env = embedded_default_env(tmp_path)
    shown = manage("shell", "-c", "from django.conf import settings; print(settings.MAILERS)", env=env)
    assert shown.stdout.strip().splitlines()[-1] == str(
        {
            "default": {
                "BACKEND": "core.email.backends.TerminalAndFolderBackend",
                "OPTIONS": {"file_path": str(tmp_path / "mail")},
            }
        }
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_tasks")
def test_a_queued_email_is_printed_and_kept_in_the_folder(
    tmp_path, settings, capsys, django_capture_on_commit_callbacks
):
    settings.MAILERS = {
        "default": {
            "BACKEND": "core.email.backends.TerminalAndFolderBackend",
            "OPTIONS": {"file_path": str(tmp_path / "mail")},
        }
    }

    with django_capture_on_commit_callbacks(execute=True):
        queued = email_queue(
            key="k", to="ap@acme.example", template="test_message", context={"note": "hi"}, actor=Actor.system()
        )

    queued.refresh_from_db()
    assert queued.status == "sent"
    (kept,) = (tmp_path / "mail").glob("*.eml")
    assert f"Message-ID: <{queued.id}@localhost>" in kept.read_text()
    assert "Note from the operator: hi" in capsys.readouterr().out


def test_the_folder_keeps_every_message_without_overwriting_one(tmp_path, settings):
    settings.MAILERS = {
        "default": {
            "BACKEND": "core.email.backends.TerminalAndFolderBackend",
            "OPTIONS": {"file_path": str(tmp_path / "mail")},
        }
    }
    message = EmailMultiAlternatives(
        subject="Same", body="text", to=["ap@acme.example"], headers={"Message-ID": "<eml_same@localhost>"}
    )

    sent = mailers["default"].send_messages([message, message, message])

    kept = sorted((tmp_path / "mail").glob("*.eml"))
    assert sent == 3
    assert len(kept) == 3 and all("-eml_same" in path.name for path in kept)
