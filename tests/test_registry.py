"""The shared registry helper: a name registered twice fails at import time."""

import pytest

from tenantwatch.channels import SENDERS, register
from tenantwatch.registry import registrar


def test_a_registered_object_is_stored_under_its_name() -> None:
    table: dict[str, object] = {}
    named = registrar(table, "widget")

    @named("a")
    def widget() -> None: ...

    assert table == {"a": widget}


def test_a_second_registration_of_a_name_is_refused_and_keeps_the_first() -> None:
    first = SENDERS["slack"]
    with pytest.raises(ValueError, match="channel type 'slack' registered twice"):
        register("slack")(lambda *args: None)
    assert SENDERS["slack"] is first
