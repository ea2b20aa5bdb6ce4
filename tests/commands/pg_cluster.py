"""Throw-away PostgreSQL servers for tests: initdb, pg_ctl and pg_basebackup on free loopback ports.

PostgreSQL refuses to run as root, so when the tests run as root the server programs run as the `postgres`
OS user (`runuser -u postgres --`) in a temporary directory that user owns. `unavailable_reason()` says why
this cannot be done here (programs missing, no postgres user, initdb failing), for pytest.skip.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

PROGRAMS = ("initdb", "pg_ctl", "pg_basebackup")


def _bindir() -> Path | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if all(os.access(Path(candidate) / p, os.X_OK) for p in PROGRAMS):
            return Path(candidate)
    found = [shutil.which(p) for p in PROGRAMS]
    if all(found):
        return Path(found[0]).parent  # type: ignore[arg-type]
    return None


def _as_server_user() -> list[str]:
    if os.geteuid() != 0:
        return []
    return ["runuser", "-u", "postgres", "--"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """One PostgreSQL server in `datadir`, listening on 127.0.0.1:`port`."""

    def __init__(self, bindir: Path, datadir: Path, port: int):
        self.bindir, self.datadir, self.port = bindir, datadir, port

    def run(self, program: str, *args: str, timeout: float = 60) -> str:
        cmd = [*_as_server_user(), str(self.bindir / program), *args]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
        return done.stdout

    def configure(self, **settings: object) -> None:
        lines = [f"{k} = '{v}'" if isinstance(v, str) else f"{k} = {v}" for k, v in settings.items()]
        with open(self.datadir / "postgresql.conf", "a", encoding="utf-8") as f:
            f.write("\n" + "\n".join(lines) + "\n")

    def start(self) -> None:
        self.run("pg_ctl", "-D", str(self.datadir), "-l", str(self.datadir / "server.log"), "-w", "-t", "30",
                 "start")

    def stop(self, mode: str = "fast") -> None:
        self.run("pg_ctl", "-D", str(self.datadir), "-m", mode, "-w", "-t", "30", "stop")

    def promote(self) -> None:
        self.run("pg_ctl", "-D", str(self.datadir), "-w", "-t", "30", "promote")

    def running(self) -> bool:
        return (self.datadir / "postmaster.pid").exists()

    def conninfo(self, dbname: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={dbname} connect_timeout=5"

    def execute(self, sql: str, dbname: str = "postgres") -> list[tuple[object, ...]]:
        with psycopg.connect(self.conninfo(dbname), autocommit=True) as conn:
            cur = conn.execute(sql)
            return list(cur.fetchall()) if cur.description else []


class Cluster:
    """Servers created under one temporary directory; `close()` stops them all and removes it."""

    def __init__(self) -> None:
        bindir = _bindir()
        if bindir is None:
            raise RuntimeError(f"the PostgreSQL server programs ({', '.join(PROGRAMS)}) are not installed")
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="larm-pg-"))
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")  # KeyError: no such user
            os.chown(self.root, user.pw_uid, user.pw_gid)
        self.servers: list[Server] = []

    def primary(self, name: str, **settings: object) -> Server:
        server = Server(self.bindir, self.root / name, free_port())
        server.run("initdb", "-D", str(server.datadir), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                   "--no-sync", "--no-instructions" if self._has_no_instructions() else "-q")
        server.configure(listen_addresses="127.0.0.1", port=server.port, unix_socket_directories=str(server.datadir),
                         fsync="off", wal_level="replica", max_wal_senders=5, cluster_name=name, **settings)
        self.servers.append(server)
        server.start()
        return server

    def standby(self, name: str, of: Server, **settings: object) -> Server:
        """A streaming standby of `of` (pg_basebackup -R), named `name` to its primary (cluster_name)."""
        server = Server(self.bindir, self.root / name, free_port())
        server.run("pg_basebackup", "-h", "127.0.0.1", "-p", str(of.port), "-U", "postgres", "-D",
                   str(server.datadir), "-R", "-X", "stream", "--no-sync", "-c", "fast")
        server.configure(port=server.port, unix_socket_directories=str(server.datadir), cluster_name=name,
                         **settings)
        self.servers.append(server)
        server.start()
        return server

    def _has_no_instructions(self) -> bool:
        help_text = subprocess.run([str(self.bindir / "initdb"), "--help"], capture_output=True, text=True,
                                   check=False).stdout
        return "--no-instructions" in help_text

    def close(self) -> None:
        for server in self.servers:
            if server.running():
                try:
                    server.stop("immediate")
                except (RuntimeError, subprocess.TimeoutExpired):
                    pass
        shutil.rmtree(self.root, ignore_errors=True)


def unavailable_reason() -> str | None:
    """None when throw-away servers can be made here, else why not."""
    bindir = _bindir()
    if bindir is None:
        return f"the PostgreSQL server programs ({', '.join(PROGRAMS)}) are not installed"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no postgres user to run the PostgreSQL server as"
    for program in PROGRAMS:
        try:
            subprocess.run([*_as_server_user(), str(bindir / program), "--version"], capture_output=True,
                           timeout=20, check=True)
        except (OSError, subprocess.SubprocessError) as exc:
            return f"{program} cannot run here: {type(exc).__name__}: {exc}"
    return None


@contextmanager
def cluster() -> Iterator[Cluster]:
    c = Cluster()
    try:
        yield c
    finally:
        c.close()


def wait_for(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
