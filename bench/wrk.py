"""Running wrk (Debian's) from a separate process on loopback and reading its numbers."""

import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


@dataclass
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    errors: int


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def parse(output: str) -> WrkResult:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    non_2xx = int(match.group(1)) if (match := re.search(r"Non-2xx or 3xx responses: (\d+)", output)) else 0
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    return WrkResult(rps, p50, p99, total, non_2xx, errors)


LUA_TEMPLATE = """
local counter = 0
local thread_id = 0
setup = function(thread) thread:set("tid", thread_id); thread_id = thread_id + 1 end
request = function()
  counter = counter + 1
  local body = string.format([[%(body)s]], tid, counter, math.random(1, 1000000000))
  local headers = {["Content-Type"]="application/json", ["Authorization"]="%(auth)s"}
  %(key)s
  return wrk.format("%(method)s", "%(path)s", headers, body)
end
"""


def run(
    url: str,
    *,
    seconds: int,
    connections: int,
    threads: int = 2,
    auth: str = "",
    method: str = "GET",
    body_format: str = "",
    path: str = "",
    headers: dict[str, str] | None = None,
    idempotency_key_format: str = "",
) -> WrkResult:
    """GET `url`, or send `method` with a body made from `body_format` (a Lua format string taking thread id,
    request counter and a random number, in that order) to `path` on the same host; with `idempotency_key_format`
    (a Lua format string taking thread id and request counter), each request carries its own Idempotency-Key."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    with tempfile.TemporaryDirectory() as tmp:
        if method != "GET":
            script = Path(tmp) / "post.lua"
            key = (
                f'headers["Idempotency-Key"] = string.format("{idempotency_key_format}", tid, counter)'
                if idempotency_key_format
                else ""
            )
            values = {"body": body_format, "method": method, "path": path, "auth": auth, "key": key}
            script.write_text(LUA_TEMPLATE % values)
            command += ["-s", str(script)]
        elif auth:
            command += ["-H", f"Authorization: {auth}"]
        for name, value in (headers or {}).items():
            command += ["-H", f"{name}: {value}"]
        output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    return parse(output)
