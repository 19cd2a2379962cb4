"""The embedded default's mailer (no EMAIL_URL): each message is printed to the terminal (its headers and plain-text
part, readable, where Django's console backend prints the encoded MIME) and kept whole as one `.eml` file in a folder
(`var/mail/` unless EMAIL_FOLDER says otherwise), which any mail client opens. Django's own file backend appends every
message of a connection to one log file instead."""

import email.message
import re
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
_SHOWN_HEADERS = ("From", "To", "Reply-To", "Subject", "Date", "Message-ID")


class TerminalAndFolderBackend(BaseEmailBackend):
    def __init__(self, *, file_path: str, stream=None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.folder = Path(file_path).resolve()
        self.stream = stream or sys.stdout
        self._lock = threading.Lock()

    def send_messages(self, email_messages: list[EmailMessage]) -> int:
        self.folder.mkdir(parents=True, exist_ok=True)
        with self._lock:
            for message in email_messages:
                mime = message.message()
                path = self._new_file(message)
                path.write_bytes(mime.as_bytes())
                self.stream.write(self._readable(mime, path))
                self.stream.flush()
        return len(email_messages)

    @staticmethod
    def _readable(mime: email.message.EmailMessage, path: Path) -> str:
        headers = "".join(f"{name}: {mime[name]}\n" for name in _SHOWN_HEADERS if mime[name])
        text = mime.get_body(preferencelist=("plain",))
        body = text.get_content() if text is not None else "(no plain-text part)\n"
        return (
            f"{'-' * 79}\n{headers}\n{body.rstrip()}\n\n(the whole message, HTML part included: {path})\n{'-' * 79}\n"
        )

    def _new_file(self, message: EmailMessage) -> Path:
        """`<UTC time>-<Message-ID's left part>.eml`, never overwriting an earlier file."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        message_id = str(message.extra_headers.get("Message-ID", "")).strip("<>").split("@")[0]
        stem = f"{stamp}-{_UNSAFE.sub('_', message_id)}" if message_id else stamp
        path = self.folder / f"{stem}.eml"
        suffix = 1
        while path.exists():
            suffix += 1
            path = self.folder / f"{stem}-{suffix}.eml"
        return path
