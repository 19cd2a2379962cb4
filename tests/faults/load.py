"""A small load generator for fault tests: client threads each creating their own customers through the API (every
POST with an Idempotency-Key, retried with the same key after a 503, as the API asks) and listing customers in
between, recording every answer."""

import threading
import time
from dataclasses import dataclass, field

import requests

REQUEST_TIMEOUT = 15.0


@dataclass
class Answer:
    client: int
    method: str
    started: float  # time.monotonic()
    elapsed: float
    status: int | None  # None: no HTTP answer at all (connection error, timeout)
    content_type: str = ""
    body: dict | None = None
    headers: dict = field(default_factory=dict)
    error: str = ""


def _answer(client: int, method: str, started: float, response=None, error: Exception | None = None) -> Answer:
    elapsed = time.monotonic() - started
    if response is None:
        return Answer(client, method, started, elapsed, None, error=f"{type(error).__name__}: {error}")
    try:
        body = response.json()
    except ValueError:
        body = None
    return Answer(client, method, started, elapsed, response.status_code, response.headers.get("Content-Type", ""),
                  body, dict(response.headers))  # fmt: skip


class CustomerLoad:
    """`clients` threads against `base_url` until stop(). Client n creates customers `<label>-n-i@faults.example`."""

    def __init__(self, base_url: str, token: str, *, label: str, clients: int = 8) -> None:
        self.base_url, self.token, self.label, self.clients = base_url, token, label, clients
        self.answers: list[Answer] = []
        self.created: dict[str, str] = {}  # email → customer id, from the 201s
        self.wanted: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(clients)]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=REQUEST_TIMEOUT * 3)

    def _record(self, answer: Answer) -> Answer:
        with self._lock:
            self.answers.append(answer)
        return answer

    def _send(self, session, client: int, method: str, path: str, **kwargs) -> Answer:
        started = time.monotonic()
        try:
            response = session.request(method, f"{self.base_url}{path}", timeout=REQUEST_TIMEOUT, **kwargs)
        except requests.RequestException as error:
            return self._record(_answer(client, method, started, error=error))
        return self._record(_answer(client, method, started, response))

    def _run(self, client: int) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {self.token}"
        number = 0
        while not self._stop.is_set():
            number += 1
            self._send(session, client, "GET", "/api/v1/customers?per_page=5&order_by=id[DESC]")
            name = f"{self.label}-{client}-{number}"
            email = f"{name}@faults.example"
            with self._lock:
                self.wanted.add(email)
            # Retried until it lands, even after stop(): a created customer must be confirmed exactly once.
            for _ in range(100):
                answer = self._send(session, client, "POST", "/api/v1/customers",
                                    json={"email": email, "name": name}, headers={"Idempotency-Key": name})  # fmt: skip
                if answer.status == 201:
                    with self._lock:
                        self.created[email] = answer.body["data"]["id"]
                    break
                time.sleep(float(answer.headers.get("Retry-After", "0.2")) if answer.status == 503 else 0.2)

    def statuses(self) -> dict:
        counts: dict = {}
        for answer in self.answers:
            counts[answer.status] = counts.get(answer.status, 0) + 1
        return counts
