"""Files -> store. Used by the ingest.py CLI and by the app's upload.

Each file is read (rag.ingest.readers), rebuilt into paragraphs (rag.ingest.paragraphs) and written to the store. A file that
fails is reported with its reason and a hint, and the rest go on; nothing already in the store is touched by a
failure. Same bytes under another name: one document, two sources. A changed file: its old paragraphs go.
"""
from __future__ import annotations

import hashlib
import re
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from rag.model import Document
from rag.ingest.paragraphs import build_document
from rag.ingest.readers import FORMATS, ReadError
from rag.ingest.readers.safe import read_file
from rag.store import Store

ADDED, UPDATED, UNCHANGED, FAILED = "added", "updated", "unchanged", "failed"


@dataclass
class FileReport:
    path: str
    status: str
    paragraphs: int = 0
    title: str = ""
    doc_id: str = ""
    reason: str = ""
    hint: str = ""

    @property
    def ok(self) -> bool:
        return self.status != FAILED


def expand(paths: list[str | Path]) -> list[Path]:
    """Files and folders (recursively) -> the files to ingest, in a stable order."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in FORMATS
                              and not any(part.startswith(".") for part in p.relative_to(path).parts)))
        else:
            out.append(path)
    return out


def title_from_name(name: str, text: str = "") -> str:
    """A title from the file's name, each word written as the document writes it: in capitals where the
    document's own text writes it so more often than not ("ngo" -> NGO where the text writes "NGO"; "bay" -> Bay
    where the text says "Bay"), else with a capital first letter. (The title is matched as well as shown: an
    acronym guessed wrong would not match the word.)"""
    stem = re.sub(r"[_\-.]+", " ", Path(name).stem).strip()
    counts: dict[str, Counter] = {}
    wanted = {w.lower() for w in stem.split() if w.isalpha()}
    for w in re.findall(r"[A-Za-z]+", text):
        if w.lower() in wanted:
            counts.setdefault(w.lower(), Counter())[w.isupper() and len(w) >= 2] += 1
    words = []
    for w in stem.split():
        seen = counts.get(w.lower())
        words.append(w.upper() if seen and seen[True] > seen[False] else w[:1].upper() + w[1:])
    return " ".join(words) or name


def year_of(text: str) -> str | None:
    years = re.findall(r"(?<!\d)(19[5-9]\d|20[0-9]\d)(?!\d)", text)
    return years[-1] if years else None


def ingest_file(store: Store, path: Path, source: str | None = None, progress=None) -> FileReport:
    """Ingest one file. `source` is how the file is named in the store (default: its path)."""
    source = source or str(path)
    report = FileReport(path=source, status=FAILED)
    try:
        data = path.read_bytes()
    except OSError as exc:
        report.reason, report.hint = f"cannot open the file ({exc.strerror})", "check the path and permissions"
        return report
    sha = hashlib.sha256(data).hexdigest()
    doc_id = sha[:16]
    report.doc_id = doc_id
    existing = store.get_document(doc_id)
    previous = [d for d in store.find_by_source(source) if d.doc_id != doc_id]
    if existing is not None:
        if source not in existing.sources:
            store.set_sources(existing, existing.sources + [source])
        report.status, report.paragraphs, report.title = UNCHANGED, existing.paragraphs, existing.title
        retire(store, previous, source)
        return report
    try:
        fmt, blocks = read_file(path, store.settings)
        built = build_document(blocks, doc_id)
        paragraphs = built.paragraphs
    except ReadError as exc:
        report.reason, report.hint = exc.reason, exc.hint
        return report
    if not any(p.kind != "footnote" for p in paragraphs):
        report.reason, report.hint = "no paragraphs of text found", "check that the file holds the report's text"
        return report
    title = title_from_name(path.name, "\n".join(p.text for p in paragraphs))
    doc = Document(doc_id=doc_id, title=title, sha256=sha, format=fmt, paragraphs=len(paragraphs),
                   sources=[source], date=year_of(path.name) or (year_of(built.issued) if built.issued else None),
                   added=time.strftime("%Y-%m-%dT%H:%M:%S"), symbol=built.symbol, doc_title=built.title,
                   issued=built.issued)
    store.add_document(doc, paragraphs, progress=progress)
    retire(store, previous, source)
    report.status = UPDATED if previous else ADDED
    report.paragraphs, report.title = len(paragraphs), title
    return report


def retire(store: Store, previous: list[Document], source: str) -> None:
    """The file at `source` now holds other bytes: drop the old version (or just this name, if shared)."""
    for old in previous:
        rest = [s for s in old.sources if s != source]
        if rest:
            store.set_sources(old, rest)
        else:
            store.delete_document(old.doc_id)


def ingest_paths(store: Store, paths: list[str | Path], on_file=None, on_paragraphs=None) -> list[FileReport]:
    """Ingest files and folders. on_file(index, total, path) is called before each file, on_paragraphs(n)
    as paragraphs are embedded: the CLI draws progress bars with them, the app a progress indicator."""
    files = expand(paths)
    store.sweep()
    reports = []
    for i, path in enumerate(files):
        if on_file:
            on_file(i, len(files), path)
        reports.append(ingest_file(store, path, progress=on_paragraphs))
    return reports


def check_paths(paths: list[str | Path], settings) -> tuple[list, list[FileReport]]:
    """The fidelity check of `ingest.py --check`: each file read and rebuilt as ingest would, nothing stored.
    Returns the checks (rag.ingest.fidelity.Check) and a failed FileReport for each file that could not be read."""
    from rag.ingest.fidelity import check

    checks, failed = [], []
    for path in expand(paths):
        try:
            _, blocks = read_file(path, settings)
            checks.append(check(path.name, blocks, build_document(blocks, "check")))
        except ReadError as exc:
            failed.append(FileReport(path=str(path), status=FAILED, reason=exc.reason, hint=exc.hint))
    return checks, failed


def format_reports(reports: list[FileReport]) -> str:
    """The per-file table printed after an ingest."""
    rows = [("status", "paragraphs", "file", "reason / what to do")]
    for r in reports:
        why = f"{r.reason}. {r.hint}".strip(". ") if r.status == FAILED else ""
        rows.append((r.status, str(r.paragraphs) if r.ok else "-", r.path, why))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = ["  ".join(row[i].ljust(widths[i]) for i in range(3)) + ("  " + row[3] if row[3] else "") for row in rows]
    counts = {s: sum(1 for r in reports if r.status == s) for s in (ADDED, UPDATED, UNCHANGED, FAILED)}
    lines.append(", ".join(f"{n} {s}" for s, n in counts.items()))
    return "\n".join(lines)


def _say(text: str) -> None:
    print(text, flush=True)


def fill_if_empty(store: Store, corpus: Path, say=_say) -> list[FileReport]:
    """A new store gets the bundled corpus (every file under `corpus`), with progress through `say`; a store
    that holds documents, or a missing corpus folder, is left as it is (-> [])."""
    if store.list_documents() or not Path(corpus).is_dir():
        return []
    say(f"The library is empty: adding the bundled documents from {corpus} ...")
    t0 = time.perf_counter()
    reports = ingest_paths(store, [corpus], on_file=lambda i, total, path: say(
        f"  [{i + 1}/{total}] reading and indexing {path.name} ..."))
    say(format_reports(reports))
    say(f"Library ready in {time.perf_counter() - t0:.0f} s.")
    return reports
