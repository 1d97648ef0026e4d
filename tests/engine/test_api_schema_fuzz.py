"""Schemathesis over the engine's own OpenAPI document: every operation, called with an admin
key and with a tenant key on a store that holds incidents of several tenants, never answers
5xx and always answers what the document says (status, content type, schema).

The webhook gets a small budget and the server-error check only: its body is read raw (the
document does not describe it; tests/engine/test_bad_input.py covers it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (content_type_conformance, not_a_server_error, response_schema_conformance,
                                 status_code_conformance)

from tenantwatch.engine.clock import FakeClock
from tenantwatch.engine.store import open_store
from tests.engine.conftest import T0, Engine, alert, build_engine, platform_alert, shared_spec

WEBHOOK = "/api/v1/alertmanager"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 100  # per operation, caller and mode: under a minute for the file on 2 cores
WEBHOOK_EXAMPLES = 5


@pytest.fixture
def fuzzed(tmp_path: Path) -> Engine:
    store = open_store(f"sqlite:///{tmp_path / 'engine.db'}")
    engine = build_engine(store, shared_spec(), FakeClock(T0))
    response = engine.post([alert("acme"), alert("globex", service="jobs", name="QueueBacklog", severity="critical"),
                            alert("initech", status="resolved"), platform_alert()])
    assert response.status_code == 200, response.text
    return engine


def _own_key_ids(engine: Engine) -> set[int]:
    keys = engine.client.get("/api/v1/keys", headers=engine.auth("admin")).json()["items"]
    return {key["id"] for key in keys if key["name"] in ("root", "alice")}


def _call(case: Any, engine: Engine, who: str, own_keys: set[int]) -> None:
    if case.path == WEBHOOK:
        case.call_and_validate(headers=engine.auth(who), checks=[not_a_server_error])
        return
    if case.path == "/api/v1/keys/{key_id}" and case.path_parameters.get("key_id") in own_keys:
        case.path_parameters["key_id"] = 1  # the intake key: the callers keep theirs
    case.call_and_validate(headers=engine.auth(who), checks=CHECKS)


@pytest.mark.parametrize("mode", list(GenerationMode))
@pytest.mark.parametrize("who", ["admin", "acme"])
def test_no_operation_answers_5xx_or_off_its_schema(fuzzed: Engine, who: str, mode: GenerationMode) -> None:
    """Valid requests (positive) and requests that break the document (negative), per operation."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzzed.client.app)
    own_keys = _own_key_ids(fuzzed)
    for result in schema.get_all_operations():
        operation = result.ok()
        if mode is GenerationMode.NEGATIVE and not any(operation.iter_parameters()):
            continue  # nothing to break (healthz, metrics)
        budget = WEBHOOK_EXAMPLES if operation.path == WEBHOOK else EXAMPLES

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=budget, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def call(case: Any) -> None:
            _call(case, fuzzed, who, own_keys)

        call()


def test_the_document_describes_every_json_answer(fuzzed: Engine) -> None:
    """Every operation but the webhook names a response model for 200 and the error shape for
    its 4xx, so that clients (and the fuzzer above) know what comes back."""
    document = fuzzed.client.get("/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if path == WEBHOOK:
                continue
            ok = operation["responses"]["200"]["content"]
            schemas = [body.get("schema", {}) for body in ok.values()]
            assert any("$ref" in s or s.get("type") == "string" for s in schemas), (method, path, ok)
            if path.startswith("/api/"):
                error = operation["responses"]["422"]["content"]["application/json"]["schema"]
                assert error["$ref"].endswith("/ErrorOut"), (method, path)
