"""Scores the assistant on question files (JSONL, the format of shared/eval/dev_questions.jsonl):

{"q": str, "cat": "fact"|"rec"|"both"|"none", "facts": [regex], "gold": [passage], "sides": [[passage]], "refuse": bool}

Per category: answer correctness (every required fact in the answer), the short answer (for fact questions: the
value given holds one of the facts), citation correctness (a cited paragraph
holds a gold passage), retrieval recall (a gold passage is among the paragraphs retrieved for the answer
writer: the ceiling for citations), both-sides coverage (flagged, and each side cited), refusal accuracy, false
flags, mean citations, latency p50/p95.
"""
from __future__ import annotations

import json
import re
import statistics
from pathlib import Path

from rag.config import ROOT
from rag.nlp.text import fold

SHARED_EVAL = ROOT.parent / "shared" / "eval"
DEFAULT_FILES = [SHARED_EVAL / "dev_questions.jsonl", *sorted((ROOT / "tests" / "eval").glob("*.jsonl"))]


def known_sets() -> list[tuple[str, list[Path], list[Path]]]:
    """(name, document paths, question files) for every set this checkout knows: the bundled corpus with its
    development questions, and each folder of shared/eval/ holding docs/ and questions.jsonl."""
    sets = [("bundled", [ROOT / "data" / "corpus"], [p for p in DEFAULT_FILES if p.exists()])]
    if SHARED_EVAL.is_dir():
        for folder in sorted(SHARED_EVAL.iterdir()):
            if (folder / "docs").is_dir() and (folder / "questions.jsonl").exists():
                sets.append((folder.name, [folder / "docs"], [folder / "questions.jsonl"]))
    return sets


def set_from_folder(folder: Path) -> tuple[str, list[Path], list[Path]]:
    """A set of one's own: FOLDER/docs/ (any files ingest reads) and FOLDER/questions.jsonl."""
    folder = Path(folder)
    docs, questions = folder / "docs", folder / "questions.jsonl"
    if not docs.is_dir() or not questions.exists():
        raise ValueError(f"{folder} must hold docs/ and questions.jsonl (the format in shared/eval/README.md)")
    return folder.resolve().name, [docs], [questions]


def load(files) -> list[dict]:
    rows = []
    for f in files or [p for p in DEFAULT_FILES if Path(p).exists()]:
        with open(f, encoding="utf-8") as fh:
            rows += [dict(json.loads(line), source=Path(f).name) for line in fh if line.strip()]
    return rows


def norm(text: str) -> str:
    """Compared as shared/eval/README.md says: case and whitespace folded, curly quotes (and dashes, accents)
    as straight."""
    return re.sub(r"\s+", " ", fold(text)).lower()


def cites(answer, passage: str, label: str | None = None) -> bool:
    """A citation holds the passage (and, where the question names the paragraph's own number, carries it)."""
    return any(norm(passage) in norm(c.text) and (not label or re.search(label, c.label))
               for c in answer.citations)


def score(row: dict, answer, retrieved: list[str] = ()) -> dict:
    refuse = bool(row.get("refuse"))
    out = {"q": row["q"], "cat": row["cat"], "found": answer.found, "disagreement": answer.disagreement,
           "citations": len(answer.citations), "ms": answer.timings_ms.get("total", 0.0)}
    out["refusal_ok"] = (not answer.found) if refuse else answer.found
    if not refuse:
        out["over_refusal"] = not answer.found
    if row.get("facts"):
        out["answer_ok"] = all(re.search(f, answer.answer, re.I) for f in row["facts"])
        if row["cat"] == "fact":  # the short answer holds a reference answer (any of the facts)
            short = (answer.short_answer or {}).get("text") or ""
            out["short_ok"] = bool(short) and any(re.search(f, short, re.I) for f in row["facts"])
    if row.get("gold"):
        out["citation_ok"] = any(cites(answer, g, row.get("label")) for g in row["gold"])
        out["retrieved_ok"] = any(norm(g) in norm(text) for g in row["gold"] for text in retrieved)
    if row.get("sides"):
        out["both_ok"] = answer.disagreement and all(any(cites(answer, p) for p in side) for side in row["sides"])
    else:
        out["false_flag"] = answer.disagreement
    return out


def evaluate(assistant, files=None) -> dict:
    rows = []
    for row in load(files):
        answer = assistant.ask(row["q"])
        retrieved = [e.paragraph.text for e in assistant.retriever.retrieve(row["q"])] if row.get("gold") else []
        rows.append(score(row, answer, retrieved))
    return {"rows": rows}


def rate(rows, key) -> str:
    values = [r[key] for r in rows if key in r]
    return f"{sum(values)}/{len(values)} ({100 * sum(values) / len(values):.0f}%)" if values else "-"


def format_report(report: dict) -> str:
    rows = report["rows"]
    cats = sorted({r["cat"] for r in rows}) + ["all"]
    head = ["category", "n", "answer", "short answer", "citation", "retrieved", "both sides", "refusal",
            "over-refusal", "false flags", "mean cites", "p50 ms", "p95 ms"]
    table = [head]
    for cat in cats:
        rs = rows if cat == "all" else [r for r in rows if r["cat"] == cat]
        ms = sorted(r["ms"] for r in rs)
        p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))] if ms else 0
        table.append([cat, str(len(rs)), rate(rs, "answer_ok"), rate(rs, "short_ok"), rate(rs, "citation_ok"),
                      rate(rs, "retrieved_ok"),
                      rate(rs, "both_ok"),
                      rate(rs, "refusal_ok"), rate(rs, "over_refusal"), rate(rs, "false_flag"),
                      f"{statistics.mean(r['citations'] for r in rs):.1f}" if rs else "-",
                      f"{statistics.median(ms):.0f}" if ms else "-", f"{p95:.0f}"])
    widths = [max(len(r[i]) for r in table) for i in range(len(head))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |" for r in table]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)
