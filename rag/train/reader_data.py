"""The reader's training and held-apart examples, from the public data in ../shared/eval/train/ (its README and
SOURCES.md give each file's source and licence).

Three tasks, one model (rag/answer/reader.py):

- **answer** (question, sentence -> does it hold the answer; where it does, the answer's span): SQuAD 1.1's
  training questions, SQuADShifts (new Wikipedia, Reddit, Amazon reviews) and the SQuAD 2.0 subset (with its
  unanswerable questions). Each answerable question gives its answer's sentence (positive, with the span) and
  negatives the way a user's question meets them: the paragraph's other sentence that shares most of the
  question's words, another of its sentences at random, and the sentence of another paragraph of the article
  that shares most of its words (holding none of its answers). Each SQuAD 2.0 unanswerable question gives the
  three sentences of its paragraph that share most of its words, all negatives: the look-alike case.
  Every sentence is read with its heading (the article's title) and the sentence before it, as in the app.
- **nli** (premise, hypothesis -> entailment / neutral / contradiction): the NLI sets, less the held-apart ones.
- **stance** (claim or yes/no question, sentence -> support / undermine / neither): Perspectrum (its own split by
  claim), "neither" from a perspective of another claim; a claim "X should Y" is also asked as "Should X Y?"
  (general English inversion) half the time, as users ask; BoolQ (yes/no question + passage -> support / undermine).

Splits: by article for QA (never a question of a held-apart article in training), Perspectrum by its claim split,
NLI by file. The SQuAD 2.0 subset's articles are split three ways (`squad2_part`): held apart (rag/train/fit.py's
held-apart articles: only scored), calibration (articles holding both kinds of question: the refusal threshold
and the answerability model are fitted there, on questions the reader never read) and training (the rest).
"""
from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass

import numpy as np

from rag.config import ROOT
from rag.nlp.text import sentences, stems

TRAIN_DIR = ROOT.parent / "shared" / "eval" / "train"
TASKS = ("answer", "nli", "stance")
NLI = {"entailment": 0, "neutral": 1, "contradiction": 2}
STANCE = {"support": 0, "undermine": 1, "neither": 2}
# NLI files kept apart for the held-apart figures (the dataset authors' own dev / test splits)
NLI_HELD = ("nli_mnli", "nli_snli")


@dataclass
class Example:
    task: str  # answer | nli | stance
    first: str  # the question, premise or claim
    second: str  # the sentence, hypothesis or perspective
    label: int  # answer: 1 holds the answer / 0 not; nli and stance: the index in NLI / STANCE
    heading: str = ""
    before: str = ""  # the sentence before `second` in its paragraph
    span: tuple[int, int] | None = None  # the answer's characters in `second` (answer positives)
    group: str = ""  # the question's id: its sentences are one group (sentence choice)
    kind: str = ""  # answerable | unanswerable | other-paragraph | ... (what the example stands for)
    source: str = ""
    answers: tuple[str, ...] = ()  # reference answers (for exact match / F1)


