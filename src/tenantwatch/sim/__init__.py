"""A simulated multi-tenant platform: the metrics of docs/input-metrics.md for every tenant
and service of a spec, with daily traffic and faults injected on a schedule or on request."""

from tenantwatch.sim.faults import FAULT_KINDS, Fault, FaultError, ScheduledFault, parse_fault, random_schedule
from tenantwatch.sim.server import SimServer
from tenantwatch.sim.world import World

__all__ = ["FAULT_KINDS", "Fault", "FaultError", "ScheduledFault", "SimServer", "World", "parse_fault", "random_schedule"]
