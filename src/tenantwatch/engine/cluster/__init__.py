"""Engine replicas on one PostgreSQL database.

Every replica answers webhooks (into the shared intake log), the API and the dashboard; one of
them, the leader, processes the log and runs the scheduler (escalations, notifications,
remediation, retention), so each of those happens once. Leadership is a session advisory lock
that PostgreSQL drops when the leader's connection ends, so a survivor takes over within a
second of a replica dying. The replicas hear each other through LISTEN/NOTIFY: appends to the
intake log, the cursor's progress, awaited results, incident events and scheduler wake-ups.
"""
