"""What the two Kubernetes actions share: target namespace and the client's error types."""

from __future__ import annotations

from tenantwatch.conventions import PLATFORM_TENANT, namespace_of
from tenantwatch.remediation.action import AllowlistedAction
from tenantwatch.remediation.clients import KUBERNETES
from tenantwatch.remediation.guard import PlanError


class KubernetesAction(AllowlistedAction):
    client = KUBERNETES

    @staticmethod
    def namespace(namespace: str | None, tenant: str) -> str:
        """The rule's namespace, else the tenant's own (`tenant-<id>`). A shared service lives
        in a namespace of its own, which the rule must name."""
        if namespace:
            return namespace
        if tenant == PLATFORM_TENANT:
            raise PlanError("a shared service's alert acts in the service's own namespace: set params.namespace on the rule")
        return namespace_of(tenant)

    def errors(self) -> tuple[type[BaseException], ...]:
        """API answers (ApiException), transport failures (urllib3) and answers the client cannot read."""
        import pydantic
        import urllib3.exceptions
        from kubernetes.client.exceptions import ApiException

        return ApiException, urllib3.exceptions.HTTPError, OSError, pydantic.ValidationError
