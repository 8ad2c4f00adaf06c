"""Files a user hands in (the web app's uploads, or any front end that receives files): checked, given a safe name,
staged, ingested, and moved into the store's uploads folder only once ingested.

Nothing here trusts the file's name or size as sent: the name loses its path parts and odd characters, the type is
judged by the extension of that safe name, the size by the bytes on disk. A file is staged in a private folder
under `uploads/.incoming/` and ingested from there; only a file that was added ends up in `uploads/`, and a
failure leaves nothing behind.
"""
from __future__ import annotations

import os
import re
import shutil
import traceback
import unicodedata
import uuid
from pathlib import Path

from rag.ingest.pipeline import FAILED, FileReport, ingest_file
from rag.model import Document
from rag.store import Store

ALLOWED_EXTENSIONS = (".pdf", ".docx", ".html", ".htm", ".md", ".txt")
SOURCE_PREFIX = "uploads/"  # how a document added this way names its source


class UploadRefused(ValueError):
    def __init__(self, reason: str, hint: str = ""):
        super().__init__(reason)
        self.reason, self.hint = reason, hint


def safe_filename(name: str | None) -> str:
    """A file name with no path parts and only safe characters (letters and digits in any script, '-', '_',
    '.'), no leading dots, at most 120 characters, extension lower-cased: '../../etc/x.MD' -> 'x.md'."""
    name = unicodedata.normalize("NFKC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    stem = re.sub(r"[^\w.-]+", "-", stem, flags=re.UNICODE)
    stem = re.sub(r"([.-])[.-]+", r"\1", stem).strip(".-_ ")[:100] or "upload"
    ext = re.sub(r"[^A-Za-z0-9]", "", ext).lower()[:10]
    return f"{stem}.{ext}" if ext else stem


def check_upload(name: str, size: int, max_mb: float) -> str:
    """Server-side checks for an uploaded file -> its safe name; raises UploadRefused."""
    safe = safe_filename(name)
    ext = "." + safe.rpartition(".")[2] if "." in safe else ""
    if ext not in ALLOWED_EXTENSIONS:
        raise UploadRefused(f"“{ext or 'no extension'}” files are not accepted",
                            "upload PDF, DOCX, HTML, Markdown or plain-text files (" + ", ".join(ALLOWED_EXTENSIONS) + ")")
    if size > max_mb * 1024 * 1024:
        raise UploadRefused(f"the file is {size / 1024 / 1024:.1f} MB; the limit is {max_mb:g} MB",
                            "split the report, or ask the administrator to raise RAG_MAX_UPLOAD_MB")
    if size == 0:
        raise UploadRefused("the file is empty", "check that the upload finished")
    return safe


def inside(folder, path) -> bool:
    """True when `path` (resolved) lies inside `folder` (resolved)."""
    try:
        return Path(path).resolve().is_relative_to(Path(folder).resolve())
    except (OSError, ValueError):
        return False


def add_upload(store: Store, path: Path, original: str, uploads: Path, max_mb: float,
               progress=None) -> FileReport:
    """One received file (at `path`, sent as `original`) -> checked, staged, ingested as `uploads/<safe name>` and,
    once added, kept in `uploads`. `progress(k)` is called as paragraphs are indexed. Never raises: a refusal or
    a failure is a FileReport with its reason and what to do."""
    try:
        safe = check_upload(original, path.stat().st_size, max_mb)
    except UploadRefused as exc:
        return FileReport(path=safe_filename(original), status=FAILED, reason=exc.reason, hint=exc.hint)
    except OSError:
        return FileReport(path=safe_filename(original), status=FAILED, reason="the upload could not be read",
                          hint="try uploading it again")
    uploads.mkdir(parents=True, exist_ok=True)
    final = uploads / safe
    incoming = uploads / ".incoming" / uuid.uuid4().hex
    staged = incoming / safe
    if not (inside(uploads, final) and inside(uploads, staged)):  # cannot happen with a safe name
        return FileReport(path=safe, status=FAILED, reason="unsafe file name", hint="rename the file")
    incoming.mkdir(parents=True)
    try:
        shutil.copyfile(path, staged)
        report = ingest_file(store, staged, source=f"{SOURCE_PREFIX}{safe}", progress=progress)
        if report.ok:
            os.replace(staged, final)  # replaces a link at `final`, never follows it
        return report
    except Exception:  # noqa: BLE001 - the user gets the report, the console the trace
        traceback.print_exc()
        return FileReport(path=safe, status=FAILED, reason="the file could not be added",
                          hint="check that it opens on your computer, then try again")
    finally:
        shutil.rmtree(incoming, ignore_errors=True)


def remove_uploads(uploads: Path, document: Document) -> None:
    """Delete the uploaded files a removed document came from (only inside `uploads`)."""
    for source in document.sources:
        if source.startswith(SOURCE_PREFIX):
            target = uploads / safe_filename(source)
            if inside(uploads, target):
                target.unlink(missing_ok=True)
