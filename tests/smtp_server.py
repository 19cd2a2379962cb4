"""A real SMTP server for tests: aiosmtpd on a loopback port chosen by the OS, in a thread, keeping every message it
accepts and answering with the replies it is told to (accepting when told nothing). Stopped, its port refuses
connections, as a mail server that is down; started again, it listens on the same port."""

import email
import email.message
import email.policy
import logging
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

# aiosmtpd logs every SMTP command at INFO.
logging.getLogger("mail.log").setLevel(logging.WARNING)


@dataclass(frozen=True)
class ReceivedMessage:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        assert body is not None and body.get_content_subtype() == subtype, f"no text/{subtype} part"
        return body.get_content().replace("\r\n", "\n")  # SMTP's line ends, as a mail client shows them


class SmtpServer:
    def __init__(self, *, credentials: tuple[str, str] | None = None) -> None:
        self.messages: list[ReceivedMessage] = []
        self.credentials = credentials
        # Seconds to wait before answering the message's final dot, as a slow server does.
        self.delay = 0.0
        # Recipients refused for good (550 5.1.1), as for a mailbox that does not exist.
        self.unknown_recipients: set[str] = set()
        self._replies: deque[str] = deque()
        self._lock = threading.Lock()
        self._controller: Controller | None = None
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]

    @property
    def url(self) -> str:
        """The EMAIL_URL of this server."""
        if self.credentials:
            return f"smtp://{self.credentials[0]}:{self.credentials[1]}@127.0.0.1:{self.port}"
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def mailer(self) -> dict:
        """The MAILERS entry EMAIL_URL gives for this server."""
        options = {"host": "127.0.0.1", "port": self.port, "use_tls": False, "use_ssl": False, "timeout": 5}
        if self.credentials:
            options |= {"username": self.credentials[0], "password": self.credentials[1]}
        return {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": options}

    def reply(self, *replies: str) -> None:
        """Answer the next messages' final dot with these replies (e.g. "451 4.3.0 Try again later"), in order,
        then accept again."""
        with self._lock:
            self._replies.extend(replies)

    def start(self) -> None:
        if self.running:
            return
        # An aiosmtpd controller cannot start twice (its event loop is closed when it stops): a new one each time.
        options = {"auth_require_tls": False, "auth_required": True} if self.credentials else {}
        if self.credentials:
            options["authenticator"] = self._authenticate
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, **options)
        self._controller.start()

    @property
    def running(self) -> bool:
        return self._controller is not None

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()
            self._replies.clear()
        self.delay = 0.0
        self.unknown_recipients = set()

    def wait_for(self, count: int, timeout: float = 30.0) -> list[ReceivedMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.messages)} messages arrived, not {count}, within {timeout} s")
            time.sleep(0.02)
        return list(self.messages)

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and (
                auth_data.login.decode(),
                auth_data.password.decode(),
            )
            == self.credentials
        )
        return AuthResult(success=ok, handled=False)

    def _next_reply(self) -> str:
        with self._lock:
            return self._replies.popleft() if self._replies else "250 2.0.0 OK: queued"

    def _record(self, message: ReceivedMessage) -> None:
        with self._lock:
            self.messages.append(message)


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(self, smtp, session, envelope, address, rcpt_options) -> str:
        if address in self.server.unknown_recipients:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp, session, envelope) -> str:
        if self.server.delay:
            time.sleep(self.server.delay)  # blocks the server's loop: one slow server, as intended
        reply = self.server._next_reply()
        if reply.startswith("250"):
            self.server._record(ReceivedMessage(envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return reply
