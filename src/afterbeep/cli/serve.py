"""``afterbeep serve``: run the web app."""

from __future__ import annotations

import typer

from afterbeep.cli._app import app, console


@app.command()
def serve(
    host: str | None = typer.Option(None, help="Address to listen on (default: settings.host)."),
    port: int | None = typer.Option(None, help="Port to listen on (default: settings.port)."),
    reload: bool = typer.Option(False, help="Restart on code changes (development)."),
    audiosocket_port: int | None = typer.Option(
        None,
        min=0,
        max=65535,
        help="Also take Asterisk AudioSocket calls on this TCP port "
        "(default: telephony.audiosocket_port; off when unset).",
    ),
) -> None:
    """Start the web app: script studio, JSON API, live calls (carrier media streams, and
    Asterisk AudioSocket when a port is given)."""
    import os

    import uvicorn

    from afterbeep.settings import load_settings

    settings = load_settings(host=host, port=port)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if audiosocket_port is not None:
        # The app reads its telephony settings from the environment when it starts.
        os.environ["AFTERBEEP_AUDIOSOCKET_PORT"] = str(audiosocket_port)
        console.print(f"Asterisk AudioSocket calls on TCP port {audiosocket_port}")
    console.print(f"afterbeep on http://{settings.host}:{settings.port}  (Ctrl+C stops)")
    uvicorn.run(
        "afterbeep.web:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        reload=reload,
        log_level="info",
    )
