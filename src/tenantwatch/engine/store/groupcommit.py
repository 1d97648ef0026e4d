"""Group commit: intake requests that arrive while a transaction is being written wait for
it, and the next writer takes all of them into one transaction (one fsync for many).

Each request still gets its answer only after the transaction holding its alerts is
committed. When a shared transaction fails, its requests are retried one by one so a single
bad request fails only itself.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import Callable, Generic, TypeVar

from sqlalchemy.orm import Session

from tenantwatch.engine.store import Store

Item = TypeVar("Item")
Result = TypeVar("Result")


class GroupCommit(Generic[Item, Result]):
    def __init__(self, store: Store, work: Callable[[Session, Item], Result]) -> None:
        self.store, self.work = store, work
        self._queue: list[tuple[Item, Future[Result]]] = []
        self._queue_lock = threading.Lock()

    def submit(self, item: Item) -> Result:
        """Run `work(session, item)` in a committed transaction, possibly shared with others."""
        ticket: Future[Result] = Future()
        with self._queue_lock:
            self._queue.append((item, ticket))
        with self.store.exclusive():
            if not ticket.done():  # nobody took it along: write everything queued so far
                with self._queue_lock:
                    batch, self._queue = self._queue, []
                self._write(batch)
        return ticket.result()

    def _write(self, batch: list[tuple[Item, Future[Result]]]) -> None:
        try:
            with self.store.write() as session:
                results = [self.work(session, item) for item, _ in batch]
        except Exception as exc:
            if len(batch) == 1:
                batch[0][1].set_exception(exc)
            else:
                for one in batch:
                    self._write([one])
            return
        for (_, ticket), result in zip(batch, results):
            ticket.set_result(result)
