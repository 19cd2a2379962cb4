"""Servers a fault-injection test can stop, freeze, restart or kill: a PostgreSQL and a Redis of its own (never the
machine's shared ones, which other people use), the app under gunicorn and Celery workers, each in its own process.

Every server binds a port the OS reports free and keeps it across restarts, so clients reconnect to the same
address, as they would to a production server that came back."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
AS_ROOT = os.geteuid() == 0
# Fault tests that take tens of seconds each run under `make faults`, not in the suite.
SLOW_FAULT = pytest.mark.skipif(os.environ.get("CREDITDESK_FAULTS") != "1", reason="slow fault injection: make faults")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, *, timeout: float, interval: float = 0.05, what: str = "condition"):
    """Poll `condition` until it returns something truthy; that value is returned."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: still false after {timeout} s")
        time.sleep(interval)


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class Postgres:
    """A throwaway PostgreSQL cluster in a temporary directory (initdb ≈ 1 s). As root, it runs as `postgres`:
    PostgreSQL refuses to run as root."""

    def __init__(self) -> None:
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda path: int(path.parent.name))
        if not bins:
            raise RuntimeError("no PostgreSQL binaries under /usr/lib/postgresql")
        self.bin = bins[-1]
        self.dir = Path(tempfile.mkdtemp(prefix="creditdesk-faults-pg."))
        self.dir.chmod(0o755)
        if AS_ROOT:
            shutil.chown(self.dir, "postgres")
        self.port = free_port()
        self._run("initdb", "-D", str(self.dir / "data"), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")  # fmt: skip

    def _run(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bin / program), *args]
        if AS_ROOT:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True, timeout=120)

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        # synchronous_commit stays on, as in production: with it off, a crash (an immediate stop) loses the last
        # commits PostgreSQL already acknowledged, which no application can make up for. fsync and full page writes
        # only matter when the machine itself goes down, which these tests never do.
        options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=on -c full_page_writes=off -c max_connections=100")  # fmt: skip
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-l", str(self.dir / "log"), "-w", "start", "-o", options)

    def stop(self, mode: str = "fast") -> None:
        """`fast` disconnects every client and shuts down cleanly; `immediate` is a crash (recovery at start)."""
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", mode, "-w", "stop", check=False)

    def create_database(self, name: str) -> None:
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)

    def cleanup(self) -> None:
        if (self.dir / "data" / "postmaster.pid").exists():
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


class Redis:
    """A throwaway Redis without persistence: a stop loses what it held, as a crash of a cache-only Redis does."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="creditdesk-faults-redis."))
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_until(lambda: _port_open(self.port), timeout=10, what="redis listening")

    def stop(self) -> None:
        """Gone: connections are refused until start()."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def freeze(self) -> None:
        """Hung: the kernel still accepts connections, nothing ever answers (SIGSTOP)."""
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def cleanup(self) -> None:
        if self.process is not None:
            self.thaw()
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def app_environment(*, database_url: str, redis_url: str, settings: str = "config.settings.test", **extra) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PYTEST_"))}
    return env | {"DJANGO_SETTINGS_MODULE": settings, "DATABASE_URL": database_url, "REDIS_URL": redis_url} | extra


def manage(*args: str, env: dict) -> str:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300)  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


class AppServer:
    """The app under gunicorn (persistent database connections, as configured), on a port of its own."""

    def __init__(self, env: dict, *, workers: int = 2, threads: int = 4, log_name: str = "app") -> None:
        self.env, self.workers, self.threads = env, workers, threads
        self.port = free_port()
        self.log_path = Path(tempfile.gettempdir()) / f"creditdesk-faults-{log_name}-{os.getpid()}.log"
        self.log_path.unlink(missing_ok=True)
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = open(self.log_path, "a")  # noqa: SIM115 - the server writes to it until stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{self.port}", "-w", str(self.workers),
             "--threads", str(self.threads), "--timeout", "60", "--graceful-timeout", "5"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        log.close()

        def answers() -> bool:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log_path}")
            try:
                # An unknown API route: a JSON 404 that needs neither the database nor Redis (or, under production
                # settings, the redirect to HTTPS).
                return requests.get(f"{self.url}/api/v1/-", timeout=10, allow_redirects=False).status_code < 500
            except requests.RequestException:
                return False

        wait_until(answers, timeout=60, interval=0.2, what="gunicorn answering")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


class CeleryWorker:
    """`celery worker` with one prefork child: the child runs tasks, so killing it is a worker lost mid-task
    (reject_on_worker_lost) while the parent lives on; killing the parent is losing the whole worker."""

    def __init__(self, env: dict, *, name: str, queues: str | None = None) -> None:
        self.env = env
        self.queues = queues  # comma-separated; every queue when None
        self.name = f"{name}-{os.getpid()}@localhost"
        self.log_path = Path(tempfile.gettempdir()) / f"creditdesk-faults-{name}-{os.getpid()}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.log_path.unlink(missing_ok=True)
        log = open(self.log_path, "a")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "prefork", "-c", "1", "--without-gossip",
             "--without-mingle", "--without-heartbeat", "-n", self.name, "-l", "info",
             *(["-Q", self.queues] if self.queues else [])],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        log.close()

        def ready() -> bool:
            if self.process.poll() is not None:
                raise RuntimeError(f"celery worker exited; see {self.log_path}")
            return " ready." in self.log()

        wait_until(ready, timeout=60, interval=0.2, what="celery worker ready")

    def child_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def kill_child(self) -> int:
        (pid,) = self.child_pids()
        os.kill(pid, signal.SIGKILL)
        return pid

    def kill(self) -> None:
        """SIGKILL the whole worker, parent and child: nothing gets to ack, reject or clean up."""
        if self.process is None:
            return
        children = self.child_pids()
        self.process.kill()
        self.process.wait(timeout=10)
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
            self.process = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
