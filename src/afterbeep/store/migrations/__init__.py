"""Alembic migration environment of the store (a package so that it ships with afterbeep)."""
