"""A real streaming replica of the suite's PostgreSQL, for the read-replica tests: `pg_basebackup -R` of the running
primary (the throwaway server of scripts/services.sh, reached directly even when the suite goes through PgBouncer),
started as a hot standby on a port of its own. As root it runs as `postgres`: PostgreSQL refuses to run as root."""

import contextlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

from tests.faults.stack import AS_ROOT, free_port, wait_until


def primary_url() -> str:
    """The primary itself: scripts/test.sh sets DATABASE_DIRECT_URL when DATABASE_URL is PgBouncer's."""
    return os.environ.get("DATABASE_DIRECT_URL") or os.environ["DATABASE_URL"]


class StreamingReplica:
    def __init__(self, primary: str) -> None:
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda path: int(path.parent.name))
        if not bins:
            raise RuntimeError("no PostgreSQL binaries under /usr/lib/postgresql")
        self.bin = bins[-1]
        self.primary = urlsplit(primary)
        self.dir = Path(tempfile.mkdtemp(prefix="creditdesk-replica."))
        self.dir.chmod(0o755)
        if AS_ROOT:
            shutil.chown(self.dir, "postgres")
        self.port = free_port()
        # -R writes standby.signal and primary_conninfo; -X stream carries the WAL written during the copy.
        source = ["-h", self.primary.hostname, "-p", str(self.primary.port), "-U", self.primary.username or "postgres"]
        self._run(
            "pg_basebackup", *source, "-D", str(self.dir / "data"), "-R", "-X", "stream", "-c", "fast", "--no-sync"
        )

    def _run(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bin / program), *args]
        if AS_ROOT:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True, timeout=120)

    def url(self, database: str) -> str:
        return f"postgres://{self.primary.username or 'postgres'}@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        # A hot standby refuses to start with less room than its primary has for these.
        with psycopg.connect(self.primary.geturl(), autocommit=True) as conn:
            floors = conn.execute(
                "SELECT string_agg(format('-c %s=%s', name, setting), ' ') FROM pg_settings WHERE name IN "
                "('max_connections', 'max_worker_processes', 'max_wal_senders', 'max_prepared_transactions', "
                "'max_locks_per_transaction')"
            ).fetchone()[0]
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c hot_standby=on {floors}"
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-l", str(self.dir / "log"), "-w", "start", "-o", options)

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", mode, "-w", "stop", check=False)

    def execute(self, sql: str, database: str = "postgres"):
        with psycopg.connect(self.url(database), autocommit=True) as conn:
            return conn.execute(sql).fetchone()

    def pause_replay(self) -> None:
        self.execute("SELECT pg_wal_replay_pause()")
        wait_until(
            lambda: self.execute("SELECT pg_get_wal_replay_pause_state()")[0] == "paused",
            timeout=10,
            what="replay paused",
        )

    def resume_replay(self) -> None:
        self.execute("SELECT pg_wal_replay_resume()")

    def catch_up(self, timeout: float = 30) -> None:
        """Wait until the replica has replayed everything the primary has written so far."""
        with psycopg.connect(self.primary.geturl(), autocommit=True) as conn:
            (target,) = conn.execute("SELECT pg_current_wal_insert_lsn()::text").fetchone()
        wait_until(
            lambda: self.execute(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn")[0],
            timeout=timeout,
            what="replica caught up",
        )

    def cleanup(self) -> None:
        if (self.dir / "data" / "postmaster.pid").exists():
            with contextlib.suppress(Exception):
                self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)
