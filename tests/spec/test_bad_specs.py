"""Every kind of bad spec gets its own message at the right path (and line), in one run."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tenantwatch.spec import load_text

VALID = """\
version: 1
platform: shop
channels:
  slack: {type: slack, webhook_url: env:SLACK_URL}
escalation:
  - {level: L1, after: 0m, notify: [slack]}
  - {level: L2, after: 10m, notify: [slack]}
services:
  api: {kind: http}
  db: {kind: postgres}
tenants:
  acme: {}
"""


@dataclass(frozen=True)
class Bad:
    text: str
    path: str
    message: str
    level: str = "error"


def edit(old: str, new: str) -> str:
    assert old in VALID
    return VALID.replace(old, new)


def add(extra: str) -> str:
    return VALID + extra


def db(keys: str) -> str:
    """VALID with more keys on the postgres service `db`."""
    return edit("db: {kind: postgres}", f"db: {{kind: postgres, {keys}}}")


def api(keys: str) -> str:
    """VALID with more keys on the http service `api`."""
    return edit("api: {kind: http}", f"api: {{kind: http, {keys}}}")


def prometheus(keys: str) -> str:
    return add(f"prometheus: {{{keys}}}\n")


def slo(name: str = "checkout", **changes: str) -> str:
    """VALID with one custom SLO, valid unless `changes` say otherwise."""
    fields = {"good": "sum by (tenant) (rate(ok_total[$window]))", "total": "sum by (tenant) (rate(all_total[$window]))",
              "objective": "99%", **changes}
    return add(f"slos:\n  {name}: {{" + ", ".join(f"{k}: '{v}'" for k, v in fields.items()) + "}\n")


BAD_SPECS = {
    "unknown top-level key": Bad(add("tenant_isolaton: {}\n"), "tenant_isolaton",
                                 'unknown key (did you mean "tenant_isolation"?)'),
    "unknown nested key": Bad(edit("api: {kind: http}", "api: {kind: http, depend_on: [db]}"),
                              "services.api.depend_on", 'unknown key (did you mean "depends_on"?)'),
    "unknown channel key": Bad(edit("webhook_url: env:SLACK_URL}", "webhook_url: env:SLACK_URL, chanel: '#a'}"),
                               "channels.slack.chanel", 'unknown key (did you mean "channel"?)'),
    "unknown objective": Bad(edit("acme: {}", "acme: {objectives: {latency: 1s}}"),
                             "tenants.acme.objectives.latency", 'unknown key (did you mean "latency_p95"?)'),
    "duration without unit": Bad(add("objectives: {latency_p95: 200}\n"), "objectives.latency_p95",
                                 "expected a duration like 200ms, 5m or 1h, got 200"),
    "duration that is text": Bad(edit("acme: {}", "acme: {objectives: {latency_p95: fast}}"),
                                 "tenants.acme.objectives.latency_p95", "expected a duration like 200ms"),
    "percentage over 100%": Bad(add("objectives: {error_rate: 150%}\n"), "objectives.error_rate",
                                "expected a percentage between 0% and 100%"),
    "negative percentage": Bad(add("objectives: {cpu_saturation: -5%}\n"), "objectives.cpu_saturation",
                               "expected a percentage between 0% and 100%"),
    "ratio above 1 without %": Bad(add("objectives: {availability: 99.9}\n"), "objectives.availability",
                                   "or a ratio between 0 and 1, got 99.9"),
    "text where a number goes": Bad(add("objectives: {throughput_rps: lots}\n"), "objectives.throughput_rps",
                                    "expected a number, got 'lots'"),
    "unknown enum value": Bad(add("alert_delivery: emai\n"), "alert_delivery",
                              "expected 'engine' or 'alertmanager', got 'emai'"),
    "unknown service kind": Bad(edit("kind: postgres", "kind: postgress"), "services.db.kind",
                                'got \'postgress\' (did you mean "postgres"?)'),
    "notify names a missing channel": Bad(edit("notify: [slack]}\n  - {level: L2", "notify: [slak]}\n  - {level: L2"),
                                          "escalation[0].notify[0]", "unknown channel 'slak' (did you mean \"slack\"?)"),
    "depends_on a missing service": Bad(edit("api: {kind: http}", "api: {kind: http, depends_on: [dbb]}"),
                                        "services.api.depends_on[0]", "unknown service 'dbb' (did you mean \"db\"?)"),
    "dependency cycle": Bad(edit("api: {kind: http}\n  db: {kind: postgres}",
                                 "api: {kind: http, depends_on: [db]}\n  db: {kind: postgres, depends_on: [api]}"),
                            "services.api.depends_on", "dependency cycle: api -> db -> api"),
    "tenant id not DNS-1123": Bad(add("  Acme_Corp: {}\n"), "tenants.Acme_Corp", "not a DNS-1123 label"),
    "tenant id longer than 56": Bad(add(f"  {'a' * 57}: {{}}\n"), f"tenants.{'a' * 57}", "longer than 56 characters"),
    "tenant id reserved": Bad(add("  platform: {}\n"), "tenants.platform", "'platform' is reserved"),
    "service id not DNS-1123": Bad(edit("db: {kind: postgres}", "db: {kind: postgres}\n  my_cache: {kind: redis}"),
                                   "services.my_cache", "invalid service id"),
    "service id of a built-in scrape job": Bad(edit("db: {kind: postgres}", "node-exporter: {kind: postgres}"),
                                               "services.node-exporter", "the name of a built-in scrape job"),
    "tenant id a number": Bad(add("  123: {}\n"), "tenants[123]", "a key must be text, got 123; quote it in YAML"),
    "duplicate YAML key": Bad(add("  acme: {tier: gold}\n"), "tenants.acme", "duplicate key"),
    "duplicate escalation level": Bad(edit("level: L2", "level: L1"), "escalation[1].level",
                                      "duplicate escalation level L1"),
    "duplicate maintenance name": Bad(add("maintenance:\n  - {name: m, recurring: {weekdays: [sunday]}}\n"
                                          "  - {name: m, recurring: {weekdays: [monday]}}\n"),
                                      "maintenance[1].name", "duplicate maintenance window name 'm'"),
    "availability 100%": Bad(add("objectives: {availability: 100%}\n"), "objectives.availability",
                             "an availability of 100% or more leaves no error budget"),
    "tier availability 100%": Bad(add("tiers:\n  free: {objectives: {availability: '100%'}}\n"),
                                  "tiers.free.objectives.availability", "leaves no error budget"),
    "after timers out of order": Bad(edit("after: 10m", "after: 0s").replace("after: 0m", "after: 5m"),
                                     "escalation[1].after", "its timer is earlier"),
    "levels listed out of order": Bad(edit("level: L1, after: 0m", "level: L3, after: 0m"), "escalation[1].after",
                                      "L2 comes after L3"),
    "maintenance ends before start": Bad(add("maintenance:\n  - {name: m, start: 2026-12-06T02:00:00Z, "
                                             "end: 2026-12-05T22:00:00Z}\n"),
                                         "maintenance[0].end", "the window ends before it starts"),
    "recurring times reversed": Bad(add("maintenance:\n  - {name: m, recurring: {times: '03:00-02:00'}}\n"),
                                    "maintenance[0].recurring.times", "ends before it starts"),
    "maintenance bad date": Bad(add("maintenance:\n  - {name: m, start: tomorrow, end: 2026-12-05T22:00:00Z}\n"),
                                "maintenance[0].start", "expected a date-time like 2026-12-05T22:00:00Z, got 'tomorrow'"),
    "maintenance unknown tenant": Bad(add("maintenance:\n  - {name: m, tenants: [acm], recurring: {weekdays: [sunday]}}\n"),
                                      "maintenance[0].tenants", "unknown tenant 'acm' (did you mean \"acme\"?)"),
    "remediation unknown action": Bad(add("remediation:\n  rules:\n    - {match: {service: api}, action: rm_rf}\n"),
                                      "remediation.rules[0].action", "unknown action 'rm_rf'; allowed: restart_deployment"),
    "remediation unknown param": Bad(add("remediation:\n  rules:\n    - {match: {service: api}, "
                                         "action: restart_deployment, params: {deploy: api, deployment: api}}\n"),
                                     "remediation.rules[0].params.deploy",
                                     'restart_deployment: unknown parameter (did you mean "deployment"?)'),
    "remediation param missing": Bad(add("remediation:\n  rules:\n    - {match: {service: api}, action: restart_deployment}\n"),
                                     "remediation.rules[0].params.deployment", "restart_deployment: required key is missing"),
    "remediation param wrong unit": Bad(add("remediation:\n  rules:\n    - {match: {service: db}, "
                                            "action: cancel_slow_queries, params: {older_than: 5}}\n"),
                                        "remediation.rules[0].params.older_than", "expected a duration like 200ms"),
    "tenant names a missing tier": Bad(edit("acme: {}", "acme: {tier: gold}"), "tenants.acme.tier", "unknown tier 'gold'"),
    "version 2": Bad(edit("version: 1", "version: 2"), "version", "unsupported spec version 2"),
    "services missing": Bad("version: 1\nplatform: shop\n", "services", "required key is missing"),
    "services a list": Bad("version: 1\nplatform: shop\nservices: [api]\n", "services", "expected a mapping of keys"),
    "not a mapping": Bad("- a\n- b\n", "<root>", "the spec must be a mapping"),
    "empty file": Bad("", "<root>", "the spec must be a mapping"),
    "unknown channel type": Bad(add("  # end\n").replace("type: slack,", "type: teams,"), "channels.slack",
                                "unknown type 'teams'"),
    "zero latency objective": Bad(add("objectives: {latency_p95: 0s}\n"), "objectives.latency_p95",
                                  "must be more than 0, got '0s'"),
    "zero slo period": Bad(add("slo_period: 0d\n"), "slo_period", "must be more than 0"),
    "text field given a number": Bad(edit("platform: shop", "platform: 5"), "platform", "expected text, got int"),
    "no services": Bad("version: 1\nplatform: shop\nservices: {}\n", "services", "needs at least one entry"),
    "engine url not a URL": Bad(add("engine: {url: 'localhost'}\n"), "engine.url",
                                "expected an http(s) URL like http://127.0.0.1:8080, got 'localhost'"),
    "alertmanager target with a scheme": Bad(add("prometheus: {alertmanager: 'http://am:9093'}\n"),
                                             "prometheus.alertmanager", "expected host:port like 127.0.0.1:9093"),
    "latency not a bucket edge": Bad(add("objectives: {latency_p95: 300ms}\n"), "objectives.latency_p95",
                                     "0.3s is not a bucket edge of service 'api'", "warning"),
    "secret in clear": Bad(edit("webhook_url: env:SLACK_URL", "webhook_url: 'https://hooks.slack.test/T0/B0/s3cr3tTOKEN'"),
                           "channels.slack.webhook_url", "secret written in clear; use env:NAME", "warning"),
    # shared services, routes, volumes and the other keys of issue 10
    "service id reserved": Bad(edit("db: {kind: postgres}", "platform: {kind: postgres}"), "services.platform",
                               "'platform' is reserved"),
    "service namespace not DNS-1123": Bad(db("shared: true, namespace: Data_Stores"), "services.db.namespace",
                                          "'Data_Stores' is not a DNS-1123 label"),
    "volume pattern that does not compile": Bad(db("volumes: ['data-(.*']"), "services.db.volumes[0]",
                                                "not a regular expression: missing ), unterminated subpattern at position 5"),
    "volume pattern Prometheus refuses": Bad(db("volumes: ['(?!tmp)data-.*']"), "services.db.volumes[0]",
                                             "lookahead (?!...) is not supported by Prometheus's regular expressions (RE2)"),
    "volume pattern with a backreference": Bad(db(r"volumes: ['(a)-\1']"), "services.db.volumes[0]",
                                               r"backreference \1 is not supported"),
    "routes on a postgres service": Bad(db("routes: {/query: {}}"), "services.db.routes",
                                        "routes apply to http services, not postgres"),
    "route key not a handler path": Bad(api("routes: {checkout: {}}"), "services.api.routes.checkout",
                                        "expected a handler path like /checkout (the `handler` label), got 'checkout'"),
    "route key empty": Bad(api("routes: {'': {}}"), 'services.api.routes.""', "expected a handler path like /checkout"),
    "route availability 100%": Bad(api("routes: {/pay: {availability: 100%}}"), "services.api.routes./pay.availability",
                                   "leaves no error budget"),
    "route latency not a bucket edge": Bad(api("routes: {/pay: {latency_p95: 300ms}}"), "services.api.routes./pay.latency_p95",
                                           "0.3s is not a bucket edge of service 'api'", "warning"),
    "tenant uses an unknown service": Bad(edit("acme: {}", "acme: {services: [api, dbb]}"), "tenants.acme.services[1]",
                                          "unknown service 'dbb' (did you mean \"db\"?)"),
    "slo name not DNS-1123": Bad(slo("Checkout_OK"), "slos.Checkout_OK", "invalid SLO name: 'Checkout_OK' is not a DNS-1123 label"),
    "slo without $window": Bad(slo(good="sum by (tenant) (rate(ok_total[5m]))"), "slos.checkout.good",
                               "needs $window where the range goes"),
    "slo objective 100%": Bad(slo(objective="100%"), "slos.checkout.objective",
                              "an objective of 100% or more leaves no error budget"),
    "slo names an unknown service": Bad(slo(service="apii"), "slos.checkout.service",
                                        "unknown service 'apii' (did you mean \"api\"?)"),
    "tenant targets of an unknown tenant": Bad(edit("api: {kind: http}", "api: {kind: http, tenant_targets: {acmee: ['10.0.0.1:80']}}"),
                                              "services.api.tenant_targets.acmee", "unknown tenant 'acmee' (did you mean \"acme\"?)"),
    "tenant targets of a shared service": Bad(edit("db: {kind: postgres}", "db: {kind: postgres, shared: true, tenant_targets: {acme: ['10.0.0.1:9187']}}"),
                                              "services.db.tenant_targets", "a shared service is one deployment"),
    "tenant target without a port": Bad(edit("api: {kind: http}", "api: {kind: http, tenant_targets: {acme: ['10.0.0.1']}}"),
                                        "services.api.tenant_targets.acme[0]", "expected host:port like 10.0.0.5:8000"),
    "target without a port": Bad(edit("api: {kind: http}", "api: {kind: http, targets: ['api.internal']}"),
                                 "services.api.targets[0]", "expected host:port like 10.0.0.5:9187, got 'api.internal'"),
    "job success 100%": Bad(add("tiers:\n  free: {objectives: {job_success: 100%}}\n"),
                            "tiers.free.objectives.job_success", "leaves no error budget"),
    "engine public_url not a URL": Bad(add("engine: {public_url: tenantwatch.example.com}\n"), "engine.public_url",
                                       "expected an http(s) URL like https://tenantwatch.example.com, got 'tenantwatch.example.com'"),
    "grafana url not http": Bad(add("grafana: {url: 'ftp://grafana.example.com'}\n"), "grafana.url",
                                "expected an http(s) URL like https://grafana.example.com"),
    "listen_address without host": Bad(prometheus("listen_address: '9090'"), "prometheus.listen_address",
                                       "expected host:port like 127.0.0.1:9090, got '9090'"),
    "listen_address port out of range": Bad(prometheus("listen_address: 'localhost:99999'"), "prometheus.listen_address",
                                            "expected host:port"),
    "scrape job without job_name": Bad(prometheus("scrape_configs: [{static_configs: [{targets: ['a:1']}]}]"),
                                       "prometheus.scrape_configs[0]", "a scrape job needs a job_name"),
    "scrape job_name not text": Bad(prometheus("scrape_configs: [{job_name: [a]}]"), "prometheus.scrape_configs[0].job_name",
                                    "expected a non-empty job name"),
    "scrape job clashes with a built-in job": Bad(prometheus("scrape_configs: [{job_name: node-exporter}]"),
                                                  "prometheus.scrape_configs[0].job_name",
                                                  "'node-exporter' is already a generated scrape job"),
    "scrape job clashes with a service": Bad(prometheus("scrape_configs: [{job_name: api}]"), "prometheus.scrape_configs[0].job_name",
                                             "'api' is already a generated scrape job (the service's)"),
    "scrape jobs with the same name": Bad(prometheus("scrape_configs: [{job_name: blackbox}, {job_name: blackbox}]"),
                                          "prometheus.scrape_configs[1].job_name", "duplicate job_name 'blackbox'"),
    "rule file not YAML": Bad(prometheus("rule_files: [rules/extra.txt]"), "prometheus.rule_files[0]",
                              "expected a path to a .yml or .yaml file, got 'rules/extra.txt'"),
    "rule file empty": Bad(prometheus("rule_files: ['']"), "prometheus.rule_files[0]", "expected a path to a .yml or .yaml file"),
    "rule files with one file name": Bad(prometheus("rule_files: [a/extra.yml, b/extra.yml]"), "prometheus.rule_files[1]",
                                         "another rule file has the same name (extra.yml)"),
    "maintenance hour 25": Bad(add("maintenance:\n  - {name: m, recurring: {times: '25:00-26:00'}}\n"),
                               "maintenance[0].recurring.times",
                               "expected HH:MM-HH:MM in 24-hour time, like 02:00-03:30, got '25:00-26:00'"),
    "maintenance hours without minutes": Bad(add("maintenance:\n  - {name: m, recurring: {times: '2-3'}}\n"),
                                             "maintenance[0].recurring.times",
                                             "expected HH:MM-HH:MM in 24-hour time, like 02:00-03:30, got '2-3'"),
}


@pytest.mark.parametrize("case", list(BAD_SPECS.values()), ids=list(BAD_SPECS))
def test_bad_spec_is_reported_at_its_path(case: Bad) -> None:
    result = load_text(case.text, environ={})
    found = [(i.level, i.path, i.message) for i in result.issues]
    assert any(level == case.level and path == case.path and case.message in message for level, path, message in found), found
    if case.path != "<root>" and case.message != "required key is missing":  # the key is in the file: so is its line
        assert all(i.line for i in result.issues if i.path == case.path), result.issues
    if case.level == "error":
        assert result.spec is None
    else:
        assert result.spec is not None and not result.errors, found


def test_there_are_at_least_25_distinct_bad_specs() -> None:
    assert len({case.text for case in BAD_SPECS.values()}) >= 25


def test_the_valid_base_spec_has_no_issue() -> None:
    result = load_text(VALID, environ={})
    assert result.spec is not None and result.issues == []


@pytest.mark.parametrize(("text", "line", "column"), [
    ("version: 1\nplatform: [shop\n", 3, 1),
    ("version: 1\n\tplatform: shop\n", 2, 1),
    ("version: 1\nplatform: shop\nservices: {api: {kind: http}\n", 4, 1),
])
def test_bad_yaml_names_line_and_column(text: str, line: int, column: int) -> None:
    [issue] = load_text(text, environ={}).issues
    assert issue.level == "error"
    assert f"line {line}, column {column}" in issue.message


def test_issue_carries_the_line_of_the_offending_key() -> None:
    [issue] = load_text(edit("api: {kind: http}", "api: {kind: http, depend_on: [db]}"), environ={}).issues
    assert issue.line == VALID.splitlines().index("  api: {kind: http}") + 1


def test_every_problem_of_a_spec_is_reported_in_one_run() -> None:
    text = (edit("api: {kind: http}", "api: {kind: http, depends_on: [dbb]}")
            .replace("notify: [slack]}\n  - {level: L2", "notify: [nope]}\n  - {level: L2")
            + "objectives: {latency_p95: 200, availability: 100%}\nchanels: {}\n"
            + "maintenance:\n  - {name: m, start: 2026-12-06T02:00:00Z, end: 2026-12-05T22:00:00Z}\n")
    paths = {i.path for i in load_text(text, environ={}).errors}
    assert paths == {"services.api.depends_on[0]", "escalation[0].notify[0]", "objectives.latency_p95",
                     "objectives.availability", "chanels", "maintenance[0].end"}


def test_a_broken_entry_causes_no_second_false_error() -> None:
    """A window whose `start` is unreadable is not then reported as lacking a start."""
    text = add("maintenance:\n  - {name: m, start: tomorrow, end: 2026-12-05T22:00:00Z}\n")
    assert [i.path for i in load_text(text, environ={}).issues] == ["maintenance[0].start"]


LISTS_WITH_A_BROKEN_ENTRY = {
    "escalation": (VALID.replace("  - {level: L2, after: 10m, notify: [slack]}\n",
                                 "  - {level: L2, after: 10m, notify: [slack]}\n"
                                 "  - {level: L3, after: 15, notify: [slack]}\n"
                                 "  - {level: L4, after: 1h, notify: [slak]}\n"),
                   "escalation[3].notify[0]", "  - {level: L4, after: 1h, notify: [slak]}"),
    "maintenance": (add("maintenance:\n"
                        "  - {name: a, start: tomorrow, end: 2026-12-05T22:00:00Z}\n"
                        "  - {name: b, recurring: {weekdays: [sunday]}}\n"
                        "  - {name: b, recurring: {weekdays: [monday]}}\n"),
                    "maintenance[2].name", "  - {name: b, recurring: {weekdays: [monday]}}"),
    "remediation.rules": (add("remediation:\n  rules:\n"
                              "    - {match: {service: api}, action: restart_deployment, params: {deployment: api}, max_per_hour: 0}\n"
                              "    - {match: {service: api}, action: rm_rf}\n"),
                          "remediation.rules[1].action", "    - {match: {service: api}, action: rm_rf}"),
    "prometheus.rule_files": (add("prometheus:\n  rule_files:\n    - [not, a, path]\n    - extra.txt\n"),
                              "prometheus.rule_files[1]", "    - extra.txt"),
    "prometheus.scrape_configs": (add("prometheus:\n  scrape_configs:\n    - blackbox\n    - {job_name: api}\n"),
                                  "prometheus.scrape_configs[1].job_name", "    - {job_name: api}"),
}


@pytest.mark.parametrize(("text", "path", "line_text"), LISTS_WITH_A_BROKEN_ENTRY.values(), ids=list(LISTS_WITH_A_BROKEN_ENTRY))
def test_entries_after_a_broken_one_keep_their_index_and_line(text: str, path: str, line_text: str) -> None:
    """The entry after a broken one is reported as the user numbered it, at its own line."""
    issues = load_text(text, environ={}).issues
    line = text.splitlines().index(line_text) + 1
    assert (path, line) in [(i.path, i.line) for i in issues], issues


def test_a_bad_maintenance_time_reads_as_a_time_not_a_regex() -> None:
    [issue] = load_text(add("maintenance:\n  - {name: m, recurring: {times: '25:00-26:00'}}\n"), environ={}).issues
    assert issue.message == "expected HH:MM-HH:MM in 24-hour time, like 02:00-03:30, got '25:00-26:00'"


def test_extension_keys_may_hold_yaml_anchors() -> None:
    text = VALID.replace("services:\n  api: {kind: http}", "x-http: &http {kind: http}\nservices:\n  api: *http")
    result = load_text(text, environ={})
    assert result.spec is not None and result.spec.services["api"].kind == "http"


def test_a_secret_in_clear_is_never_repeated_in_a_message() -> None:
    secret = "s3cr3tTOKEN"
    text = edit("  slack: {type: slack, webhook_url: env:SLACK_URL}\n", f"""\
  slack: {{type: slack, webhook_url: 'https://hooks.slack.test/T0/B0/{secret}'}}
  mail: {{type: email, to: [a@b.test], from: c@d.test, smarthost: 'mail:25', password: {secret}}}
  hook: {{type: webhook, url: [{secret}]}}
  pd: {{type: pagerduty, routing_key: {secret}, rooting: 1}}
""")
    issues = load_text(text, environ={}).issues
    assert {i.path for i in issues} == {"channels.slack.webhook_url", "channels.mail.password", "channels.hook.url",
                                       "channels.pd.rooting"}
    assert secret not in "\n".join(map(str, issues))


def test_an_alias_bomb_is_refused_instead_of_expanded() -> None:
    lines = ['l0: &l0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]" for i in range(1, 7)]  # 10^7 values
    [issue] = load_text("\n".join(lines) + "\n", environ={}).issues
    assert issue.path == "<yaml>" and "expands to 12,345,685 values, more than 1,000,000" in issue.message


@pytest.mark.parametrize(("text", "message"), [
    ("version: 1\nloop: &loop [*loop]\n", "an alias refers to a node that contains it"),
    ("version: 1\ndeep: " + "[" * 500 + "]" * 500 + "\n", "nested more than 64 levels deep"),
])
def test_unexpandable_yaml_is_an_error_not_a_crash(text: str, message: str) -> None:
    [issue] = load_text(text, environ={}).issues
    assert issue.path == "<yaml>" and message in issue.message
