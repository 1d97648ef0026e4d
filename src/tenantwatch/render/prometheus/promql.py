"""PromQL and template fragments shared by every rule: the per-tenant objective join.

Per-tenant objectives are series, not rules: an override series carries `tenant`, the
default carries no label. `objective_join` picks, for each tenant present in a signal,
its override or else the default, so one alerting rule serves every tenant.
"""

from __future__ import annotations

from tenantwatch import conventions
from tenantwatch.render.prometheus.humanize import FORMATTERS


def objective_join(name: str, signal: str) -> str:
    """One value per tenant of `signal`: the tenant's override, else the default objective."""
    default = conventions.objective_default(name)
    return (
        f"({conventions.objective(name)} or on(tenant) "
        f"(0 * count by (tenant) ({signal}) + on() group_left() {default}))"
    )


def objective_template(name: str, fmt: str) -> str:
    """A Go template printing the alerting tenant's effective objective (override or default)."""
    query = f'{conventions.objective(name)}{{tenant=%q}} or on() {conventions.objective_default(name)}'
    return f'{{{{ with printf "{query}" $labels.tenant | query }}}}{{{{ . | first | value | {fmt} }}}}{{{{ end }}}}'


# "tenant {tenant}" in alert texts: a shared service's alert speaks of every tenant instead.
TENANT_PHRASE = "tenant {tenant}"
SHARED_PHRASE = "every tenant using it (shared)"
_WHO = (f'{{{{ if eq $labels.tenant "{conventions.PLATFORM_TENANT}" }}}}{SHARED_PHRASE}'
        "{{ else }}tenant {{ $labels.tenant }}{{ end }}")


def fill_template(text: str, labels: tuple[str, ...], value: str, objective: str) -> str:
    """Turn `{label}`, `{value}`, `{objective}` placeholders into Go template text."""
    fields = {label: f"{{{{ $labels.{label} }}}}" for label in labels}
    if conventions.TENANT in labels:
        text = text.replace(TENANT_PHRASE, "{who}")
        fields["who"] = _WHO
    return text.format(value=value, objective=objective, **fields)


def expected_text(text: str, labels: dict[str, str], value: float, objective: float, formats: tuple[str, str]) -> str:
    """What Prometheus prints for a template built by `fill_template` (for generated tests)."""
    value_fmt, objective_fmt = formats
    tenant = labels.get(conventions.TENANT)
    if tenant is not None:
        text = text.replace(TENANT_PHRASE, SHARED_PHRASE if tenant == conventions.PLATFORM_TENANT else f"tenant {tenant}")
    return text.format(value=FORMATTERS[value_fmt](value), objective=FORMATTERS[objective_fmt](objective), **labels)


def number(value: float) -> str:
    """A float as PromQL / promtool input text, without float noise."""
    return "%.12g" % value
