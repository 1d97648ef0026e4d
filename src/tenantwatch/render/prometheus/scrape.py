"""prometheus.yml: scrape jobs, tenant relabelling, rule files and the Alertmanager target.

Built as plain data and dumped with PyYAML, so quoting and escaping are never hand-made.
Every target of a service carries `service="<name>"`. Every sample that belongs to a tenant
must end up with `tenant="<id>"`: for a per-tenant service with Kubernetes discovery it
comes from the namespace `tenant-<id>` of the DNS record the target was found by; with
static targets from the samples themselves (honor_labels), optionally mapped from
`namespace`. A shared service is one deployment: one record in its own namespace, no
tenant relabelling (its health series belong to the platform; the `tenant` labels its
application puts on request series are kept). Prometheus, Alertmanager and the engine are
scraped too, and the user's own jobs come last.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import yaml

from tenantwatch import conventions as names
from tenantwatch.render import RenderError, RenderOptions
from tenantwatch.render.prometheus.global_view import remote_write
from tenantwatch.render.prometheus.timing import intervals
from tenantwatch.spec import Spec
from tenantwatch.spec.units import format_duration

_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml: 10 000 tenants' DNS records in milliseconds
_TENANT_NAMESPACE = names.NAMESPACE_PREFIX + "(.+)"  # ids are DNS-1123: no regex metacharacters
# `_metrics._tcp.<app>.tenant-<id>.svc` -> namespace "tenant-<id>" ($1), tenant "<id>" ($2)
_RECORD_NAMESPACE = r"_[^.]+\._tcp\.[^.]+\.(" + names.NAMESPACE_PREFIX + r"([^.]+))\.svc.*"
KUBELET_SERVICE = "kubelet.kube-system.svc"
KUBE_STATE_METRICS_SERVICE = "kube-state-metrics.kube-system.svc"
NODE_EXPORTER_SERVICE = "node-exporter.monitoring.svc"


def prometheus_config(spec: Spec, options: RenderOptions, rule_files: list[str]) -> str:
    """The prometheus.yml text for a spec; `rule_files` are paths relative to prometheus.yml."""
    return dump_config(config_data(spec, options, rule_files))


def dump_config(config: dict) -> str:
    return yaml.dump(config, Dumper=_DUMPER, sort_keys=False, default_flow_style=False)


def config_data(spec: Spec, options: RenderOptions, rule_files: list[str]) -> dict:
    """The single-node prometheus.yml as data (the shards' configs are derived from it)."""
    scrape, evaluation = intervals(spec, options)  # the same ones the rule windows are sized for
    return {
        "global": {
            "scrape_interval": format_duration(scrape),
            "evaluation_interval": format_duration(evaluation),
            "external_labels": {"environment": spec.environment, "platform": spec.platform},
        },
        "rule_files": list(rule_files),
        "alerting": {"alertmanagers": [{"static_configs": [{"targets": _alertmanagers(spec)}]}]},
        "scrape_configs": with_user_jobs(spec, _scrape_jobs(spec)),
        **remote_write(spec),
    }


def _alertmanagers(spec: Spec) -> list[str]:
    """The single Alertmanager, or every member of the cluster (each gets every alert)."""
    return spec.scale_out.alertmanager_addresses(spec.prometheus.alertmanager)


def _scrape_jobs(spec: Spec) -> list[dict]:
    clash = sorted(set(spec.services) & set(names.BUILTIN_SCRAPE_JOBS))
    if clash:  # validation refuses these ids; a spec built in code may still carry one
        raise RenderError(f"services.{clash[0]}: the id is the name of a built-in scrape job; rename the service")
    if spec.discovery == "static":
        jobs = [_static_service_job(spec, name) for name in spec.services]
    else:
        jobs = [_kubernetes_service_job(spec, name) for name in spec.services] + _kubernetes_infra_jobs(spec)
    jobs += _monitoring_jobs(spec)
    if spec.alert_delivery == "engine":
        jobs.append(_engine_job(spec.scale_out.engine_urls or [spec.engine.url]))
    return jobs


def _monitoring_jobs(spec: Spec) -> list[dict]:
    """Prometheus and Alertmanager themselves: rule evaluation, notification and config
    reload failures are only seen in their own metrics. Their series carry no tenant, so
    the rules count them as the platform's."""
    return [{"job_name": job, "static_configs": [{"targets": addresses}]}
            for job, addresses in ((names.SCRAPE_JOB_PROMETHEUS, [spec.prometheus.listen_address]),
                                   (names.SCRAPE_JOB_ALERTMANAGER, _alertmanagers(spec)))]


def with_user_jobs(spec: Spec, jobs: list[dict]) -> list[dict]:
    """The spec's own scrape_configs, as they are, after the generated jobs; a job name
    that is already taken would make Prometheus refuse the whole file."""
    taken = {job["job_name"] for job in jobs}
    merged = list(jobs)
    for i, job in enumerate(spec.prometheus.scrape_configs):
        path = f"prometheus.scrape_configs[{i}].job_name"
        name = job.get("job_name")
        if not isinstance(name, str) or not name:
            raise RenderError(f"{path}: every scrape config needs a job_name")
        if name in taken:
            raise RenderError(f"{path}: {name!r} is already the name of a scrape job; choose another name")
        taken.add(name)
        merged.append(dict(job))
    return merged


def _namespace_to_tenant() -> list[dict]:
    """metric_relabel_configs: a sample's own `namespace="tenant-<id>"` becomes `tenant="<id>"`
    (cAdvisor and kube-state-metrics put the namespace on every sample, not on the target)."""
    return [{"source_labels": ["namespace"], "regex": _TENANT_NAMESPACE,
             "target_label": names.TENANT, "replacement": "$1"}]


def _with_tenant_mapping(spec: Spec, job: dict) -> dict:
    if spec.tenant_isolation.namespace_separation:
        job["metric_relabel_configs"] = _namespace_to_tenant()
    return job


def _static_service_job(spec: Spec, name: str) -> dict:
    """Static targets: the samples carry their own tenant label, so keep it (honor_labels).
    A tenant's own instances (`tenant_targets`) carry the tenant as a target label, so their
    `up` (which has only target labels) belongs to the tenant too."""
    service = spec.services[name]
    configs = [{"targets": list(service.targets), "labels": {names.SERVICE: name}}] if service.targets else []
    configs += [{"targets": list(targets), "labels": {names.SERVICE: name, names.TENANT: tenant}}
                for tenant, targets in service.tenant_targets.items()]
    job = {"job_name": name, "honor_labels": True,
           "static_configs": configs or [{"targets": [], "labels": {names.SERVICE: name}}]}
    return job if service.shared else _with_tenant_mapping(spec, job)


def _kubernetes_service_job(spec: Spec, name: str) -> dict:
    """The service's pods behind a headless Service with a port named `metrics`, found by DNS
    SRV records (Debian's Prometheus is built without kubernetes_sd). A shared service has
    one record in its own namespace; a per-tenant one, with namespace separation, one per
    namespace of a tenant that uses it, and the tenant comes from the record."""
    service = spec.services[name]
    app = service.workload(name)
    relabel = [{"target_label": names.SERVICE, "replacement": name}]
    if service.shared or not spec.tenant_isolation.namespace_separation:
        record = f"{app}.{service.namespace}.svc" if service.shared else app
        return {"job_name": name, "honor_labels": True,
                "dns_sd_configs": [_srv([f"_{names.METRICS_PORT_NAME}._tcp.{record}"])], "relabel_configs": relabel}
    records = [f"_{names.METRICS_PORT_NAME}._tcp.{app}.{names.namespace_of(t)}.svc" for t in spec.tenants
               if name in spec.services_of_tenant(t)]
    relabel += [
        {"source_labels": ["__meta_dns_name"], "regex": _RECORD_NAMESPACE, "target_label": "namespace", "replacement": "$1"},
        {"source_labels": ["__meta_dns_name"], "regex": _RECORD_NAMESPACE, "target_label": names.TENANT, "replacement": "$2"},
    ]
    job = {"job_name": name, "relabel_configs": relabel}
    job.update({"dns_sd_configs": [_srv(records)]} if records else {"static_configs": []})
    return _with_tenant_mapping(spec, job)


def _srv(records: list[str]) -> dict:
    return {"names": records, "type": "SRV", "refresh_interval": "1m"}


def _kubelet_job(job_name: str, metrics_path: str, token_file: str | None) -> dict:
    """The kubelet of every node (the `kubelet` headless Service kube-prometheus keeps in
    kube-system), over HTTPS, with the bearer token file the spec names."""
    job = {
        "job_name": job_name,
        "scheme": "https",
        "metrics_path": metrics_path,
        "tls_config": {"insecure_skip_verify": True},  # kubelet serving certificates are mostly self-signed
        "dns_sd_configs": [{"names": [KUBELET_SERVICE], "type": "A", "port": 10250}],
    }
    if token_file:
        job["authorization"] = {"credentials_file": token_file}
    return job


def _kubernetes_infra_jobs(spec: Spec) -> list[dict]:
    """Container, volume and node metrics. kube-state-metrics labels describe other objects,
    so its namespace/pod labels are kept as exposed (honor_labels)."""
    token = spec.prometheus.kubelet_token_file
    cadvisor = _with_tenant_mapping(spec, _kubelet_job(names.SCRAPE_JOB_CADVISOR, "/metrics/cadvisor", token))
    kubelet = _with_tenant_mapping(spec, _kubelet_job(names.SCRAPE_JOB_KUBELET, "/metrics", token))
    ksm = _with_tenant_mapping(spec, {"job_name": names.SCRAPE_JOB_KUBE_STATE_METRICS, "honor_labels": True,
                                      "dns_sd_configs": [{"names": [KUBE_STATE_METRICS_SERVICE], "type": "A", "port": 8080}]})
    node = {"job_name": names.SCRAPE_JOB_NODE_EXPORTER,
            "dns_sd_configs": [{"names": [NODE_EXPORTER_SERVICE], "type": "A", "port": 9100}],
            "relabel_configs": [{"target_label": names.TENANT, "replacement": names.PLATFORM_TENANT}]}
    return [cadvisor, kubelet, ksm, node]


def _engine_job(urls: list[str]) -> dict:
    """The engine's own /metrics (every replica's), so its self-alerts (intake errors,
    failed notifications) work."""
    parts = urlsplit(urls[0])
    for url in urls:
        other = urlsplit(url)
        if not other.netloc or other.scheme not in ("http", "https"):
            raise RenderError(f"engine.url: expected http(s)://host:port, got {url!r}")
        if (other.scheme, other.path.rstrip("/")) != (parts.scheme, parts.path.rstrip("/")):
            raise RenderError(f"scale_out.engine_urls: every replica needs the same scheme and path, got {urls[0]!r} and {url!r}")
    return {
        "job_name": names.ENGINE_JOB,
        "scheme": parts.scheme,
        "metrics_path": parts.path.rstrip("/") + "/metrics",
        "honor_labels": True,  # its series' own tenant label wins over the target's "platform"
        "static_configs": [{"targets": [urlsplit(url).netloc for url in urls], "labels": {names.TENANT: names.PLATFORM_TENANT}}],
    }
