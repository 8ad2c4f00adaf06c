"""Reading the evidence for a question with our reader model (rag/answer/reader.py, models/reader/): which sentence
answers it, where in it the answer is, and whether the documents answer at all.

1. Every sentence of the retrieved paragraphs is a candidate. A cheap ranker orders them (`shortlist`: word
   overlap weighted by rarity, the paragraph's retrieval similarity and rank, position; a conditional logit fitted
   by rag/train/fit.py) and the reader reads the first `RAG_READER_PAIRS` of them, each with its heading and the
   sentence before it (a recommendation item with the paragraph that introduces it). The model's time is the
   budget here: ~5 ms a pair on 2 cores.
2. The reader's answer logit ranks the sentences it read (the others follow, in shortlist order); a softmax over
   them gives each the probability that it is the sentence that answers, which the answer's coverage adds up.
3. Whether the documents answer: a logistic model on the best reading (its answer logit, its span score) and on
   what no document holds of the question's names and words (`QUESTION_FEATURES`), fitted by rag/train/fit.py on
   SQuAD 2.0 articles the reader never trained on; refuse below the fitted threshold.

Every weight and threshold is read from models/fitted.json (written by `python -m rag fit`).
"""
from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from rag.config import ROOT
from rag.model import RECOMMENDATION, Evidence
from rag.nlp.question import DATE, NUMBER, ORG, PERSON, PLACE, THING, Question, as_read, values
from rag.answer.reader import PairReading, Reader
from rag.nlp.text import sentences, stems

FITTED = ROOT / "models" / "fitted.json"  # written by `python -m rag fit`
TYPED = (PERSON, ORG, PLACE, DATE, NUMBER)
VALUED = (*TYPED, THING)  # questions a value can answer; not recommendations, reasons, manners or yes/no

SHORTLIST_FEATURES = (
    "lex",            # rarity-weighted share of the question's topic words the sentence holds
    "setting",        # share of topic words in the sentence's paragraph, heading and introduction
    "proper",         # share of the question's names and figures in the sentence
    "dense_p",        # similarity in meaning of the paragraph and the question (retrieval's)
    "dense_p_rel",    # that, relative to the best paragraph's
    "rank",           # 1 / (1 + the paragraph's retrieval rank)
    "typed_value",    # the question asks for a typed value (date, figure, name) and the sentence holds one
    "first",          # first sentence of its paragraph
    "length",         # words / 40, at most 1
)
QUESTION_FEATURES = (
    "top_logit",      # the reader's answer logit for the best sentence
    "top_span",       # the reader's span score there (its best span against "nowhere")
    "second_logit",   # the reader's logit for the second-best sentence of another paragraph
    "unknown",        # rarity-weighted share of the question's topic words no document holds
    "proper_unknown", # share of the question's names and figures that no document holds
    "proper_missing", # share of them missing from the best sentence's paragraph, section and title
)


@dataclass
class Candidate:
    evidence: Evidence
    index: int  # sentence position in its paragraph
    sentence: str
    features: np.ndarray  # SHORTLIST_FEATURES
    prior: float = 0.0  # the shortlist ranker's logit
    logit: float = -1e9  # the reader's answer logit (unread: far below every read one)
    prob: float = 0.0  # probability that this is the sentence that answers (softmax over read candidates)
    read: PairReading | None = None  # the reader's whole reading of the pair, where it read it

    @property
    def short(self) -> str | None:
        """The answer's words in this sentence as the reader marks them, where it read it."""
        if self.read is None or self.read.span is None:
            return None
        a, b = self.read.span
        return self.sentence[a:b].strip() or None


