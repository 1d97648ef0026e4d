"""A local stand-in for the Kubernetes API server: records calls, answers like apps/v1 would.

It keeps one replica count per deployment so scale reads what an earlier patch wrote, and can
be told to fail every call with a status (403, 500) to exercise error handling.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

DEPLOYMENT = re.compile(r"^/apis/apps/v1/namespaces/(?P<ns>[^/]+)/deployments/(?P<name>[^/?]+)(?P<scale>/scale)?")


@dataclass
class ApiCall:
    method: str
    path: str
    content_type: str | None
    body: Any


class KubeRecorder:
    def __init__(self, replicas: int = 1) -> None:
        self.calls: list[ApiCall] = []
        self.replicas: dict[tuple[str, str], int] = {}
        self.default_replicas = replicas
        self.fail_with: int | None = None
        self.host = ""

    def handler(self) -> type[BaseHTTPRequestHandler]:
        """The request handler class to serve with (see conftest's `kube` fixture)."""
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                recorder._handle(self, None)

            def do_PATCH(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                recorder._handle(self, json.loads(raw) if raw else None)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    def patches(self) -> list[ApiCall]:
        return [c for c in self.calls if c.method == "PATCH"]

    def _handle(self, handler: BaseHTTPRequestHandler, body: Any) -> None:
        self.calls.append(ApiCall(handler.command, handler.path, handler.headers.get("Content-Type"), body))
        match = DEPLOYMENT.match(handler.path)
        if self.fail_with is not None or match is None:
            status = self.fail_with or 404
            return self._answer(handler, status, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                                  "reason": "Scripted", "code": status})
        key = (match["ns"], match["name"])
        metadata = {"name": match["name"], "namespace": match["ns"]}
        if match["scale"]:
            if handler.command == "PATCH":
                self.replicas[key] = body["spec"]["replicas"]
            replicas = self.replicas.get(key, self.default_replicas)
            return self._answer(handler, 200, {"kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": metadata,
                                               "spec": {"replicas": replicas}, "status": {"replicas": replicas}})
        pod_labels = {"app": match["name"]}
        template = {"metadata": {"labels": pod_labels}, "spec": {"containers": [{"name": match["name"], "image": "app:1"}]}}
        if body:  # a strategic merge patch of the template metadata, as the API server would apply it
            template["metadata"].update(body["spec"]["template"]["metadata"])
        return self._answer(handler, 200, {"kind": "Deployment", "apiVersion": "apps/v1", "metadata": metadata,
                                           "spec": {"replicas": self.replicas.get(key, self.default_replicas),
                                                    "selector": {"matchLabels": pod_labels}, "template": template}})

    @staticmethod
    def _answer(handler: BaseHTTPRequestHandler, status: int, document: dict[str, Any]) -> None:
        data = json.dumps(document).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
