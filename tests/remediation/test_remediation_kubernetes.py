"""Kubernetes actions through the official client, against a local server recording API calls."""

from __future__ import annotations

import datetime as dt

from tenantwatch.remediation import ACTIONS
from tenantwatch.remediation.clients import KUBERNETES, kubernetes_api

restart = ACTIONS["restart_deployment"]
scale = ACTIONS["scale_deployment"]


def test_restart_patches_the_pod_template_like_kubectl_rollout_restart(kube, kube_clients):
    plan = restart.plan({"deployment": "api"}, "acme", {"tenant": "acme"})
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    outcome = restart.execute(plan, kube_clients)

    assert outcome.ok, outcome.detail
    [call] = kube.calls
    assert call.method == "PATCH"
    assert call.path == "/apis/apps/v1/namespaces/tenant-acme/deployments/api"
    assert call.content_type == "application/strategic-merge-patch+json"
    annotations = call.body["spec"]["template"]["metadata"]["annotations"]
    assert list(annotations) == ["kubectl.kubernetes.io/restartedAt"]
    stamp = annotations["kubectl.kubernetes.io/restartedAt"]
    assert stamp.endswith("Z")
    assert dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")) >= before
    assert outcome.data["restarted_at"] == stamp


def test_an_explicit_namespace_in_the_rule_is_used(kube, kube_clients):
    plan = restart.plan({"deployment": "api", "namespace": "shared-edge"}, "acme", {})
    assert restart.execute(plan, kube_clients).ok
    assert kube.calls[0].path == "/apis/apps/v1/namespaces/shared-edge/deployments/api"


def test_scale_reads_adds_step_and_patches_the_scale_subresource(kube, kube_clients):
    plan = scale.plan({"deployment": "worker", "step": 3, "max_replicas": 10}, "acme", {})
    outcome = scale.execute(plan, kube_clients)

    assert outcome.ok, outcome.detail
    assert outcome.data == {"from": 2, "to": 5}
    read, patch = kube.calls
    assert (read.method, read.path) == ("GET", "/apis/apps/v1/namespaces/tenant-acme/deployments/worker/scale")
    assert (patch.method, patch.path) == ("PATCH", "/apis/apps/v1/namespaces/tenant-acme/deployments/worker/scale")
    assert patch.content_type == "application/merge-patch+json"
    assert patch.body == {"spec": {"replicas": 5}}


def test_scale_is_capped_at_max_replicas_and_fails_when_already_there(kube, kube_clients):
    plan = scale.plan({"deployment": "worker", "step": 5, "max_replicas": 4}, "acme", {})
    first = scale.execute(plan, kube_clients)
    assert first.ok and first.data == {"from": 2, "to": 4}

    second = scale.execute(plan, kube_clients)
    assert not second.ok
    assert "already has 4 replicas" in second.detail
    assert len(kube.patches()) == 1


def test_api_error_is_a_failed_outcome_not_an_exception(kube, kube_clients):
    kube.fail_with = 403
    for action, params in ((restart, {"deployment": "api"}), (scale, {"deployment": "api"})):
        outcome = action.execute(action.plan(params, "acme", {}), kube_clients)
        assert not outcome.ok
        assert "API answered 403" in outcome.detail


def test_unreachable_api_server_is_a_failed_outcome(port):
    api = kubernetes_api(f"http://127.0.0.1:{port}")
    api.api_client.configuration.retries = 0
    outcome = restart.execute(restart.plan({"deployment": "api"}, "acme", {}), {KUBERNETES: lambda tenant: api})
    assert not outcome.ok
    assert outcome.detail.startswith("restart_deployment: ")


def test_missing_kubernetes_client_is_a_failed_outcome():
    outcome = restart.execute(restart.plan({"deployment": "api"}, "acme", {}), {})
    assert not outcome.ok and "no kubernetes client configured" in outcome.detail
