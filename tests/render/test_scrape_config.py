"""prometheus.yml: checked by the real promtool, and its tenant relabelling proven on a real
Prometheus that scrapes a local /metrics endpoint."""

from __future__ import annotations

import http.server
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Iterator

import httpx
import pytest
import yaml

from am_live import running
from tenantwatch import conventions
from tenantwatch.render import RenderError, RenderOptions
from tenantwatch.render.prometheus import scrape
from tenantwatch.render.prometheus.scrape import prometheus_config
from tenantwatch.spec import Spec, load_text
from tests.conftest import free_port, wait_for_port

EXPOSITION = b"""# TYPE demo_requests_total counter
demo_requests_total{namespace="tenant-acme",pod="api-1"} 3
demo_requests_total{namespace="kube-system",pod="coredns-1"} 4
demo_requests_total{tenant="globex"} 5
"""


def make_spec(*, discovery: str = "kubernetes", separation: bool = True, delivery: str = "engine",
              targets: str = "[127.0.0.1:9100]", engine_url: str = "http://127.0.0.1:8080",
              tenants: str = "{acme: {}, globex: {}}", shared_db: bool = False, prometheus: str = "",
              alertmanager: str | None = None) -> Spec:
    text = f"""
version: 1
platform: shop
environment: staging
discovery: {discovery}
alert_delivery: {delivery}
engine: {{url: "{engine_url}"}}
prometheus: {{alertmanager: "{alertmanager or f'127.0.0.1:{free_port()}'}", scrape_interval: 15s, evaluation_interval: 20s{prometheus}}}
tenant_isolation: {{namespace_separation: {str(separation).lower()}}}
channels: {{pd: {{type: pagerduty, routing_key: env:PD_KEY}}}}
services:
  api: {{kind: http, targets: {targets}}}
  db: {{kind: postgres, deployment: postgres-main, targets: {targets}, shared: {str(shared_db).lower()}, namespace: data}}
tenants: {tenants}
"""
    result = load_text(text, environ={})
    assert result.spec is not None, result.issues
    return result.spec


def config(spec: Spec, profile: str = "standard", rule_files: list[str] | None = None) -> dict:
    return yaml.safe_load(prometheus_config(spec, RenderOptions(profile=profile), rule_files or []))


def jobs(cfg: dict) -> dict[str, dict]:
    return {job["job_name"]: job for job in cfg["scrape_configs"]}


