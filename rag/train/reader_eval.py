"""The shipped reader's held-apart figures (the model card's): `python -m rag train reader --evaluate`.

Read with the int8 ONNX model as shipped (rag/answer/reader.py), on rows the model never trained on
(rag/train/reader_data.py's `held_apart_rows`):

- sentence choice: each answerable question against every sentence of its paragraph and the three sentences of
  other paragraphs of its article that share most of its words; the best-scored sentence holds an answer;
- short answer: the span the model marks in that sentence, exact match and F1 against the reference answers
  (SQuAD's normalisation: lower case, no punctuation or articles);
- answerability (SQuAD 2.0's held-apart articles): the best sentence's score as P(answerable); ROC AUC, and the
  share of unanswerable questions refused at 1, 2 and 5% over-refusal (the threshold at that quantile of the
  answerable questions' scores: a point of the curve, not the product's fitted threshold);
- NLI accuracy on MNLI dev matched and SNLI test (samples), stance accuracy on Perspectrum's test claims
  (support against undermine) and on the held-apart BoolQ rows (yes against no).
"""
from __future__ import annotations

import argparse
import collections
import json
import re
import string
import sys
import time
from pathlib import Path

import numpy as np

from rag.answer.reader import MODEL_DIR, NLI_LABELS, Reader
from rag.train.reader_data import NLI, held_apart_rows, normalised, overlap, split
from rag.nlp.text import stems


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """ROC AUC: the chance that a positive scores above a negative (ties count half)."""
    from scipy.stats import rankdata

    ranks = rankdata(scores)
    pos = int(labels.sum())
    neg = len(labels) - pos
    return float((ranks[labels].sum() - pos * (pos + 1) / 2) / (pos * neg)) if pos and neg else float("nan")


def squad_normal(text: str) -> str:
    text = "".join(ch for ch in text.lower() if ch not in set(string.punctuation))
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def f1(prediction: str, truth: str) -> float:
    p, t = squad_normal(prediction).split(), squad_normal(truth).split()
    common = sum((collections.Counter(p) & collections.Counter(t)).values())
    if not common:
        return 0.0
    precision, recall = common / len(p), common / len(t)
    return 2 * precision * recall / (precision + recall)


def question_candidates(row: dict, paragraphs: list[str], others: int = 3):
    """(sentences, headings, befores, holds-an-answer flags) for one question: its paragraph's sentences and the
    `others` sentences of other paragraphs of the article sharing most of its words."""
    q = frozenset(stems(row["question"]))
    heading = row["title"].replace("_", " ")
    ss = split(row["context"])
    answers = [normalised(a).lower() for a in row["answers"] if a.strip()]
    texts = [s.text for s in ss]
    befores = [ss[i - 1].text if i else "" for i in range(len(ss))]
    flags = [any(a in s.text.lower() for a in answers) for s in ss]
    pool = []
    for p in paragraphs:
        if p == row["context"]:
            continue
        ps = split(p)
        pool += [(overlap(q, s), s.text, ps[j - 1].text if j else "") for j, s in enumerate(ps)
                 if not any(a in s.text.lower() for a in answers)]
    for _, text, before in sorted(pool, key=lambda x: -x[0])[:others]:
        texts.append(text)
        befores.append(before)
        flags.append(False)
    return texts, [heading] * len(texts), befores, flags


def read_questions(reader: Reader, rows: list[dict]):
    """Per question: the scores of its candidates (answer logit), their flags, the best one's span text, and the
    best score within its own paragraph (SQuAD 2.0's answerability setting)."""
    by_title: dict[str, list[str]] = {}
    for r in rows:
        paras = by_title.setdefault(r["title"], [])
        if r["context"] not in paras:
            paras.append(r["context"])
    out = []
    for r in rows:
        texts, headings, befores, flags = question_candidates(r, by_title[r["title"]])
        if not texts:
            continue
        readings = reader.read([r["question"]] * len(texts), texts, headings, befores)
        scores = np.array([x.answer for x in readings])
        best = int(np.argmax(scores))
        span = readings[best].span
        own = len(split(r["context"]))
        out.append({"row": r, "scores": scores, "flags": np.array(flags), "best": best,
                    "span": texts[best][span[0]:span[1]] if span else "",
                    "own_best": float(scores[:own].max()) if own else float("-inf"),
                    "own_span": max((x.span_score for x in readings[:own]), default=float("-inf"))})
    return out