@dataclass
class Reading:
    question: Question
    candidates: list[Candidate]  # best first
    answerable: float  # probability that the documents answer the question
    threshold: float  # refuse below this (fitted)
    features: np.ndarray = field(default_factory=lambda: np.zeros(len(QUESTION_FEATURES)))
    judge: object = None  # candidates -> P(answerable) from those alone (set by read_evidence)
    coverage: float = 0.9  # the answer shows the best sentences until their probabilities add up to this (fitted)
    known: object = None  # a stemmed word -> whether any indexed document has it (set by read_evidence)
    uses: object = None  # (stemmed word, doc_id) -> whether that document has it (set by Assistant.reading)
    reader_ms: float = 0.0  # the model's time on this question
    item_at: float = 0.0  # a recommendation item matches a lookup where its answer logit reaches this (fitted)
    short_model: LinearModel | None = None  # short-answer features -> logit that the span holds the answer (fitted)
    short_at: float = math.inf  # a short answer is given where that probability reaches this (fitted)

    @property
    def found(self) -> bool:
        return bool(self.candidates) and self.answerable >= self.threshold

    @property
    def read(self) -> list[Candidate]:
        """The candidates the reader read, best first."""
        return [c for c in self.candidates if c.read is not None]

    def shown(self, candidates: list["Candidate"]) -> list[tuple["Candidate", float]]:
        """Of one holder's candidates (best first), those the answer would show were it the only holder, with
        their probabilities renormalised among the holder's candidates: the best until those add up to the
        coverage."""
        out, mass = [], 0.0
        for c, p in zip(candidates, renormalised(candidates)):
            out.append((c, p))
            mass += p
            if mass >= self.coverage:
                break
        return out

    def short_answer(self) -> tuple[str, Evidence] | None:
        """The value that answers, as the reader marks it in the best sentence, and that sentence's evidence:
        where the documents answer, the question can be answered by a value, and the fitted probability that the
        span holds the answer (`short_features`) reaches the fitted line. None where the answer is a passage."""
        if not self.found or self.question.answer_type not in VALUED or self.short_model is None:
            return None
        top = self.candidates[0]
        if top.read is None or top.short is None:
            return None
        p = float(self.short_model.probability(short_features(self.question, top)[None, :])[0])
        return (top.short, top.evidence) if p >= self.short_at else None

    def answers_alone(self, candidates: list["Candidate"]) -> bool:
        """Whether these candidates (one holder's) would answer the question by themselves, judged by the same
        fitted model and threshold as the whole evidence."""
        return self.judge is not None and bool(candidates) and self.judge(candidates) >= self.threshold


@dataclass
class LinearModel:
    weights: np.ndarray
    bias: float = 0.0
    mean: np.ndarray | None = None  # features are standardised with the fitting set's mean and scale
    scale: np.ndarray | None = None

    def __call__(self, x: np.ndarray) -> np.ndarray:
        if self.mean is not None:
            x = (x - self.mean) / self.scale
        return x @ self.weights + self.bias

    def probability(self, x: np.ndarray) -> np.ndarray:
        """The logistic of the logits: for a model fitted as a logistic regression, its probabilities."""
        return 1 / (1 + np.exp(-self(x)))

    @classmethod
    def from_json(cls, d: dict) -> "LinearModel":
        return cls(np.asarray(d["weights"], dtype="float64"), float(d.get("bias", 0.0)),
                   np.asarray(d["mean"]) if "mean" in d else None, np.asarray(d["scale"]) if "scale" in d else None)

    def to_json(self, names) -> dict:
        out = {"features": list(names), "weights": [round(float(w), 6) for w in self.weights],
               "bias": round(float(self.bias), 6)}
        if self.mean is not None:
            out["mean"] = [round(float(v), 6) for v in self.mean]
            out["scale"] = [round(float(v), 6) for v in self.scale]
        return out


