"""Web shell: FastAPI app with the JSON API and server-rendered pages."""

from __future__ import annotations

from afterbeep.web.app import create_app, error_body

__all__ = ["create_app", "error_body"]
