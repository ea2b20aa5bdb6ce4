"""Persistence: case records on SQLite (embedded default) or PostgreSQL (many consoles).

SQLAlchemy 2 typed ORM with Alembic migrations. Callers open sessions and pass them in;
the console receives plain pydantic objects, never live ORM rows.
"""