@dataclass
class Fitted:
    shortlist: LinearModel
    answerable: LinearModel
    threshold: float  # refuse when P(answerable) is below this
    coverage: float  # show the best sentences until their probabilities add up to this
    weak: float  # an answer whose P(answerable) is below this rests on weak evidence
    short: LinearModel | None = None  # short-answer features -> logit that the span holds the answer
    short_answer: float = 1.0  # a short answer is shown where that probability reaches this
    item_match: float = 0.0  # a recommendation item answers a lookup where its answer logit reaches this
    extra: dict = field(default_factory=dict)  # what the both-sides reading fitted (rag/train/fit.py)


@lru_cache(maxsize=4)
def load_fitted(path: str | Path = FITTED) -> Fitted:
    d = json.loads(Path(path).read_text(encoding="utf-8"))
    return Fitted(LinearModel.from_json(d["shortlist"]), LinearModel.from_json(d["answerable"]),
                  float(d["threshold"]), float(d["coverage"]), float(d.get("weak", d["threshold"])),
                  LinearModel.from_json(d["short"]) if "short" in d else None, float(d.get("short_answer", 1.0)),
                  float(d.get("item_match", 0.0)), dict(d.get("sides", {})))


SHORT_FEATURES = (
    "span",    # the span's start + end logits less the "nowhere" score (SQuAD 2.0's), clipped to +-10
    "answer",  # the sentence's answer logit
    "typed",   # the question asks for a typed value (who, when, where, how many) and the span holds one
    "words",   # log(1 + the span's words)
)


def short_features(question: Question, top: "Candidate") -> np.ndarray:
    """What the fit reads to judge whether the reader's span in the best sentence holds the answer."""
    span = top.short or ""
    typed = question.answer_type in TYPED and bool(values(span, question.answer_type, question))
    return np.array([max(-10.0, min(10.0, top.read.span_score)), top.logit, float(typed),
                     math.log1p(len(span.split()))], dtype="float64")


def weighted_share(have: set[str], terms: list[str], weight) -> float:
    total = sum(weight(t) for t in terms)
    return sum(weight(t) for t in terms if t in have) / total if total else 0.0


def candidates_of(question: Question, evidence: list[Evidence], idf) -> list[Candidate]:
    """Every sentence of the evidence with its shortlist features (unscored). `idf(stem)` weighs words."""
    topics = question.topics
    best_p = max((e.score for e in evidence), default=0.0) or 1.0
    typed = question.answer_type in TYPED
    out: list[Candidate] = []
    for rank, e in enumerate(evidence):
        p = e.paragraph
        setting_share = weighted_share(stems(f"{p.section or ''} {p.context or ''} {p.text}"), topics, idf)
        # a recommendation item is read whole (its number's text, with the states in brackets after it)
        for i, s in enumerate([p.text] if p.kind == RECOMMENDATION else sentences(p.text)):
            own = stems(s)
            x = np.array([
                weighted_share(own, topics, idf),
                setting_share,
                len(own & set(question.proper)) / len(question.proper) if question.proper else 0.0,
                e.score,
                e.score / best_p,
                1.0 / (1 + rank),
                float(typed and bool(values(s, question.answer_type, question))),
                float(i == 0),
                min(1.0, len(s.split()) / 40),
            ], dtype="float64")
            out.append(Candidate(e, i, s, x))
    return out


def renormalised(candidates: list[Candidate]) -> np.ndarray:
    """The candidates' probabilities of holding the answer were they the only ones (a softmax of their logits)."""
    logits = np.array([c.logit for c in candidates])
    probs = np.exp(logits - logits.max())
    return probs / probs.sum()


def heading_of(e: Evidence) -> str:
    return e.paragraph.section or e.document.title or ""


def before_of(c: Candidate) -> str:
    """The text the reader reads before a candidate: the sentence before it in its paragraph; for a paragraph's
    first sentence, the paragraph that introduces it (a recommendation item's), if any."""
    if c.index > 0:
        return sentences(c.evidence.paragraph.text)[c.index - 1]
    return c.evidence.paragraph.context or ""


