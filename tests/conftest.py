"""Shared fixtures: free ports and the real servers the tests need (PostgreSQL, Redis).

Servers listen on 127.0.0.1 on free ports and are stopped when the session ends; the
Debian packages' own daemons (where systemd starts them) are never used.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterator

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@contextlib.contextmanager
def chromium_page(timeout_ms: int) -> Iterator[object]:
    """A page in Debian's headless Chromium, driven by Playwright (never a downloaded browser)."""
    if not CHROMIUM.exists():
        raise RuntimeError("Debian's chromium is missing: run scripts/install.sh (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.set_default_timeout(timeout_ms)
            yield page
        finally:
            browser.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30.0, proc: subprocess.Popen | None = None) -> None:
    """Block until something accepts on 127.0.0.1:port (or fail, showing why)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


@pytest.fixture
def port() -> int:
    return free_port()


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError("PostgreSQL server binaries not found; run scripts/install.sh (Debian package postgresql)")
    return found[-1]


def _as_postgres(argv: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A real PostgreSQL server (initdb in a temp dir), as a SQLAlchemy URL."""
    with postgres_server() as url:
        yield url


@contextlib.contextmanager
def postgres_server(*, fsync: bool = False) -> Iterator[str]:
    """initdb in a temp dir, a server on 127.0.0.1 (fsync off for tests, on for benchmarks),
    a database `tenantwatch`; stopped and removed on exit."""
    root = Path(tempfile.mkdtemp(prefix="tw-pg-"))
    data = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    pg_port = free_port()
    # cwd=root: the postgres user may not enter the checkout's folder (e.g. under /root).
    init = subprocess.run(_as_postgres([_pg_bin("initdb"), "-D", str(data), "-U", "tw", "--auth=trust", "-E", "UTF8"]),
                          capture_output=True, text=True, cwd=root)
    if init.returncode != 0:
        raise RuntimeError(f"initdb failed ({init.returncode}): {init.stdout}{init.stderr}")
    proc = subprocess.Popen(
        _as_postgres([_pg_bin("postgres"), "-D", str(data), "-p", str(pg_port), "-h", "127.0.0.1",
                      "-k", str(root), "-c", f"fsync={'on' if fsync else 'off'}"]),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=root,
    )
    try:
        wait_for_port(pg_port, proc=proc)
        for _ in range(100):
            ready = subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", str(pg_port)], capture_output=True)
            if ready.returncode == 0:
                break
            time.sleep(0.1)
        subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(pg_port), "-U", "tw", "-d", "postgres",
                        "-c", "CREATE DATABASE tenantwatch"], check=True, capture_output=True)
        yield f"postgresql+psycopg://tw@127.0.0.1:{pg_port}/tenantwatch"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A real redis-server on a free port, without persistence."""
    if shutil.which("redis-server") is None:
        raise RuntimeError("redis-server not found; run scripts/install.sh (Debian package redis-server)")
    redis_port = free_port()
    proc = subprocess.Popen(
        ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(redis_port, proc=proc)
        yield f"redis://127.0.0.1:{redis_port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
