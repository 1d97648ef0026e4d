"""Secret references resolve from the environ mapping or a file; errors name where, never what."""

from __future__ import annotations

import pytest

from tenantwatch.secrets import SecretError, resolve_secret


def test_env_reference_resolves_from_the_given_mapping():
    assert resolve_secret("env:PD_KEY", {"PD_KEY": "abc"}) == "abc"


def test_missing_variable_names_the_variable_and_field():
    with pytest.raises(SecretError, match=r"^channels\.pd\.routing_key: environment variable PD_KEY is not set"):
        resolve_secret("env:PD_KEY", {}, field="channels.pd.routing_key")


def test_empty_variable_is_an_error():
    with pytest.raises(SecretError, match="PD_KEY"):
        resolve_secret("env:PD_KEY", {"PD_KEY": ""})


def test_file_reference_strips_the_trailing_newline(tmp_path):
    path = tmp_path / "key"
    path.write_text("s3cret\n")
    assert resolve_secret(f"file:{path}", {}) == "s3cret"


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(SecretError, match=f"cannot read secret file {tmp_path}/nope"):
        resolve_secret(f"file:{tmp_path}/nope", {})


def test_value_in_clear_is_used_as_is():
    assert resolve_secret("https://hooks.example/x", {}) == "https://hooks.example/x"
