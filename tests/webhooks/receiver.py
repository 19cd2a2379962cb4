"""A real webhook receiver for tests: `http.server` on a loopback port chosen by the OS, in a thread, recording every
request and answering with the statuses it is told to (200 when told nothing)."""

import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class ReceivedRequest:
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int

    @property
    def json(self) -> dict:
        return json.loads(self.body)


class Receiver:
    def __init__(self) -> None:
        self.requests: list[ReceivedRequest] = []
        self.port = 0
        # Answer body; by default a short JSON acknowledgement.
        self.reply_body: bytes | None = None
        # Seconds to wait before answering, as a slow receiver does.
        self.delay = 0.0
        self._statuses: deque[int] = deque()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/creditdesk"

    def answer(self, *statuses: int) -> None:
        """Answer the next requests with these statuses, in order, then 200 again."""
        with self._lock:
            self._statuses.extend(statuses)

    def start(self) -> None:
        """Listen (again) on the same port once one was chosen, so a stopped receiver comes back at its URL."""
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler_class())
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop listening: connections to the port are refused until start()."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def bodies(self) -> list[dict]:
        return [request.json for request in self.requests]

    def answered(self) -> list[tuple[str, int]]:
        """(event type, status answered) of each request, in the order received."""
        return [(request.json["event_type"], request.answered) for request in self.requests]

    def _next_status(self) -> int:
        with self._lock:
            return self._statuses.popleft() if self._statuses else 200

    def _record(self, request: ReceivedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = receiver._next_status()
                time.sleep(receiver.delay)
                receiver._record(ReceivedRequest(self.path, dict(self.headers.items()), body, status))
                answer = receiver.reply_body or json.dumps({"received": 200 <= status < 300, "status": status}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args) -> None:
                pass

        return Handler
