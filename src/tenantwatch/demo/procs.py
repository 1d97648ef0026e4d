"""Child processes of the demo: each in its own process group, logged to a file, stopped for sure.

Every child gets its own session (so Ctrl-C in the terminal reaches only the demo, which
then stops the children in order) and, on Linux, a parent-death signal, so even a demo
killed with -9 leaves no orphan behind.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Sequence

import httpx

_PR_SET_PDEATHSIG = 1


class ChildFailed(RuntimeError):
    """A child exited or never became ready; the message carries the tail of its log."""


def _die_with_parent() -> None:
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:  # not glibc: the demo's own stop() still ends the child
        pass


@dataclass
class Child:
    name: str
    proc: subprocess.Popen
    log: Path
    stopped: bool = False

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM to the whole group, then SIGKILL if it has not exited in `timeout` seconds.
        Only once: after that the group id may belong to someone else."""
        if self.stopped:
            return
        self.stopped = True
        if self.alive():
            self._signal_group(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.proc.wait(timeout)
        self._signal_group(signal.SIGKILL)  # anything the child itself left in its group

    def _signal_group(self, sig: int) -> None:
        try:
            os.killpg(self.proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def spawn(name: str, argv: Sequence[str], log: Path, env: Mapping[str, str] | None = None) -> Child:
    handle = log.open("ab")
    try:
        proc = subprocess.Popen(list(argv), stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=dict(env) if env is not None else None, start_new_session=True,
                                preexec_fn=_die_with_parent)
    finally:
        handle.close()
    return Child(name, proc, log)


def wait_until(ready: Callable[[], bool], child: Child | None, what: str, timeout: float) -> None:
    """Poll `ready` until it is true; fail early (with the log) if the child dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child is not None and not child.alive():
            raise ChildFailed(f"{child.name} exited with code {child.proc.returncode} before {what}; "
                              f"its log ({child.log}) ends with:\n{child.log_tail()}")
        if ready():
            return
        time.sleep(0.2)
    tail = f"; its log ({child.log}) ends with:\n{child.log_tail()}" if child else ""
    raise ChildFailed(f"timed out after {timeout:.0f}s waiting for {what}{tail}")


def http_ok(url: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            return httpx.get(url, timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    return check


def process_alive(pid: int) -> bool:
    """Whether a process runs (a zombie waiting to be reaped does not count)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def port_listening(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something still listens on the port: a server could not bind it again.
    SO_REUSEADDR tolerates the TIME_WAIT leftovers of closed connections, not a listener."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False
