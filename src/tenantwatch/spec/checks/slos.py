"""Checks of `slos`, the custom SLOs given as good/total PromQL."""

from __future__ import annotations

from typing import Iterator

from tenantwatch.spec.checks.registry import Sections, check, error, names, unknown
from tenantwatch.spec.issues import Issue
from tenantwatch.spec.models import SLO_WINDOW
from tenantwatch.spec.units import label_problem


@check("slos")
def _custom_slos(s: Sections) -> Iterator[Issue]:
    for name, slo in s["slos"].items():
        if problem := label_problem(name):
            yield error(("slos", name), f"invalid SLO name: {problem}")
        for key in ("good", "total"):
            if SLO_WINDOW not in getattr(slo, key):
                yield error(("slos", name, key), f"needs {SLO_WINDOW} where the range goes, e.g. "
                            f"rate(checkout_completed_total[{SLO_WINDOW}]); each burn-rate window is put there")
        if slo.objective >= 1:
            yield error(("slos", name, "objective"), "an objective of 100% or more leaves no error budget; use e.g. 99.9%")


@check("slos", "services")
def _slo_services(s: Sections) -> Iterator[Issue]:
    known = names(s, "services")
    for name, slo in s["slos"].items():
        if slo.service is not None and slo.service not in known:
            yield error(("slos", name, "service"), unknown("service", slo.service, known))
