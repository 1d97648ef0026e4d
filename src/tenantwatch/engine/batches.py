"""One thread that sends what others post, in batches: what is posted while a batch goes out
goes in the next one, so a burst of thousands of small messages is a few writes."""

from __future__ import annotations

import threading
from typing import Callable, Generic, TypeVar

Item = TypeVar("Item")


class BatchSender(Generic[Item]):
    """`post(item)` from any thread; `send(batch)` runs on the sender thread and returns False
    when the other end is gone (the thread then stops)."""

    def __init__(self, send: Callable[[list[Item]], bool], name: str) -> None:
        self._send = send
        self._pending: list[Item] = []
        self._ready = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._send_forever, name=name, daemon=True)
        self._thread.start()

    def post(self, item: Item) -> None:
        with self._ready:
            self._pending.append(item)
            self._ready.notify()

    def _send_forever(self) -> None:
        while True:
            with self._ready:
                self._ready.wait_for(lambda: self._pending or self._closed)
                batch, self._pending = self._pending, []
                closed = self._closed
            if batch and not self._send(batch):
                return
            if closed and not batch:
                return

    def close(self) -> None:
        """Send what is posted, then stop."""
        with self._ready:
            self._closed = True
            self._ready.notify()
        self._thread.join(timeout=10)