def read_rows(name: str) -> list[dict]:
    with gzip.open(TRAIN_DIR / f"{name}.jsonl.gz", "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def every_nth(titles, n: int, offset: int = 0) -> set[str]:
    return set(sorted(titles)[offset::n])


def squad2_part(rows: list[dict]) -> dict[str, str]:
    """title -> "held" | "calibrate" | "train" for the SQuAD 2.0 subset. Held apart: rag/train/fit.py's articles (every
    fifth by name). Calibration: of the other articles holding both kinds of question, every third by name."""
    held = every_nth({r["title"] for r in rows}, 5, 4)
    kinds: dict[str, set[bool]] = {}
    for r in rows:
        kinds.setdefault(r["title"], set()).add(bool(r["is_impossible"]))
    both = sorted(t for t, k in kinds.items() if len(k) == 2 and t not in held)
    calibrate = set(both[::3])
    return {t: "held" if t in held else "calibrate" if t in calibrate else "train" for t in kinds}


# ------------------------------------------------------------------------------------------- sentences
@dataclass
class Sentence:
    text: str
    start: int  # characters into the whitespace-normalised paragraph
    end: int
    stems: frozenset


def normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def in_normalised(text: str, at: int) -> int:
    """A character offset of `text` as an offset into `normalised(text)`."""
    return len(re.sub(r"\s+", " ", text[:at]).lstrip())


_split_cache: dict[str, list[Sentence]] = {}


def split(paragraph: str) -> list[Sentence]:
    """The paragraph's sentences as the app splits them (rag/nlp/text.py), with where each sits."""
    if paragraph in _split_cache:
        return _split_cache[paragraph]
    text = normalised(paragraph)
    out, pos = [], 0
    for s in sentences(text):
        at = text.find(s, pos)
        at = pos if at < 0 else at
        out.append(Sentence(s, at, at + len(s), frozenset(stems(s))))
        pos = at + len(s)
    _split_cache[paragraph] = out
    return out


def overlap(question: frozenset, sentence: Sentence) -> float:
    return len(question & sentence.stems) / (1 + len(question))


# --------------------------------------------------------------------------------------------- answer task
def answer_examples(rows: list[dict], rng: np.random.Generator, source: str, unanswerable_weight: int = 1,
                    other_paragraph: bool = True) -> list[Example]:
    """Positives and negatives (module docstring) for each question of `rows` (one article's or many)."""
    by_title: dict[str, list[str]] = {}
    for r in rows:
        paras = by_title.setdefault(r["title"], [])
        if r["context"] not in paras:
            paras.append(r["context"])
    out: list[Example] = []
    for r in rows:
        heading = r["title"].replace("_", " ")
        ss = split(r["context"])
        if not ss:
            continue
        q = frozenset(stems(r["question"]))
        gid = r.get("id") or f"{r['title']}:{r['question']}"
        answers = tuple(a for a in r["answers"] if a.strip())

        def ex(i: int, label: int, kind: str, span=None) -> Example:
            return Example("answer", r["question"], ss[i].text, label, heading, ss[i - 1].text if i else "",
                           span, gid, kind, source, answers)

        if r["is_impossible"]:
            ranked = sorted(range(len(ss)), key=lambda i: -overlap(q, ss[i]))
            picks = ranked[:2] + ([int(rng.choice(ranked[2:]))] if len(ranked) > 2 else [])
            for _ in range(unanswerable_weight):
                out += [ex(i, 0, "unanswerable") for i in picks]
            continue
        text = normalised(r["context"])
        golds: set[int] = set()
        first_span = None
        for a, at in zip(r["answers"], r["answer_start"]):
            if at < 0 or not a.strip():
                continue
            a_start = in_normalised(r["context"], at)
            a_norm = normalised(a)
            if text[a_start:a_start + len(a_norm)].lower() != a_norm.lower():
                continue
            for i, s in enumerate(ss):
                if s.start <= a_start and a_start + len(a_norm) <= s.end:
                    golds.add(i)
                    if first_span is None:
                        first_span = (i, a_start - s.start, a_start - s.start + len(a_norm))
        if first_span is None:
            continue
        i, a, b = first_span
        out.append(ex(i, 1, "answerable", (a, b)))
        others = [j for j in range(len(ss)) if j not in golds]
        if others:
            hard = max(others, key=lambda j: overlap(q, ss[j]))
            out.append(ex(hard, 0, "same-paragraph"))
            rest = [j for j in others if j != hard]
            if rest:
                out.append(ex(int(rng.choice(rest)), 0, "same-paragraph"))
        if other_paragraph:
            lowered = [a.lower() for a in answers]
            best, best_score = None, 0.0
            for p in by_title[r["title"]]:
                if p == r["context"]:
                    continue
                for j, s in enumerate(split(p)):
                    score = overlap(q, s)
                    if score > best_score and not any(x in s.text.lower() for x in lowered):
                        best, best_score = (p, j), score
            if best is not None:
                p, j = best
                ps = split(p)
                out.append(Example("answer", r["question"], ps[j].text, 0, heading, ps[j - 1].text if j else "",
                                   None, gid, "other-paragraph", source, answers))
    return out


def sample_rows(rows: list[dict], n: int | None, rng: np.random.Generator) -> list[dict]:
    if n is None or n >= len(rows):
        return rows
    return [rows[i] for i in sorted(rng.choice(len(rows), size=n, replace=False))]


# -------------------------------------------------------------------------------------------- stance task
_INVERTIBLE = re.compile(r"^(?P<subject>[^,;:]{2,80}?)\s+(?P<aux>should|must|can|could|will|would|is|are|was|were|"
                         r"has|have|does|do|ought to)\s+(?P<rest>.+?)[.!]?$", re.I)


def as_question(claim: str) -> str | None:
    """'Vaccination must be made compulsory' -> 'Must vaccination be made compulsory?' (general English subject-
    auxiliary inversion), where the claim opens with a short subject and an auxiliary; else None."""
    m = _INVERTIBLE.match(claim.strip())
    if not m or len(m.group("subject").split()) > 8:
        return None
    subject = m.group("subject")
    if not (len(subject) > 1 and subject[1].isupper()) and not subject.split()[0].isupper():
        subject = subject[0].lower() + subject[1:]
    aux = m.group("aux").lower()
    if aux == "ought to":
        return f"Ought {subject} to {m.group('rest')}?"
    return f"{aux.capitalize()} {subject} {m.group('rest')}?"


def stance_examples(rows: list[dict], rng: np.random.Generator, neither_share: float = 0.33,
                    question_share: float = 0.5) -> list[Example]:
    out = []
    by_claim: dict[str, list[dict]] = {}
    for r in rows:
        by_claim.setdefault(r["claim_id"], []).append(r)
    claims = sorted(by_claim)
    for r in rows:
        claim = r["claim"]
        asked = as_question(claim)
        first = asked if asked and rng.random() < question_share else claim
        out.append(Example("stance", first, r["perspective"], STANCE[r["label"]], group=r["claim_id"],
                           kind=r["label"], source=r["source"]))
        if rng.random() < neither_share / (1 - neither_share) and len(claims) > 1:
            other = claims[int(rng.integers(len(claims)))]
            if other != r["claim_id"]:
                o = by_claim[other][int(rng.integers(len(by_claim[other])))]
                out.append(Example("stance", first, o["perspective"], STANCE["neither"], group=r["claim_id"],
                                   kind="neither", source=r["source"]))
    return out


def boolq_examples(rows: list[dict]) -> list[Example]:
    return [Example("stance", r["question"].strip().capitalize() + "?", normalised(r["context"]),
                    STANCE["support" if r["answers"] == ["yes"] else "undermine"], group=r["id"],
                    kind="boolq", source=r.get("source", "boolq")) for r in rows]


# ----------------------------------------------------------------------------------------------- nli task
NLI_CAPS = {"nli_mnli_train": None, "nli_mnli_mismatched": None, "nli_cad_snli": None, "nli_fever": 6000,
            "nli_contract_nli": None, "nli_conjnli": 5000, "nli_negation": None, "nli_scitail": None,
            "nli_breaking_nli": 3000}


def nli_examples(name: str, rng: np.random.Generator, cap: int | None = None) -> list[Example]:
    rows = sample_rows(read_rows(name), cap, rng)
    return [Example("nli", r["premise"], r["hypothesis"], NLI[r["label"]], kind=r["label"], source=name)
            for r in rows if r["label"] in NLI]


# ---------------------------------------------------------------------------------------------- the sets
@dataclass
class Sizes:
    """How many questions of each source are read for training (a fixed-seed sample)."""

    squad11: int | None = 20000
    shifts: int | None = 5000
    squad2: int | None = None  # every question of the training articles
    unanswerable_weight: int = 2  # each unanswerable question's negatives appear this many times
    nli_scale: float = 1.0  # share of each NLI file's cap
    stance_scale: float = 1.0  # share of the stance rows
    answer: bool = True  # the answer and span task's pairs (False: NLI and stance only)
    nli_caps: bool = True  # False: every row of every NLI file (NLI_CAPS lifted)


def qa_split(rows: list[dict], n: int, offset: int = 0) -> tuple[list[dict], list[dict]]:
    """(training rows, held-apart rows), by article: every n-th title held apart."""
    held = every_nth({r["title"] for r in rows}, n, offset)
    return [r for r in rows if r["title"] not in held], [r for r in rows if r["title"] in held]


def training_examples(sizes: Sizes, seed: int = 13, log=print) -> list[Example]:
    rng = np.random.default_rng(seed)
    out: list[Example] = []
    squad11, _ = qa_split(read_rows("qa_squad11_train"), 25)
    if sizes.answer:
        out += answer_examples(sample_rows(squad11, sizes.squad11, rng), rng, "squad11")
        shifts, _ = qa_split(read_rows("qa_squadshifts"), 25)
        out += answer_examples(sample_rows(shifts, sizes.shifts, rng), rng, "squadshifts")
        squad2 = read_rows("squad2_train_subset")
        part = squad2_part(squad2)
        train2 = [r for r in squad2 if part[r["title"]] == "train"]
        out += answer_examples(sample_rows(train2, sizes.squad2, rng), rng, "squad2", sizes.unanswerable_weight)
        log(f"  answer: {sum(e.task == 'answer' for e in out):,} pairs")
    for name, cap in NLI_CAPS.items():
        if not sizes.nli_caps:
            cap = None
        else:
            cap = None if cap is None and sizes.nli_scale >= 1 else int((cap or 12000) * sizes.nli_scale)
        out += nli_examples(name, rng, cap)
    log(f"  nli: {sum(e.task == 'nli' for e in out):,} pairs")
    if sizes.stance_scale > 0:
        persp = [r for r in read_rows("stance_perspectrum") if r["split"] in ("train", "dev")]
        out += stance_examples(sample_rows(persp, int(len(persp) * sizes.stance_scale), rng), rng)
        boolq = [r for i, r in enumerate(read_rows("qa_boolq")) if i % 5]
        out += boolq_examples(sample_rows(boolq, int(len(boolq) * sizes.stance_scale), rng))
        log(f"  stance: {sum(e.task == 'stance' for e in out):,} pairs")
    return out


def held_apart_rows(max_squad11: int = 1500, seed: int = 13) -> dict[str, list[dict]]:
    """The held-apart rows the model card reports on: SQuAD 1.1 and SQuADShifts questions of held-apart articles
    (samples), the SQuAD 2.0 subset's held-apart articles (every question), MNLI dev matched, SNLI test,
    Perspectrum's test claims and every fifth BoolQ row."""
    rng = np.random.default_rng(seed)
    _, squad11 = qa_split(read_rows("qa_squad11_train"), 25)
    _, shifts = qa_split(read_rows("qa_squadshifts"), 25)
    squad2 = read_rows("squad2_train_subset")
    part = squad2_part(squad2)
    boolq = read_rows("qa_boolq")
    snli = [r for r in read_rows("nli_snli") if r.get("split") == "test"]
    return {
        "squad11": sample_rows(squad11, max_squad11, rng),
        "squadshifts": sample_rows(shifts, max_squad11, rng),
        "squad2": [r for r in squad2 if part[r["title"]] == "held"],
        "mnli": sample_rows(read_rows("nli_mnli"), 3000, rng),
        "snli": sample_rows(snli, 3000, rng),
        "perspectrum": [r for r in read_rows("stance_perspectrum") if r["split"] == "test"],
        "boolq": [r for i, r in enumerate(boolq) if i % 5 == 0],
    }
