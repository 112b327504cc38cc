"""Alembic migrations of the sealed store, applied by `open_store` (no alembic.ini needed)."""
