"""Two GETs measured in the same moments: each client sends them in turn on one kept-alive connection, so whatever
else the machine does (autovacuum, a checkpoint, another program) falls on both alike and their ratio is the pages'
own. Measured one after the other, each in its own window, the first page and a page at 99 % depth came out 1.07 to
1.56 apart on a busy box while sent in turn they stayed 1.12 to 1.20 (docs/scaling.md, "A deep page under
contention")."""

import http.client
import statistics
import threading
import time
import urllib.parse
from dataclasses import dataclass


@dataclass
class PairedResult:
    """As bench.wrk's WrkResult, for one of the paths."""

    path: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def run(base: str, paths: list[str], *, seconds: float, connections: int = 2, auth: str = "") -> list[PairedResult]:
    """Each of `connections` clients sends `paths` in turn (starting at a different one) for `seconds`; latency per
    path, measured from sending the request to having read the whole response."""
    url = urllib.parse.urlsplit(base)
    headers = {"Authorization": auth} if auth else {}
    latencies: dict[str, list[float]] = {path: [] for path in paths}
    failures = dict.fromkeys(paths, 0)
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(offset: int) -> None:
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
        mine: dict[str, list[float]] = {path: [] for path in paths}
        failed = dict.fromkeys(paths, 0)
        turn = offset
        while time.monotonic() < deadline:
            path = paths[turn % len(paths)]
            turn += 1
            started = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            mine[path].append((time.perf_counter() - started) * 1000)
            if not 200 <= response.status < 300:
                failed[path] += 1
        connection.close()
        with lock:
            for path in paths:
                latencies[path].extend(mine[path])
                failures[path] += failed[path]

    clients = [threading.Thread(target=client, args=(n,)) for n in range(connections)]
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join()
    return [
        PairedResult(
            path=path,
            requests_per_second=len(latencies[path]) / seconds,
            p50_ms=statistics.median(latencies[path]),
            p99_ms=_percentile(latencies[path], 0.99),
            requests=len(latencies[path]),
            non_2xx=failures[path],
        )
        for path in paths
    ]
