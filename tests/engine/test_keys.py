"""Keys: listed without their secret and revoked at once, from the admin API and the command
line; `keys create --spec` refuses a tenant the spec does not have; both are audited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tenantwatch.cli import app
from tenantwatch.engine.auth import create_key, list_keys, verify_key
from tenantwatch.engine.server import REFERENCE_SPEC
from tenantwatch.engine.store import Store, open_store
from tests.engine.conftest import Engine

FIELDS = {"id", "name", "scope", "tenant", "created_at", "revoked_at", "revoked"}


def test_the_admin_api_lists_keys_without_secrets_and_revokes_at_once(engine: Engine) -> None:
    listed = engine.client.get("/api/v1/keys", headers=engine.auth("admin"))
    assert listed.status_code == 200
    keys = {k["name"]: k for k in listed.json()["items"]}
    assert set(keys) == {"alertmanager", "root", "alice", "bob", "carol"}
    assert all(set(k) == FIELDS for k in keys.values())
    assert (keys["alice"]["scope"], keys["alice"]["tenant"], keys["root"]["scope"]) == ("tenant", "acme", "admin")
    assert not any(secret in listed.text for secret in engine.keys.values()) and "hash" not in listed.text
    for who in ("acme", "intake"):
        assert engine.client.get("/api/v1/keys", headers=engine.auth(who)).status_code == 403
    assert engine.client.delete(f"/api/v1/keys/{keys['bob']['id']}", headers=engine.auth("acme")).status_code == 403

    assert engine.client.get("/api/v1/incidents", headers=engine.auth("acme")).status_code == 200
    revoked = engine.client.delete(f"/api/v1/keys/{keys['alice']['id']}", headers=engine.auth("admin"))
    assert revoked.status_code == 200 and revoked.json()["revoked"] and revoked.json()["revoked_at"]
    refused = engine.client.get("/api/v1/incidents", headers=engine.auth("acme"))
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthorized"
    unknown = engine.client.delete("/api/v1/keys/999", headers=engine.auth("admin"))
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"
    audit = engine.client.get("/api/v1/audit", params={"tenant": "acme"}, headers=engine.auth("admin")).json()["items"]
    assert [(e["action"], e["who"], e["detail"]["name"]) for e in audit if e["action"].startswith("key.")] == [
        ("key.create", "alice", "alice"), ("key.revoke", "root", "alice")]


@pytest.fixture
def cli(tmp_path: Path):  # type: ignore[no-untyped-def]
    """`tenantwatch ...` in process on one SQLite file; returns (invoke, store)."""
    db = f"sqlite:///{tmp_path / 'keys.db'}"
    runner = CliRunner()
    store = open_store(db)
    yield (lambda *args: runner.invoke(app, [*map(str, args), "--db", db])), store
    store.close()


def test_keys_list_shows_a_table_or_json_and_never_a_secret(cli) -> None:  # type: ignore[no-untyped-def]
    invoke, store = cli
    secrets = [create_key(store, kind="tenant", tenant="acme", name="alice"), create_key(store, kind="admin", name="root")]
    table = invoke("keys", "list")
    assert table.exit_code == 0, table.output
    assert "alice" in table.stdout and "acme" in table.stdout and "active" in table.stdout and "scope" in table.stdout
    listed = invoke("keys", "list", "--format", "json")
    assert listed.exit_code == 0
    keys = json.loads(listed.stdout)
    assert [(k["name"], k["scope"], k["tenant"], k["revoked"]) for k in keys] == [
        ("alice", "tenant", "acme", False), ("root", "admin", None, False)]
    assert all(set(k) == FIELDS for k in keys)
    assert not any(secret in table.stdout + listed.stdout for secret in secrets)


def test_keys_revoke_refuses_the_key_at_once_and_unknown_ids_exit_1(cli) -> None:  # type: ignore[no-untyped-def]
    invoke, store = cli
    secret = create_key(store, kind="tenant", tenant="acme", name="alice")
    [key] = list_keys(store)
    done = invoke("keys", "revoke", key["id"])
    assert done.exit_code == 0 and "revoked" in done.stdout and "alice" in done.stdout
    assert verify_key(store, secret) is None
    assert json.loads(invoke("keys", "list", "--format", "json").stdout)[0]["revoked"] is True
    assert invoke("keys", "revoke", key["id"]).exit_code == 0  # again: nothing changes
    unknown = invoke("keys", "revoke", 42)
    assert unknown.exit_code == 1 and "no key with id 42" in unknown.stderr and unknown.stdout == ""
    audit = [line for line in _audit(store) if line[0] == "key.revoke"]
    assert audit == [("key.revoke", "cli", "acme")]


def _audit(store: Store) -> list[tuple[str, str, str | None]]:
    from tenantwatch.engine.audit import entries

    with store.read() as session:
        return [(e.action, e.who, e.tenant) for e in entries(session, tenant=None)]


def test_keys_create_with_a_spec_refuses_a_tenant_it_does_not_have(cli) -> None:  # type: ignore[no-untyped-def]
    invoke, store = cli
    refused = invoke("keys", "create", "--tenant", "acmee", "--spec", REFERENCE_SPEC)
    assert refused.exit_code == 2 and refused.stdout == ""
    assert "'acmee' is not in" in refused.stderr and "did you mean 'acme'" in refused.stderr
    assert "acme, globex, initech" in refused.stderr
    assert list_keys(store) == []
    created = invoke("keys", "create", "--tenant", "globex", "--spec", REFERENCE_SPEC)
    assert created.exit_code == 0 and created.stdout.startswith("tw_")
    assert [k["tenant"] for k in list_keys(store)] == ["globex"]
