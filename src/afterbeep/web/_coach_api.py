"""Recording coach in the browser: upload (or record) a take, get the coach's report as JSON.

Owns the ``/api/coach`` upload route and the ``/coach`` page. The take is written to a private
temporary file only for decoding and removed at once; errors name the uploaded file's name,
never the temporary path. Must not judge the take itself (``afterbeep.audio.coach`` does).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from afterbeep.audio.coach import coach_take
from afterbeep.errors import InvalidInput

router = APIRouter(tags=["coach"])

# A 120 s take (the longest the coach accepts) is about 21 MB as 44.1 kHz stereo PCM16 WAV.
MAX_UPLOAD_BYTES = 25 * 1024 * 1024
_SUFFIXES = {".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".webm", ".m4a", ".mp4", ".aac"}


def _suffix(filename: str, content_type: str | None) -> str:
    suffix = Path(filename).suffix.lower()
    if suffix in _SUFFIXES:
        return suffix
    # Browsers name a MediaRecorder blob however the page says; trust the container type.
    kind = (content_type or "").split(";")[0].strip().lower()
    return {"audio/webm": ".webm", "audio/ogg": ".ogg", "audio/mp4": ".m4a"}.get(kind, ".bin")


@router.post("/api/coach")
async def coach(
    request: Request,
    take: Annotated[UploadFile, File(description="The recorded take (any common audio format).")],
    script: Annotated[str | None, Form(description="The rendered script it follows.")] = None,
    first_name: Annotated[str | None, Form()] = None,
    rep_phone: Annotated[str | None, Form()] = None,
) -> dict[str, Any]:
    """Coach one take; the JSON is ``afterbeep coach --format json``'s (see docs/coach.md)."""
    name = take.filename or "take"
    data = await take.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        limit = MAX_UPLOAD_BYTES // (1024 * 1024)
        raise InvalidInput(
            f"file is over {limit} MB; expected a take of at most 120 s", source=name
        )
    fields = {k: v.strip() for k, v in (("first_name", first_name), ("rep_phone", rep_phone)) if v}
    script_text = script if script and script.strip() else None
    transcriber = getattr(request.app.state, "coach_transcriber", None)
    with tempfile.TemporaryDirectory(prefix="afterbeep-coach-") as folder:
        path = Path(folder) / f"take{_suffix(name, take.content_type)}"
        path.write_bytes(data)
        try:
            report = await run_in_threadpool(
                coach_take, path, script=script_text, fields=fields, transcriber=transcriber
            )
        except InvalidInput as error:
            # A decoder's message may quote the temporary path: say the upload's name instead.
            reason = error.reason.replace(str(path), name)
            raise InvalidInput(
                reason, source=name, line=error.line, column=error.column, field=error.field
            ) from None
    body = report.to_dict()
    body["source"] = name
    return body


@router.get("/coach", response_class=HTMLResponse)
def coach_page(request: Request) -> HTMLResponse:
    from afterbeep.web.app import templates

    return templates.TemplateResponse(request, "coach.html", {})


__all__ = ["MAX_UPLOAD_BYTES", "router"]
