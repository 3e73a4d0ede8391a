"""Persistence: one SQLAlchemy metadata, async engines, Alembic migrations."""
