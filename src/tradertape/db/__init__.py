"""Persistence: the SQLAlchemy engine, typed ORM models and Alembic migrations."""
