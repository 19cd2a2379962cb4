"""`make fuzz`: schemathesis against a live server running the production settings, over the OpenAPI schema the
server itself serves, every operation, stateful sequences included (create → get → update → archive …), three times:
with an API key holding every scope, with an OAuth access token holding only the read scopes, and with no
credentials at all. Fails on any 5xx, any response outside its documented status, content type, headers or schema
(errors included, so nothing outside the error format), on schema-violating input the server accepts, and on any
operation that got fewer than --min-examples test cases in a run. Prints the counts per run and operation and, with
--record, writes them into docs/reliability.md.

Runs inside scripts/services.sh (DATABASE_URL and REDIS_URL set, throwaway by default): see scripts/schemathesis.sh.

Two checks are left out on purpose. positive_data_acceptance counts any 4xx to schema-valid input as a failure, but
business rules rightly refuse some (a duplicate email is 409, a change to an archived customer 422, a well-formed
id that matches nothing 404). use_after_free expects a DELETEd resource to be gone, but DELETE of a customer or a
customer user archives it (docs/api.md), and it stays readable."""

import argparse
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
SCHEMATHESIS = str(Path(PY).with_name("schemathesis"))
DOC = ROOT / "docs" / "reliability.md"
BEGIN, END = "<!-- fuzz-counts:begin -->", "<!-- fuzz-counts:end -->"
EXCLUDED_CHECKS = "positive_data_acceptance,use_after_free"
READ_SCOPES = "customers:read credit:read"
# What the TLS-terminating proxy in front of production adds (SECURE_PROXY_SSL_HEADER).
PROXY_HEADER = "X-Forwarded-Proto: https"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def manage(env: dict, *args: str) -> str:
    result = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def production_env(port: int) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    return env | {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        # Required in production; nothing the fuzzer calls sends email (a send would fail and be retried).
        "EMAIL_URL": "smtp://127.0.0.1:25",
        "DEFAULT_FROM_EMAIL": "credit@example.com",
        "PUBLIC_BASE_URL": f"https://127.0.0.1:{port}",
        "API_RATE_LIMIT_PER_MINUTE": "1000000000",
    }