def choice_scores(read: list[dict]) -> dict:
    answerable = [x for x in read if not x["row"]["is_impossible"] and x["flags"].any()]
    top1 = np.mean([x["flags"][x["best"]] for x in answerable]) if answerable else float("nan")
    em = np.mean([max(float(squad_normal(x["span"]) == squad_normal(a)) for a in x["row"]["answers"])
                  for x in answerable]) if answerable else float("nan")
    f = np.mean([max(f1(x["span"], a) for a in x["row"]["answers"]) for x in answerable]) if answerable else float("nan")
    return {"questions": len(answerable), "sentence_first": round(float(top1), 3),
            "short_exact": round(float(em), 3), "short_f1": round(float(f), 3)}


def answerability_scores(read: list[dict]) -> dict:
    y = np.array([not x["row"]["is_impossible"] for x in read])
    out = {"questions": len(read), "unanswerable": int((~y).sum())}
    for name, key in (("best_sentence", "own_best"), ("best_span", "own_span")):
        s = np.array([x[key] for x in read])
        out[f"auc_{name}"] = round(auc(s, y), 3)
        for rate in (0.01, 0.02, 0.05):
            threshold = np.quantile(s[y], rate)
            out[f"refused_at_{int(rate * 100)}pct_{name}"] = round(float((s[~y] < threshold).mean()), 3)
    return out


def pair_accuracy(reader: Reader, firsts, seconds, labels, head: str, classes: list[int]) -> float:
    readings = reader.read(firsts, seconds)
    probs = np.array([getattr(x, head)[classes] for x in readings])
    predicted = np.array(classes)[probs.argmax(1)]
    return round(float((predicted == np.array(labels)).mean()), 3)


def evaluate(model: Path, log=print) -> dict:
    reader = Reader(model)
    rows = held_apart_rows()
    report: dict = {}
    t0 = time.perf_counter()
    for name in ("squad11", "squadshifts"):
        report[f"{name}_choice"] = choice_scores(read_questions(reader, rows[name]))
        log(f"  {name}: {report[f'{name}_choice']} ({time.perf_counter() - t0:.0f} s)")
    squad2 = read_questions(reader, rows["squad2"])
    report["squad2_choice"] = choice_scores(squad2)
    report["squad2_answerability"] = answerability_scores(squad2)
    log(f"  squad2: {report['squad2_choice']} {report['squad2_answerability']} ({time.perf_counter() - t0:.0f} s)")
    for name in ("mnli", "snli"):
        rs = rows[name]
        report[f"{name}_accuracy"] = pair_accuracy(reader, [r["premise"] for r in rs], [r["hypothesis"] for r in rs],
                                                   [NLI[r["label"]] for r in rs], "nli", [0, 1, 2])
    persp = rows["perspectrum"]
    report["perspectrum_accuracy"] = pair_accuracy(
        reader, [r["claim"] for r in persp], [r["perspective"] for r in persp],
        [0 if r["label"] == "support" else 1 for r in persp], "stance", [0, 1])
    boolq = rows["boolq"]
    report["boolq_accuracy"] = pair_accuracy(
        reader, [r["question"].strip().capitalize() + "?" for r in boolq], [normalised(r["context"]) for r in boolq],
        [0 if r["answers"] == ["yes"] else 1 for r in boolq], "stance", [0, 1])
    log(f"  nli/stance: mnli {report['mnli_accuracy']}, snli {report['snli_accuracy']}, perspectrum "
        f"{report['perspectrum_accuracy']}, boolq {report['boolq_accuracy']} ({time.perf_counter() - t0:.0f} s)")
    report["nli_labels"] = list(NLI_LABELS)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rag train reader --evaluate")
    parser.add_argument("--model", default=str(MODEL_DIR))
    parser.add_argument("--out", default=None, help="write the figures as JSON here (default: MODEL/heldapart.json)")
    args = parser.parse_args(argv)
    log = lambda *a: print(*a, file=sys.stderr, flush=True)  # noqa: E731
    report = evaluate(Path(args.model), log)
    out = Path(args.out) if args.out else Path(args.model) / "heldapart.json"
    out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=1))
    return 0
