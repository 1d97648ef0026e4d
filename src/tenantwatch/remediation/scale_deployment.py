"""Add replicas to a deployment through its scale subresource, never above max_replicas."""

from __future__ import annotations

from typing import Any

from tenantwatch.remediation.base import Outcome, Plan, register
from tenantwatch.remediation.kube import KubernetesAction

MERGE_PATCH = "application/merge-patch+json"


class ScaleDeployment(KubernetesAction):
    name = "scale_deployment"

    def describe(self, params: Any, tenant: str) -> tuple[dict[str, Any], str]:
        namespace = self.namespace(params.namespace, tenant)
        return ({"namespace": namespace, "deployment": params.deployment, "step": params.step,
                 "max_replicas": params.max_replicas},
                f"scale deployment {namespace}/{params.deployment} up by {params.step} "
                f"(at most {params.max_replicas} replicas)")

    def act(self, plan: Plan, client: Any) -> Outcome:
        name, namespace, ceiling = plan.target["deployment"], plan.target["namespace"], plan.target["max_replicas"]
        current = client.read_namespaced_deployment_scale(name=name, namespace=namespace).spec.replicas or 0
        wanted = min(current + plan.target["step"], ceiling)
        if wanted <= current:
            # Nothing left to add: a failure, so the circuit breaker and escalation take over.
            return Outcome(ok=False, detail=f"{namespace}/{name} already has {current} replicas "
                                            f"(max_replicas {ceiling}); not scaled", data={"replicas": current})
        client.patch_namespaced_deployment_scale(name=name, namespace=namespace, body={"spec": {"replicas": wanted}},
                                                 _content_type=MERGE_PATCH)
        return Outcome(ok=True, detail=f"scaled {namespace}/{name} from {current} to {wanted} replicas",
                       data={"from": current, "to": wanted})


register(ScaleDeployment())
