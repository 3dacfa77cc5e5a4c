"""Alembic migrations of the store, shipped inside the package (see ``visavis.store.db``)."""
