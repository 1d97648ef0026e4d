"""Escalation: which levels an incident gets and when, maintenance holds, and the scheduler
that fires the due levels."""