def shortlist(cands: list[Candidate], model: LinearModel, pairs: int, must: list[Candidate] = ()) -> list[Candidate]:
    """The candidates the reader reads: `must` (every recommendation item of a lookup), then the best of the rest
    by the shortlist ranker, `pairs` in all (at least every `must`)."""
    if cands:
        for c, z in zip(cands, model(np.stack([c.features for c in cands]))):
            c.prior = float(z)
    chosen = {id(c): c for c in must}
    for c in sorted(cands, key=lambda c: -c.prior):
        if len(chosen) >= max(pairs, len(must)):
            break
        chosen.setdefault(id(c), c)
    return list(chosen.values())


def read_candidates(question: str, chosen: list[Candidate], reader: Reader) -> None:
    readings = reader.read([question] * len(chosen), [c.sentence for c in chosen],
                           [heading_of(c.evidence) for c in chosen], [before_of(c) for c in chosen])
    for c, r in zip(chosen, readings):
        c.read, c.logit = r, r.answer


def rank(cands: list[Candidate]) -> list[Candidate]:
    """Read candidates by the reader's logit, best first, with their softmax probabilities; then the unread, by
    the shortlist ranker."""
    read = sorted((c for c in cands if c.read is not None), key=lambda c: -c.logit)
    if read:
        for c, p in zip(read, renormalised(read)):
            c.prob = float(p)
    unread = sorted((c for c in cands if c.read is None), key=lambda c: -c.prior)
    return read + unread


def question_features(question: Question, ranked: list[Candidate], idf, known) -> np.ndarray:
    read = [c for c in ranked if c.read is not None]
    if not read:
        return np.array([-10.0, -10.0, -10.0, 0.0, 0.0, 1.0])
    top = read[0]
    second = next((c.logit for c in read[1:] if c.evidence.paragraph.id != top.evidence.paragraph.id), -10.0)
    p = top.evidence.paragraph
    top_setting = stems(f"{top.evidence.document.title} {p.section or ''} {p.context or ''} {p.text}")
    names = question.proper
    return np.array([
        top.logit,
        max(-10.0, min(10.0, top.read.span_score)),
        max(-10.0, second),
        weighted_share({t for t in question.topics if not known(t)}, question.topics, idf),
        sum(not known(t) for t in names) / len(names) if names else 0.0,
        sum(t not in top_setting for t in names) / len(names) if names else 0.0,
    ], dtype="float64")


def read_evidence(question: Question, evidence: list[Evidence], idf, known, reader: Reader, pairs: int,
                  fitted: Fitted | None = None, asked: str | None = None) -> Reading:
    """Shortlist the evidence's sentences, read them, and judge whether the documents answer the question at all.
    A recommendation lookup has every recommendation item of the evidence read. `asked` is the question as the
    user typed it (the reader reads that, not the folded form `question.text`, less the words that pick out which
    source it asks about: `as_read`)."""
    fitted = fitted or load_fitted()
    cands = candidates_of(question, evidence, idf)
    must = [c for c in cands if c.evidence.paragraph.kind == RECOMMENDATION and c.index == 0] \
        if question.asks_recommendations else []
    chosen = shortlist(cands, fitted.shortlist, pairs, must)
    t0 = time.perf_counter()
    read_candidates(as_read(asked or question.text), chosen, reader)
    took = (time.perf_counter() - t0) * 1000
    ranked = rank(cands)

    def judge(candidates: list[Candidate]) -> float:
        x = question_features(question, candidates, idf, known)
        return float(fitted.answerable.probability(x[None, :])[0])

    def judge_alone(candidates: list[Candidate]) -> float:
        return judge(sorted(candidates, key=lambda c: -c.logit))

    x = question_features(question, ranked, idf, known)
    p = judge(ranked) if ranked else 0.0
    return Reading(question, ranked, p, fitted.threshold, x, judge_alone, fitted.coverage, known, reader_ms=took,
                   short_model=fitted.short, short_at=fitted.short_answer, item_at=fitted.item_match)