def start_server(env: dict, port: int, log: Path) -> subprocess.Popen:
    with open(log, "w") as output:
        server = subprocess.Popen(
            [PY, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2", "--timeout", "60"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited; see {log}")
        try:
            # Any answer will do (here the redirect to HTTPS): the server is up.
            requests.get(f"http://127.0.0.1:{port}/api/v1/-", timeout=5, allow_redirects=False)
            return server
        except requests.RequestException:
            time.sleep(0.2)
    server.kill()
    sys.exit(f"gunicorn did not answer within 60 s; see {log}")


def oauth_read_token(env: dict, base_url: str) -> str:
    output = manage(env, "create_oauth_client", "--name", "fuzz-read-only", "--scopes", READ_SCOPES)
    client_id = re.search(r"client_id: (\S+)", output).group(1)
    secret = re.search(r"client_secret: (\S+)", output).group(1)
    response = requests.post(
        f"{base_url}/api/v1/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client_id, secret),
        headers={"X-Forwarded-Proto": "https"},
        timeout=30,
    )
    response.raise_for_status()
    return response.json()["access_token"]


def schema_operations(base_url: str) -> dict[str, str]:
    """ "METHOD /path" → operationId, for every operation the served schema documents."""
    schema = requests.get(f"{base_url}/api/v1/openapi.json", headers={"X-Forwarded-Proto": "https"}, timeout=60).json()
    methods = {"get", "put", "post", "delete", "patch", "head", "options"}
    return {
        f"{method.upper()} {path}": operation["operationId"]
        for path, item in sorted(schema["paths"].items())
        for method, operation in item.items()
        if method in methods
    }


def run_schemathesis(base_url: str, name: str, headers: list[str], examples: int, report: Path, extra: list[str]):
    command = [
        SCHEMATHESIS,
        "run",
        f"{base_url}/api/v1/openapi.json",
        "--checks",
        "all",
        "--exclude-checks",
        EXCLUDED_CHECKS,
        "--wait-for-schema",
        "30",
        "--max-examples",
        str(examples),
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(report),
        "-H",
        PROXY_HEADER,
    ]
    for header in headers:
        command += ["-H", header]
    print(f"\n== {name}", flush=True)
    return subprocess.run(command + extra, cwd=ROOT, check=False).returncode


def operation_filter(operation_id: str) -> list[str]:
    return ["--include-operation-id", operation_id, "--phases", "fuzzing"]


def cases_per_operation(summary: dict, documented: Iterable[str]) -> dict[str, int]:
    ops = summary["operations"]
    return {op: sum(ops[op]["phases"].values()) if op in ops else 0 for op in documented}


def merge(summary: dict, other: dict) -> None:
    for op, data in other["operations"].items():
        for key in ("phases", "statuses", "failures"):
            summary["operations"][op][key].update(data[key])
    summary["scenarios"].update(other["scenarios"])


def summarize(report: Path) -> dict:
    """Per operation: test cases per phase, answers per status, failed checks; and the run's totals."""
    operations: dict = defaultdict(lambda: {"phases": Counter(), "statuses": Counter(), "failures": Counter()})
    scenarios = Counter()
    for line in report.read_text().splitlines():
        event = json.loads(line)
        finished = event.get("ScenarioFinished")
        if not finished:
            continue
        scenarios[finished["phase"]] += 1
        recorder = finished["recorder"]
        for case_id, case in recorder.get("cases", {}).items():
            operation = operations[f"{case['value']['method']} {case['value']['path']}"]
            operation["phases"][finished["phase"]] += 1
            interaction = recorder.get("interactions", {}).get(case_id) or {}
            status = (interaction.get("response") or {}).get("status_code")
            operation["statuses"][str(status)] += 1
            for check in recorder.get("checks", {}).get(case_id, []):
                if check["status"] == "failure":
                    operation["failures"][check["name"]] += 1
    return {"operations": operations, "scenarios": scenarios}


def render(runs: list[dict], documented: dict[str, str], min_examples: int, seconds: float) -> tuple[str, list[str]]:
    problems = []
    lines = [
        f"Last `make fuzz`: {datetime.now(UTC):%Y-%m-%d}, {len(documented)} operations, --max-examples "
        f"{runs[0]['examples']}, {seconds / 60:.1f} minutes, production settings behind the HTTPS proxy header.",
        "",
        "| run | test cases | of which stateful | 5xx | failed checks | fewest cases for one operation | topped up |",
        "|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        ops = run["summary"]["operations"]
        per_operation = cases_per_operation(run["summary"], documented)
        topped_up = ", ".join(f"`{op}` +{n}" for op, n in run["topped_up"].items()) or "none"
        total = sum(sum(data["phases"].values()) for data in ops.values())
        stateful = sum(data["phases"]["stateful"] for data in ops.values())
        server_errors = sum(n for data in ops.values() for status, n in data["statuses"].items() if status[0] == "5")
        failures = sum(sum(data["failures"].values()) for data in ops.values())
        fewest = min(per_operation.items(), key=lambda item: item[1])
        lines.append(
            f"| {run['name']} | {total} | {stateful} | {server_errors} | {failures} | "
            f"{fewest[1]} (`{fewest[0]}`) | {topped_up} |"
        )
        problems += [f"{run['name']}: {op} got {n} test cases" for op, n in per_operation.items() if n < min_examples]
        if run["exit_code"] != 0:
            problems.append(f"{run['name']}: schemathesis exited with {run['exit_code']}")
    lines += [
        "",
        "Test cases per operation (all phases) and the statuses answered, with the API key holding every scope:",
        "",
        "| operation | cases | statuses |",
        "|---|---|---|",
    ]
    ops = runs[0]["summary"]["operations"]
    for op in documented:
        data = ops.get(op, {"phases": Counter(), "statuses": Counter()})
        statuses = ", ".join(f"{status}: {n}" for status, n in sorted(data["statuses"].items()))
        lines.append(f"| `{op}` | {sum(data['phases'].values())} | {statuses} |")
    return "\n".join(lines), problems


def record(table: str) -> None:
    text = DOC.read_text()
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    DOC.write_text(f"{text[:start]}\n{table}\n{text[end:]}")
    print(f"\ncounts written to {DOC.relative_to(ROOT)}")


def main() -> int:
    # Stopped from outside (Ctrl-C, kill): still stop the server below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-examples", type=int, default=100)
    parser.add_argument("--min-examples", type=int, default=100, help="fail when an operation gets fewer cases")
    parser.add_argument("--record", action="store_true", help="write the counts into docs/reliability.md")
    options, extra = parser.parse_known_args()

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = production_env(port)
    workdir = Path(tempfile.mkdtemp(prefix="creditdesk-fuzz."))
    manage(env, "migrate", "--no-input", "-v", "0")
    key = manage(env, "create_api_key", "--name", "fuzz").strip().splitlines()[-1]
    server = start_server(env, port, workdir / "server.log")
    print(f"server log: {workdir / 'server.log'}", flush=True)
    started = time.monotonic()
    try:
        token = oauth_read_token(env, base_url)
        documented = schema_operations(base_url)
        runs = [
            {"name": "API key, every scope", "headers": [f"Authorization: Bearer {key}"]},
            {"name": f"OAuth token, {READ_SCOPES}", "headers": [f"Authorization: Bearer {token}"]},
            {"name": "no credentials", "headers": []},
        ]
        for number, run in enumerate(runs):
            report = workdir / f"run-{number}.ndjson"
            run["examples"] = options.max_examples
            run["exit_code"] = run_schemathesis(
                base_url, run["name"], run["headers"], options.max_examples, report, extra
            )
            run["summary"] = summarize(report)
            # An operation whose inputs all came from the few ids seen in earlier responses (a DELETE taking only
            # ids) runs out of distinct cases early: fuzz it again alone, from the schema only, to reach the minimum.
            run["topped_up"] = {}
            for op, count in cases_per_operation(run["summary"], documented).items():
                if count < options.min_examples:
                    top_up = workdir / f"run-{number}-{len(run['topped_up'])}.ndjson"
                    alone = operation_filter(documented[op]) + extra
                    code = run_schemathesis(
                        base_url, f"{run['name']}: {op} alone", run["headers"], options.min_examples, top_up, alone
                    )
                    run["exit_code"] = run["exit_code"] or code
                    more = summarize(top_up)
                    run["topped_up"][op] = cases_per_operation(more, [op])[op]
                    merge(run["summary"], more)
    finally:
        server.terminate()
        server.wait(timeout=30)
    table, problems = render(runs, documented, options.min_examples, time.monotonic() - started)
    print(f"\n{table}")
    if options.record:
        record(table)
    for problem in problems:
        print(f"FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
