"""The FastAPI application: JSON API and server-rendered pages.

A thin shell: every route calls a library function and turns its result into JSON or a page.
Owns routing, request models and error mapping (``AfterbeepError`` -> JSON with the error's
``http_status``); must not hold product logic.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from afterbeep import __version__
from afterbeep.errors import AfterbeepError, InvalidInput
from afterbeep.settings import Settings, load_settings
from afterbeep.web._calls_api import audiosocket_listener
from afterbeep.web._calls_api import router as calls_router
from afterbeep.web._coach_api import router as coach_router
from afterbeep.web._scripts_api import EXAMPLE_FIELDS, EXAMPLE_SCRIPT
from afterbeep.web._scripts_api import router as scripts_router

_HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(_HERE / "templates"))


def error_body(error: AfterbeepError) -> dict[str, Any]:
    body: dict[str, Any] = {"error": type(error).__name__, "message": str(error)}
    if isinstance(error, InvalidInput):
        body.update(
            {
                key: value
                for key, value in {
                    "source": error.source,
                    "line": error.line,
                    "column": error.column,
                    "field": error.field,
                }.items()
                if value is not None
            }
        )
    return body


def recognition_state(app: FastAPI) -> str:
    engine = getattr(app.state, "media_engine", None)
    if engine is None or not engine.hub.recognises:
        return "off"
    return "ready" if engine.hub.recognition_ready else "loading"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the web app for ``settings`` (loaded from the environment when omitted)."""
    settings = settings or load_settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with audiosocket_listener(app):
            yield

    app = FastAPI(title="afterbeep", version=__version__, lifespan=lifespan)
    app.state.settings = settings
    app.mount("/static", StaticFiles(directory=str(_HERE / "static")), name="static")

    @app.exception_handler(AfterbeepError)
    async def _afterbeep_error(_: Request, error: AfterbeepError) -> JSONResponse:
        return JSONResponse(error_body(error), status_code=error.http_status)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        """Up, and whether greeting recognition is ``off``, ``loading`` its model (calls are
        taken, but their words wait for it) or ``ready``."""
        return {"status": "ok", "version": __version__, "recognition": recognition_state(app)}

    @app.get("/", response_class=HTMLResponse)
    def studio(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(
            request,
            "studio.html",
            {"example": EXAMPLE_SCRIPT, "example_fields": EXAMPLE_FIELDS},
        )

    app.include_router(scripts_router)
    app.include_router(coach_router)
    app.include_router(calls_router)
    return app


__all__ = ["create_app", "error_body"]
