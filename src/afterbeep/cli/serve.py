"""``afterbeep serve``: run the web app."""

from __future__ import annotations

import typer

from afterbeep.cli._app import app, console


@app.command()
def serve(
    host: str | None = typer.Option(None, help="Address to listen on (default: settings.host)."),
    port: int | None = typer.Option(None, help="Port to listen on (default: settings.port)."),
    reload: bool = typer.Option(False, help="Restart on code changes (development)."),
) -> None:
    """Start the web app: script studio and JSON API."""
    import uvicorn

    from afterbeep.settings import load_settings

    settings = load_settings(host=host, port=port)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    console.print(f"afterbeep on http://{settings.host}:{settings.port}  (Ctrl+C stops)")
    uvicorn.run(
        "afterbeep.web:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        reload=reload,
        log_level="info",
    )
