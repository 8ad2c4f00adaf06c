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

from rag.config import ROOT, machine
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


# ------------------------------------------------------------------------------------------ docs/evaluation.md
KEPT = "<!-- written by hand below this line; `python -m rag eval --write` keeps it -->"


def set_table(reports: list[tuple[str, dict]]) -> str:
    """Every set by category, one table (what `--write` puts in docs/evaluation.md)."""
    head = ["set", "category", "n", "answer", "short answer", "citation", "retrieved", "both sides", "refusal",
            "over-refusal", "false flags", "p95 ms"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    short = lambda rows, key: rate(rows, key).split(" ")[0]  # noqa: E731  "13/15"
    for name, report in reports:
        rows = report["rows"]
        for cat in sorted({r["cat"] for r in rows}):
            rs = [r for r in rows if r["cat"] == cat]
            ms = sorted(r["ms"] for r in rs)
            p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
            lines.append("| " + " | ".join([name, cat, str(len(rs))] + [short(rs, k) for k in (
                "answer_ok", "short_ok", "citation_ok", "retrieved_ok", "both_ok", "refusal_ok", "over_refusal",
                "false_flag")] + [f"{p95:.0f}"]) + " |")
    return "\n".join(lines)


def fitted_tables(fitted_file: Path, heldapart_file: Path) -> str:
    """The held-apart scores the fit and the reader's training wrote (models/fitted.json, models/reader/heldapart.json)."""
    out = []
    if fitted_file.exists():
        scores = json.loads(fitted_file.read_text(encoding="utf-8")).get("scores", {})
        cols = ["questions", "answer_sentence_retrieved", "shortlist_recall", "shortlist_first", "reader_first",
                "answer_shown", "sentences_shown", "answerable_auc", "near_topic_auc", "over_refusal",
                "refused_unanswerable", "refused_off_topic", "refused_near_topic", "short_answer_shown",
                "short_answer_right"]
        out += ["| part | " + " | ".join(c.replace("_", " ") for c in cols) + " |", "|" + "---|" * (len(cols) + 1)]
        out += [f"| {part} | " + " | ".join(str(r.get(c, "-")) for c in cols) + " |" for part, r in scores.items()]
        for part, r in scores.items():
            if r.get("refusal_curve"):
                out.append(f"\n{part}: SQuAD's unanswerable questions refused at over-refusal " +
                           ", ".join(f"{k} -> {v}" for k, v in r["refusal_curve"].items()))
    if heldapart_file.exists():
        h = json.loads(heldapart_file.read_text(encoding="utf-8"))
        out += ["", "| held apart | value |", "|---|---|"]
        for name in ("squad11_choice", "squadshifts_choice", "squad2_choice"):
            for k, v in h.get(name, {}).items():
                out.append(f"| {name.replace('_choice', '')} {k.replace('_', ' ')} | {v} |")
        for k, v in h.get("squad2_answerability", {}).items():
            out.append(f"| squad2 {k.replace('_', ' ')} | {v} |")
        for k in ("mnli_accuracy", "snli_accuracy", "perspectrum_accuracy", "boolq_accuracy"):
            if k in h:
                out.append(f"| {k.replace('_', ' ')} | {h[k]} |")
    return "\n".join(out)


def write_markdown(path: Path, reports: list[tuple[str, dict]], command: str) -> None:
    """docs/evaluation.md: the development sets' table, the held-apart figures, and the hand-written part kept."""
    import time

    from rag.answer.reader import MODEL_DIR
    from rag.answer.reading import FITTED

    old = path.read_text(encoding="utf-8") if path.exists() else ""
    kept = old[old.index(KEPT):] if KEPT in old else KEPT + "\n"
    text = f"""# Evaluation

Written by `{command}` on {time.strftime('%Y-%m-%d')} ({machine()}). Each set is
ingested into a store of its own and every question asked through the whole pipeline (`rag/train/evaluate.py` says
what each column counts). The product is judged on other questions and documents of the same kinds.

## Development sets

{set_table(reports)}

## Held apart: what the answer path is fitted on, and the reader model

`python -m rag fit` (models/fitted.json): SQuAD 2.0 questions asked of a store of 29 articles through the real
retriever and reader; calibration articles are fitted on, held-apart ones only scored (the reader trained on
neither).

{fitted_tables(FITTED, MODEL_DIR / 'heldapart.json')}

{kept}"""
    path.write_text(text, encoding="utf-8")
