"""One way to build the name -> implementation registries (render targets, channel senders,
remediation actions): a name registered twice is a programming error that must fail at
import, never silently route work to the wrong code."""

from __future__ import annotations

from typing import Callable, TypeVar

T = TypeVar("T")


def registrar(table: dict[str, T], what: str) -> Callable[[str], Callable[[T], T]]:
    """A decorator factory: `@named("x")` stores the decorated object in `table` under "x"."""

    def named(name: str) -> Callable[[T], T]:
        def add(item: T) -> T:
            if name in table:
                raise ValueError(f"{what} {name!r} registered twice")
            table[name] = item
            return item

        return add

    return named
