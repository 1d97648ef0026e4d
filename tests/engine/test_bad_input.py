"""Bad webhook input: always a 4xx with {"error": {"code", "message"}}, never a 500 or a
stack trace, and nothing stored."""

from __future__ import annotations

import json

import pytest

from tenantwatch.engine.intake.payload import MAX_BODY_BYTES
from tests.engine.conftest import Engine, alert, webhook


def _without_tenant() -> dict:
    bad = alert()
    del bad["labels"]["tenant"]
    return webhook([bad])


CASES = {
    "malformed json": (b'{"version": "4", "alerts": [', 400, "malformed_json"),
    "not utf-8": (b"\xff\xfe\x00", 400, "malformed_json"),
    "json array": (b"[]", 422, "invalid_payload"),
    "version 3": (json.dumps(webhook([alert()], version="3")).encode(), 422, "invalid_payload"),
    "no version": (json.dumps({"alerts": [alert()]}).encode(), 422, "invalid_payload"),
    "missing tenant label": (json.dumps(_without_tenant()).encode(), 422, "invalid_payload"),
    "empty tenant label": (json.dumps(webhook([alert(tenant="")])).encode(), 422, "invalid_payload"),
    "unknown top-level field": (json.dumps(webhook([alert()], extra="x")).encode(), 422, "invalid_payload"),
    "unknown alert field": (json.dumps(webhook([{**alert(), "colour": "red"}])).encode(), 422, "invalid_payload"),
    "bad status": (json.dumps(webhook([{**alert(), "status": "burning"}])).encode(), 422, "invalid_payload"),
    "bad startsAt": (json.dumps(webhook([{**alert(), "startsAt": "yesterday"}])).encode(), 422, "invalid_payload"),
    "label not a string": (json.dumps(webhook([{**alert(), "labels": {"tenant": 5}}])).encode(), 422, "invalid_payload"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_payload_is_a_json_4xx_and_stores_nothing(engine: Engine, case: str) -> None:
    body, status, code = CASES[case]
    response = engine.client.post("/api/v1/alertmanager", content=body,
                                  headers={**engine.auth("intake"), "content-type": "application/json"})
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code and error["message"]
    assert "Traceback" not in response.text
    assert engine.incidents() == []


def test_missing_tenant_names_the_place(engine: Engine) -> None:
    response = engine.client.post("/api/v1/alertmanager", json=_without_tenant(), headers=engine.auth("intake"))
    assert "alerts[0].labels.tenant" in response.json()["error"]["message"]
    assert "tenant" in response.json()["error"]["message"]


def test_body_over_10_mb_is_refused_before_it_is_read(engine: Engine) -> None:
    big = b"x" * (MAX_BODY_BYTES + 1)
    response = engine.client.post("/api/v1/alertmanager", content=big, headers=engine.auth("intake"))
    assert response.status_code == 413 and response.json()["error"]["code"] == "payload_too_large"

    def chunks():  # no content-length: the stream is cut off once it passes the limit
        for _ in range(11):
            yield b" " * (1024 * 1024)

    streamed = engine.client.post("/api/v1/alertmanager", content=chunks(), headers=engine.auth("intake"))
    assert streamed.status_code == 413


def test_unknown_route_and_method_are_json_errors(engine: Engine) -> None:
    assert engine.client.get("/api/v1/nothing").json()["error"]["code"] == "not_found"
    response = engine.client.get("/api/v1/alertmanager", headers=engine.auth("intake"))
    assert response.status_code == 405 and response.json()["error"]["code"] == "method_not_allowed"
    assert engine.client.get("/api/v1/incidents/abc", headers=engine.auth("admin")).status_code == 422


@pytest.mark.parametrize(("bad", "where"), [
    ({"status": "burning-secret"}, "alerts[0].status: expected 'firing' or 'resolved'"),
    ({"labels": {"tenant": "acme", "team": 5}}, "alerts[0].labels: a value: expected `str`"),
    ({"startsAt": "secret-yesterday"}, "alerts[0].startsAt: "),
])
def test_a_refused_value_is_named_by_its_place_not_echoed(engine: Engine, bad: dict, where: str) -> None:
    response = engine.client.post("/api/v1/alertmanager", json=webhook([{**alert(), **bad}]), headers=engine.auth("intake"))
    message = response.json()["error"]["message"]
    assert response.status_code == 422 and message.startswith(where), message
    assert "secret" not in message
