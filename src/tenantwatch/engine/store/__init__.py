"""The engine's store: tables, migrations (shipped in the package), retention."""

from tenantwatch.engine.store.db import DEFAULT_DB, Store, StoreError, default_url, open_store

__all__ = ["DEFAULT_DB", "Store", "StoreError", "default_url", "open_store"]
