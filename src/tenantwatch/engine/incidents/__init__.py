"""Incidents: correlating alerts into incidents, their state changes, platform links, timeline
and what a caller may read of them."""
