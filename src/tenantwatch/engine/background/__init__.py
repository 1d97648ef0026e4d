"""The work after the intake log's 2xx: the intake processor (log -> incidents) and the
scheduler (escalations, remediation, notifications). `tenantwatch serve` runs them in a worker
process of its own (worker.py, reached through link.py), so the process answering webhooks and
the API keeps its interpreter lock for answering; tests and `serve --in-process` run them as
threads of the answering process (wiring.py builds them the same way for both)."""
