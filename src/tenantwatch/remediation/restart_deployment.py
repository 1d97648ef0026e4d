"""`kubectl rollout restart`, via the API: stamp the pod template with a restartedAt annotation.

The changed template makes the Deployment controller replace its pods with its usual rolling
update (respecting maxUnavailable), exactly as kubectl does with a strategic merge patch.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tenantwatch.remediation.base import Outcome, Plan, register
from tenantwatch.remediation.kube import KubernetesAction

RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"


class RestartDeployment(KubernetesAction):
    name = "restart_deployment"

    def describe(self, params: Any, tenant: str) -> tuple[dict[str, Any], str]:
        namespace = self.namespace(params.namespace, tenant)
        return ({"namespace": namespace, "deployment": params.deployment},
                f"rollout restart deployment {namespace}/{params.deployment}")

    def act(self, plan: Plan, client: Any) -> Outcome:
        stamp = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
        body = {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: stamp}}}}}
        client.patch_namespaced_deployment(name=plan.target["deployment"], namespace=plan.target["namespace"],
                                           body=body, _content_type=STRATEGIC_MERGE_PATCH)
        return Outcome(ok=True, detail=f"restarted deployment {plan.target['namespace']}/{plan.target['deployment']}",
                       data={"restarted_at": stamp})


register(RestartDeployment())
