"""Reading a file without trusting it.

`read_file(path, settings)` checks the size (and, for a DOCX, what it would unzip to) before any parser sees the
file, then parses PDF, DOCX and HTML in a child process (`python -m rag.ingest.readers.safe FORMAT MEMORY_MB`, the bytes on
stdin, the Blocks back as JSON on stdout) under a memory cap and a wall-clock limit. A hostile or broken file costs
an error message, never the server. Plain text and Markdown are decoded in-process: there is no parser to attack.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from rag.model import Block
from rag.ingest.readers import ReadError, check_size, ensure_text, format_of, read_bytes

if TYPE_CHECKING:  # pragma: no cover
    from rag.config import Settings

MB = 1024 * 1024
ISOLATED = {"pdf", "docx", "html"}
ROOT = Path(__file__).resolve().parents[3]
MAX_ZIP_MEMBERS = 20000
NOT_DOCX_HINT = "open it in Word (or LibreOffice) and save it again as .docx"


def read_file(path: Path, settings: "Settings") -> tuple[str, list[Block]]:
    """(format, Blocks) of a file, or a ReadError saying what is wrong and what to do."""
    path = Path(path)
    fmt = format_of(path)
    try:
        size = path.stat().st_size
        check_size(size, settings.max_file_mb)
        if fmt == "docx":
            check_zip(path, settings.max_unzipped_mb)
        data = path.read_bytes()
    except OSError as exc:
        raise ReadError(f"the file could not be opened ({exc.strerror or exc})",
                        "check the path and its permissions") from exc
    check_size(len(data), settings.max_file_mb)  # it may have changed since stat()
    if fmt in ISOLATED:
        blocks = read_isolated(data, fmt, settings.parse_timeout_s, settings.parse_memory_mb)
    else:
        blocks = read_bytes(data, fmt)
    return fmt, ensure_text(blocks)


def check_zip(path: Path, max_unzipped_mb: float) -> None:
    """Refuse a DOCX whose central directory promises more than max_unzipped_mb, or a member packed over 100:1."""
    members = _zip_member_count(path)
    if members is not None and members > MAX_ZIP_MEMBERS:
        raise ReadError(f"the DOCX holds {members} parts (a zip bomb or a damaged file)", NOT_DOCX_HINT)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise ReadError("the file is named .docx but is not a Word document (or it is damaged)", NOT_DOCX_HINT) from exc
    total = sum(i.file_size for i in infos)
    packed = any(i.file_size > 10 * MB and i.file_size > 100 * max(i.compress_size, 1) for i in infos)
    if total > max_unzipped_mb * MB or packed:
        raise ReadError(
            f"the DOCX expands to {total / MB:.0f} MB (a zip bomb or a damaged file)",
            f"open it in Word and save it again; if it really is that large, split it "
            f"(the limit is {max_unzipped_mb:g} MB unzipped, RAG_MAX_UNZIPPED_MB)",
        )
    if not any(i.filename == "word/document.xml" for i in infos):
        raise ReadError("the file is named .docx but is not a Word document (no word/document.xml)", NOT_DOCX_HINT)


def _zip_member_count(path: Path) -> int | None:
    """Entries the end-of-central-directory record announces, read before zipfile builds one object per entry."""
    with open(path, "rb") as fh:
        fh.seek(0, os.SEEK_END)
        end = fh.tell()
        fh.seek(max(0, end - 65557))
        tail = fh.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return None
    return int.from_bytes(tail[at + 10:at + 12], "little")


def read_isolated(data: bytes, fmt: str, timeout_s: float, memory_mb: int) -> list[Block]:
    """read_bytes(data, fmt) in a child process capped at memory_mb of address space and timeout_s of wall time."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "rag.ingest.readers.safe", fmt, str(int(memory_mb))],
            input=data, capture_output=True, timeout=timeout_s, env=env, cwd=str(ROOT),
        )
    except subprocess.TimeoutExpired as exc:
        raise ReadError(
            f"reading the file took longer than {timeout_s:g} s",
            "the file may be damaged or built to stall readers; if it is just very large, split it "
            "or raise RAG_PARSE_TIMEOUT_S",
        ) from exc
    try:
        payload = json.loads(proc.stdout)
    except ValueError:
        payload = {"memory": True} if b"MemoryError" in proc.stderr else {}
    if payload.get("memory"):
        raise ReadError(
            f"reading the file needed more than {memory_mb} MB of memory",
            "the file may be damaged or built to exhaust readers; if it is just very large, split it "
            "or raise RAG_PARSE_MEMORY_MB",
        )
    if "error" in payload:
        raise ReadError(payload["error"], payload.get("hint", ""))
    if "blocks" not in payload:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit status {proc.returncode}"]
        raise ReadError(f"the reader crashed on this file ({detail[0][:200]})",
                        "the file may be damaged: open it and save it again, or convert it to PDF")
    return [Block(**b) for b in payload["blocks"]]


def _child(fmt: str, memory_mb: int) -> int:
    """The child's side: cap memory, read stdin, write {"blocks": [...]} or {"error", "hint"} or {"memory"}."""
    try:
        import resource

        limit = int(memory_mb) * MB
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):  # no rlimits on this platform: the timeout still holds
        pass
    out, sys.stdout = sys.stdout, sys.stderr  # nothing a library prints may corrupt the answer
    try:
        data = sys.stdin.buffer.read()
        payload: dict = {"blocks": [asdict(b) for b in read_bytes(data, fmt)]}
    except ReadError as exc:
        payload = {"error": exc.reason, "hint": exc.hint}
    except MemoryError:
        payload = {"memory": True}
    except RecursionError:
        payload = {"error": "the file is nested too deeply to read", "hint": "the file may be damaged or hostile"}
    except Exception as exc:  # a parser's own bug on a strange file
        payload = {"error": f"the file could not be read ({type(exc).__name__}: {str(exc)[:200]})",
                   "hint": "the file may be damaged: open it and save it again, or convert it to PDF"}
    try:
        out.write(json.dumps(payload))
    except MemoryError:
        out.write('{"memory": true}')
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1], int(sys.argv[2])))