def promtool_check(tmp_path: Path, text: str, *extra: str) -> subprocess.CompletedProcess:
    (tmp_path / "prometheus.yml").write_text(text)
    return subprocess.run(["promtool", "check", "config", *extra, "prometheus.yml"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("shared_db", [False, True])
@pytest.mark.parametrize("separation", [True, False])
def test_kubernetes_discovery_passes_full_promtool_check(tmp_path: Path, separation: bool, shared_db: bool) -> None:
    text = prometheus_config(make_spec(separation=separation, shared_db=shared_db), RenderOptions(), [])
    proc = promtool_check(tmp_path, text)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_kubelet_token_file_when_the_spec_names_one(tmp_path: Path) -> None:
    spec = make_spec()
    in_cluster = spec.model_copy(update={"prometheus": spec.prometheus.model_copy(
        update={"kubelet_token_file": "/var/run/secrets/kubernetes.io/serviceaccount/token"})})
    by_name = jobs(config(in_cluster))
    for job in (conventions.SCRAPE_JOB_CADVISOR, conventions.SCRAPE_JOB_KUBELET):
        assert by_name[job]["authorization"] == {"credentials_file": "/var/run/secrets/kubernetes.io/serviceaccount/token"}
    # syntax only: the token exists only inside a pod
    proc = promtool_check(tmp_path, prometheus_config(in_cluster, RenderOptions(), []), "--syntax-only")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "authorization" not in jobs(config(spec))[conventions.SCRAPE_JOB_KUBELET]


@pytest.mark.parametrize("separation", [True, False])
def test_static_discovery_passes_full_promtool_check_with_its_rule_files(tmp_path: Path, separation: bool) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "up.yml").write_text(
        "groups:\n- name: g\n  rules:\n  - record: tenant_service:up:sum\n    expr: sum by (tenant, service) (up)\n")
    text = prometheus_config(make_spec(discovery="static", separation=separation), RenderOptions(), ["rules/*.yml"])
    proc = promtool_check(tmp_path, text)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 rules found" in proc.stdout


def test_globals_rule_files_and_alertmanager_come_from_the_spec() -> None:
    spec = make_spec()
    cfg = config(spec, rule_files=["rules/*.yml", "rules/overrides.yml"])
    assert cfg["global"]["scrape_interval"] == "15s"
    assert cfg["global"]["evaluation_interval"] == "20s"
    assert cfg["global"]["external_labels"] == {"environment": "staging", "platform": "shop"}
    assert cfg["rule_files"] == ["rules/*.yml", "rules/overrides.yml"]
    assert cfg["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"] == [spec.prometheus.alertmanager]


def test_fast_profile_scrapes_and_evaluates_every_five_seconds() -> None:
    glob = config(make_spec(), profile="fast")["global"]
    assert (glob["scrape_interval"], glob["evaluation_interval"]) == ("5s", "5s")


def test_kubernetes_discovery_finds_each_service_in_every_tenant_namespace() -> None:
    by_name = jobs(config(make_spec()))
    records = by_name["db"]["dns_sd_configs"][0]["names"]
    # the deployment name, not the service id, names the pods' headless Service
    assert records == ["_metrics._tcp.postgres-main.tenant-acme.svc", "_metrics._tcp.postgres-main.tenant-globex.svc"]
    assert {"target_label": "service", "replacement": "db"} in by_name["db"]["relabel_configs"]
    for infra in (conventions.SCRAPE_JOB_CADVISOR, conventions.SCRAPE_JOB_KUBELET,
                  conventions.SCRAPE_JOB_KUBE_STATE_METRICS, conventions.SCRAPE_JOB_NODE_EXPORTER):
        assert infra in by_name


def test_a_shared_service_is_one_record_in_its_namespace_without_tenant_relabelling() -> None:
    by_name = jobs(config(make_spec(shared_db=True, tenants="{acme: {}, globex: {}, initech: {services: [db]}}")))
    db = by_name["db"]
    assert db["dns_sd_configs"][0]["names"] == ["_metrics._tcp.postgres-main.data.svc"]
    assert db["honor_labels"] is True  # a shared HTTP service's own tenant labels on request series are kept
    assert db["relabel_configs"] == [{"target_label": "service", "replacement": "db"}]
    assert "metric_relabel_configs" not in db
    # per-tenant services as before, in the namespaces of the tenants that use them
    assert by_name["api"]["dns_sd_configs"][0]["names"] == ["_metrics._tcp.api.tenant-acme.svc", "_metrics._tcp.api.tenant-globex.svc"]
    assert {"source_labels": ["__meta_dns_name"], "regex": scrape._RECORD_NAMESPACE, "target_label": "tenant",
            "replacement": "$2"} in by_name["api"]["relabel_configs"]


def test_static_targets_of_every_service_carry_the_service_and_shared_ones_no_tenant_mapping() -> None:
    by_name = jobs(config(make_spec(discovery="static", shared_db=True)))
    for service in ("api", "db"):
        assert by_name[service]["static_configs"][0]["labels"] == {"service": service}
    assert "metric_relabel_configs" in by_name["api"] and "metric_relabel_configs" not in by_name["db"]


def test_a_tenants_own_static_instances_carry_the_tenant_as_a_target_label(tmp_path: Path) -> None:
    """`up` has only target labels: without the tenant there, a dead per-tenant instance would
    be the platform's."""
    spec = make_spec(discovery="static", targets="[]")
    spec = spec.model_copy(update={"services": {**spec.services, "api": spec.services["api"].model_copy(
        update={"tenant_targets": {"acme": ["10.0.0.11:8000"], "globex": ["10.0.0.12:8000"]}})}})
    api = jobs(config(spec))["api"]
    assert api["static_configs"] == [
        {"targets": ["10.0.0.11:8000"], "labels": {"service": "api", "tenant": "acme"}},
        {"targets": ["10.0.0.12:8000"], "labels": {"service": "api", "tenant": "globex"}},
    ]
    assert promtool_check(tmp_path, prometheus_config(spec, RenderOptions(), [])).returncode == 0


def test_prometheus_and_alertmanager_scrape_themselves() -> None:
    spec = make_spec(prometheus=", listen_address: 10.0.0.5:9090")
    by_name = jobs(config(spec))
    assert by_name[conventions.SCRAPE_JOB_PROMETHEUS]["static_configs"] == [{"targets": ["10.0.0.5:9090"]}]
    assert by_name[conventions.SCRAPE_JOB_ALERTMANAGER]["static_configs"] == [{"targets": [spec.prometheus.alertmanager]}]


def test_the_users_scrape_configs_come_after_the_generated_jobs_as_they_are(tmp_path: Path) -> None:
    extra = ", scrape_configs: [{job_name: blackbox, metrics_path: /probe, static_configs: [{targets: ['127.0.0.1:9115']}]}]"
    text = prometheus_config(make_spec(prometheus=extra), RenderOptions(), [])
    scrape_configs = yaml.safe_load(text)["scrape_configs"]
    assert scrape_configs[-1] == {"job_name": "blackbox", "metrics_path": "/probe", "static_configs": [{"targets": ["127.0.0.1:9115"]}]}
    proc = promtool_check(tmp_path, text)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("extra,message", [
    ([{"job_name": "mine"}, {"job_name": "api"}], r"prometheus.scrape_configs\[1\].job_name: 'api' is already the name of a scrape job"),
    ([{"job_name": "mine"}, {"job_name": "mine"}], r"prometheus.scrape_configs\[1\].job_name: 'mine' is already"),
    ([{"static_configs": []}], r"prometheus.scrape_configs\[0\].job_name: every scrape config needs a job_name"),
])
def test_a_user_job_name_clash_names_the_key_path(extra: list[dict], message: str) -> None:
    """Validation refuses these; a spec built in code still gets a clear render error."""
    spec = make_spec()
    in_code = spec.model_copy(update={"prometheus": spec.prometheus.model_copy(update={"scrape_configs": extra})})
    with pytest.raises(RenderError, match=message):
        prometheus_config(in_code, RenderOptions(), [])


def test_without_namespace_separation_the_tenant_comes_from_the_samples() -> None:
    api = jobs(config(make_spec(separation=False)))["api"]
    assert api["honor_labels"] is True
    assert "metric_relabel_configs" not in api
    assert all(rule.get("target_label") != "tenant" for rule in api["relabel_configs"])


def test_engine_metrics_are_scraped_only_when_alerts_go_to_the_engine() -> None:
    engine = jobs(config(make_spec(engine_url="https://engine.example:8443/tw")))[conventions.ENGINE_JOB]
    assert engine["scheme"] == "https"
    assert engine["metrics_path"] == "/tw/metrics"
    assert engine["static_configs"][0]["targets"] == ["engine.example:8443"]
    assert conventions.ENGINE_JOB not in jobs(config(make_spec(delivery="alertmanager")))


def test_a_service_named_like_a_builtin_job_is_refused() -> None:
    spec = make_spec()
    clashing = spec.model_copy(update={"services": {conventions.SCRAPE_JOB_NODE_EXPORTER: spec.services["api"]}})
    with pytest.raises(RenderError, match="services.node-exporter: the id is the name of a built-in scrape job"):
        prometheus_config(clashing, RenderOptions(), [])


@pytest.fixture
def metrics_endpoint() -> Iterator[int]:
    """A tiny exporter on 127.0.0.1 serving EXPOSITION on every path (service and engine /metrics)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.end_headers()
            self.wfile.write(EXPOSITION)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def query_until(base: str, promql: str, deadline_s: float = 60) -> list[dict]:
    """Poll the query API until the expression returns series (or the deadline passes)."""
    deadline = time.monotonic() + deadline_s
    while True:
        result = httpx.get(f"{base}/api/v1/query", params={"query": promql}, timeout=5).json()["data"]["result"]
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.5)


@pytest.mark.e2e
def test_real_prometheus_maps_tenant_namespace_to_tenant_label(tmp_path: Path, metrics_endpoint: int) -> None:
    spec = make_spec(discovery="static", targets=f"[127.0.0.1:{metrics_endpoint}]",
                     engine_url=f"http://127.0.0.1:{metrics_endpoint}")
    (tmp_path / "prometheus.yml").write_text(prometheus_config(spec, RenderOptions(profile="fast"), []))
    with running_prometheus(tmp_path, free_port()) as base:
        acme = query_until(base, 'demo_requests_total{job="api", tenant="acme"}')
        assert [s["metric"]["namespace"] for s in acme] == ["tenant-acme"]
        assert acme[0]["metric"]["service"] == "api"
        globex = query_until(base, 'demo_requests_total{job="api", tenant="globex"}')
        assert [s["value"][1] for s in globex] == ["5"]  # the sample's own tenant label is kept
        platform_ns = query_until(base, 'demo_requests_total{job="api", namespace="kube-system"}')
        assert "tenant" not in platform_ns[0]["metric"]  # only tenant-* namespaces map to a tenant
        engine_up = query_until(base, f'up{{job="{conventions.ENGINE_JOB}"}} == 1')
        assert engine_up[0]["metric"]["tenant"] == conventions.PLATFORM_TENANT


def running_prometheus(folder: Path, port: int):
    """The real Prometheus on folder/prometheus.yml, listening on 127.0.0.1:port, until ready."""
    prometheus = shutil.which("prometheus") or "/usr/bin/prometheus"
    argv = [prometheus, f"--config.file={folder / 'prometheus.yml'}", f"--storage.tsdb.path={folder / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}"]
    return running(argv, port, folder / "prometheus.log")


@pytest.mark.e2e
def test_real_prometheus_scrapes_itself_alertmanager_a_shared_service_and_user_jobs(tmp_path: Path, metrics_endpoint: int) -> None:
    """The tiny exporter stands in for Alertmanager, the shared db and a user's own job."""
    port, endpoint = free_port(), f"127.0.0.1:{metrics_endpoint}"
    spec = make_spec(discovery="static", targets=f"[{endpoint}]", shared_db=True, alertmanager=endpoint,
                     prometheus=f", listen_address: 127.0.0.1:{port}, scrape_configs: [{{job_name: extra, static_configs: [{{targets: ['{endpoint}']}}]}}]")
    (tmp_path / "prometheus.yml").write_text(prometheus_config(spec, RenderOptions(profile="fast"), []))
    with running_prometheus(tmp_path, port) as base:
        for job in (conventions.SCRAPE_JOB_PROMETHEUS, conventions.SCRAPE_JOB_ALERTMANAGER, "extra", "db", "api"):
            assert query_until(base, f'up{{job="{job}"}} == 1'), job
        shared = query_until(base, 'demo_requests_total{job="db", namespace="tenant-acme"}')
        assert shared[0]["metric"]["service"] == "db" and "tenant" not in shared[0]["metric"]  # no tenant mapping
        labelled = query_until(base, 'demo_requests_total{job="db", tenant="globex"}')
        assert [s["value"][1] for s in labelled] == ["5"]  # the application's own tenant label is kept
        per_tenant = query_until(base, 'demo_requests_total{job="api", namespace="tenant-acme"}')
        assert per_tenant[0]["metric"]["tenant"] == "acme"


def relabel(rules: list[dict], labels: dict[str, str]) -> dict[str, str]:
    """Prometheus' `replace` relabelling (anchored RE2 match; the default action)."""
    out = dict(labels)
    for rule in rules:
        value = ";".join(out.get(name, "") for name in rule.get("source_labels", []))
        match = re.fullmatch(rule.get("regex", "(.*)"), value)
        if match:
            out[rule["target_label"]] = match.expand(rule["replacement"].replace("$", "\\"))
    return out


def test_dns_record_names_become_namespace_and_tenant() -> None:
    api = jobs(config(make_spec()))["api"]
    [record, _] = api["dns_sd_configs"][0]["names"]
    labels = relabel(api["relabel_configs"], {"__meta_dns_name": record})
    assert (labels["namespace"], labels["tenant"], labels["service"]) == ("tenant-acme", "acme", "api")
