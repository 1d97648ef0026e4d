"""The tenantwatch engine: Alertmanager intake -> incidents (correlated per tenant) ->
escalation L1-L4 -> notifications and auto-remediation, behind a tenant-scoped HTTP API.

Entry points: `create_app(config, store, ...)` (app.py, which documents the app state the
web dashboard uses), `open_store(url)` (store/), `serve(...)` (server.py).
"""
