"""Reading the evidence for a question: which sentence answers it, and whether any does.

Every candidate sentence (each sentence of each retrieved paragraph) gets a feature vector (`sentence_features`):
how many of the question's words it holds (weighted by rarity), how close it is in meaning, whether it holds a
value of the asked type (a date for "when", a figure for "how many"), where it sits. A log-linear ranker scores
them (a softmax over one question's candidates: the probability that each is the sentence that answers it).
An answerability model then reads the best candidate and the evidence as a whole (`question_features`) and says
how likely it is that the documents answer the question at all.

A question's words are weighed by rarity and by their salience: how often a question's word is also in its answer's
sentence ("how *many*", "what *year*" are not; the thing asked about is). Both models' weights, the salience and
the refusal threshold are fitted on SQuAD 2.0 questions by `python -m rag fit`
(rag/fit.py) and read from `rag/fitted.json`; nothing here is a hand-set weight.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from rag.model import Evidence
from rag.question import DATE, NUMBER, ORG, PERSON, PLACE, NEGATION, Question, counts, values
from rag.text import content_words, sentences, stem, stems, words

FITTED = Path(__file__).with_name("fitted.json")
TYPED = (PERSON, ORG, PLACE, DATE, NUMBER)

SENTENCE_FEATURES = (
    "lex",            # rarity-weighted share of the question's topic words the sentence holds
    "lex_local",      # the same, rarity counted among the candidate sentences (what tells them apart)
    "setting",        # share of topic words in the sentence's paragraph, heading and introduction
    "bigrams",        # share of the question's adjacent topic-word pairs found next to each other
    "proper",         # share of the question's names and figures in the sentence
    "dense_s",        # similarity in meaning of sentence and question (the paragraph's, where not computed)
    "dense_p",        # similarity of the paragraph and the question
    "dense_p_rel",    # that, relative to the best paragraph's
    "rank",           # 1 / (1 + the paragraph's retrieval rank)
    "typed_value",    # the question asks for a typed value (date, figure, name) and the sentence holds one
    "typed_missing",  # it asks for one and the sentence holds none
    "first",          # first sentence of its paragraph
    "length",         # words / 40, at most 1
    "negation_gap",   # the question is negated and the sentence is not
    "subject",        # the sentence names the subject of the question's verb ("What must *residents* do?")
)
QUESTION_FEATURES = (
    "top_logit",      # the best sentence's ranker score (log-odds against the rest)
    "top_prob",       # its softmax probability
    "top_lex",        # its lexical coverage of the question
    "top_dense",      # its similarity in meaning
    "best_dense_p",   # the best paragraph's similarity
    "coverage",       # rarity-weighted share of topic words anywhere in the best paragraphs
    "top_setting",    # rarity-weighted share of topic words in the best sentence's paragraph, section and title
    "unknown",        # rarity-weighted share of topic words no document holds
    "proper_unknown", # share of the question's names and figures that no document holds
    "proper_missing", # share of the question's names and figures missing from the best sentence's paragraph
    "typed_missing",  # the best sentence lacks a value of the asked type
    "count_missing",  # "how many X?" and none of the three best sentences puts a number before X
    "negation_gap",   # the question is negated and the best sentence is not
    "few_topics",     # the question has at most two topic words
)


@dataclass
class Candidate:
    evidence: Evidence
    index: int  # sentence position in its paragraph
    sentence: str
    features: np.ndarray
    logit: float = 0.0
    prob: float = 0.0  # probability that this is the sentence that answers (softmax over candidates)


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

    @property
    def found(self) -> bool:
        return bool(self.candidates) and self.answerable >= self.threshold

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

    def answers_alone(self, candidates: list["Candidate"]) -> bool:
        """Whether these candidates (one holder's) would answer the question by themselves, judged by the same
        fitted model and threshold as the whole evidence: their probabilities renormalised among themselves."""
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
class Salience:
    """How much a question's word says what the question is about: the share of questions asking with it whose
    answer sentence holds it too (fitted: rag/fit.py's `fit_salience`). Frame words score low ("how *many*",
    "what *year*", "another *name* for"), a thing asked about high; a word never seen in fitting gets the prior."""
    stems: dict[str, float] = field(default_factory=dict)
    prior: float = 1.0

    def of(self, term: str) -> float:
        return self.stems.get(term, self.prior)

    def weigh(self, idf):
        """Rarity times salience: how a question's word is weighed against the others."""
        return lambda term: idf(term) * self.of(term)

    @classmethod
    def from_json(cls, d: dict | None) -> "Salience":
        return cls(dict(d["stems"]), float(d["prior"])) if d else cls()

    def to_json(self) -> dict:
        return {"prior": round(self.prior, 4), "stems": {t: round(v, 3) for t, v in sorted(self.stems.items())}}


@dataclass
class Fitted:
    ranker: LinearModel
    answerable: LinearModel
    threshold: float  # refuse when P(answerable) is below this
    coverage: float  # show the best sentences until their probabilities add up to this
    weak: float  # an answer whose P(answerable) is below this rests on weak evidence
    salience: Salience = field(default_factory=Salience)


@lru_cache(maxsize=4)
def load_fitted(path: str | Path = FITTED) -> Fitted:
    d = json.loads(Path(path).read_text(encoding="utf-8"))
    return Fitted(LinearModel.from_json(d["ranker"]), LinearModel.from_json(d["answerable"]),
                  float(d["threshold"]), float(d["coverage"]),
                  float(d.get("weak", d["threshold"])), Salience.from_json(d.get("salience")))


def weighted_share(have: set[str], terms: list[str], weight) -> float:
    total = sum(weight(t) for t in terms)
    return sum(weight(t) for t in terms if t in have) / total if total else 0.0


def bigram_share(question: Question, sentence_stems: list[str]) -> float:
    pairs = {(a, b) for a, b in zip(question.topics, question.topics[1:])}
    if not pairs:
        return 0.0
    have = set(zip(sentence_stems, sentence_stems[1:]))
    return len(pairs & have) / len(pairs)


def sentence_features(question: Question, evidence: list[Evidence], idf, similar=None,
                      dense_paragraphs: int = 8, dense_limit: int = 48) -> list[Candidate]:
    """Every sentence of the evidence with its features (unscored). `idf(stem)` weighs words; `similar(texts)`
    gives the question's similarity to each text (sentence vectors, cached by the caller); sentences of the
    best `dense_paragraphs` paragraphs (at most `dense_limit`) get their own similarity."""
    split = [(e, sentences(e.paragraph.text)) for e in evidence]
    dense = {}
    if similar is not None:
        keys, texts = [], []
        for e, ss in sorted(split, key=lambda item: -item[0].score)[:dense_paragraphs]:
            for i, s in enumerate(ss):
                if len(texts) < dense_limit:
                    keys.append((e.n, i))
                    texts.append(s)
        dense = dict(zip(keys, similar(texts)))
    topics = question.topics
    all_stems = [stems(s) for _, ss in split for s in ss]
    n = len(all_stems)
    local = {t: math.log(1 + n / (1 + sum(t in c for c in all_stems))) for t in topics}
    best_p = max((e.score for e in evidence), default=0.0) or 1.0
    typed = question.answer_type in TYPED
    out: list[Candidate] = []
    k = 0
    for rank, (e, ss) in enumerate(split):
        setting = stems(f"{e.paragraph.section or ''} {e.paragraph.context or ''} {e.paragraph.text}")
        setting_share = weighted_share(setting, topics, idf)
        for i, s in enumerate(ss):
            own = all_stems[k]
            k += 1
            seq = [stem(w) for w in content_words(s)]
            n_words = len(words(s))
            has_value = typed and bool(values(s, question.answer_type, question))
            x = np.array([
                weighted_share(own, topics, idf),
                weighted_share(own, topics, lambda t: idf(t) * local[t]),
                setting_share,
                bigram_share(question, seq),
                len(own & set(question.proper)) / len(question.proper) if question.proper else 0.0,
                dense.get((e.n, i), e.score),
                e.score,
                e.score / best_p,
                1.0 / (1 + rank),
                float(has_value),
                float(typed and not has_value),
                float(i == 0),
                min(1.0, n_words / 40),
                float(question.negated and not NEGATION.search(s)),
                float(question.subject in own),
            ], dtype="float64")
            out.append(Candidate(e, i, s, x))
    return out


def renormalised(candidates: list[Candidate]) -> np.ndarray:
    """The candidates' probabilities of holding the answer were they the only ones (a softmax of their logits)."""
    logits = np.array([c.logit for c in candidates])
    probs = np.exp(logits - logits.max())
    return probs / probs.sum()


def score(candidates: list[Candidate], ranker: LinearModel) -> list[Candidate]:
    """Ranker scores and softmax probabilities; best first."""
    if not candidates:
        return []
    logits = ranker(np.stack([c.features for c in candidates]))
    probs = np.exp(logits - logits.max())
    probs /= probs.sum()
    for c, z, p in zip(candidates, logits, probs):
        c.logit, c.prob = float(z), float(p)
    return sorted(candidates, key=lambda c: -c.logit)


def question_features(question: Question, ranked: list[Candidate], evidence: list[Evidence], idf,
                      known) -> np.ndarray:
    if not ranked:
        return np.zeros(len(QUESTION_FEATURES))
    top = ranked[0]
    f = dict(zip(SENTENCE_FEATURES, top.features))
    rest = np.array([c.logit for c in ranked[1:]])
    others = float(np.logaddexp.reduce(rest)) if len(rest) else top.logit - 10.0
    present: set[str] = set()
    for e in evidence[:6]:
        present |= stems(f"{e.paragraph.section or ''} {e.paragraph.text}")
    top_setting = stems(f"{top.evidence.document.title} {top.evidence.paragraph.section or ''} "
                        f"{top.evidence.paragraph.context or ''} {top.evidence.paragraph.text}")
    proper_missing = (sum(t not in top_setting for t in question.proper) / len(question.proper)
                      if question.proper else 0.0)
    return np.array([
        top.logit - others,
        top.prob,
        f["lex"],
        f["dense_s"],
        max((e.score for e in evidence), default=0.0),
        weighted_share(present, question.topics, idf),
        weighted_share(top_setting, question.topics, idf),
        weighted_share({t for t in question.topics if not known(t)}, question.topics, idf),
        sum(not known(t) for t in question.proper) / len(question.proper) if question.proper else 0.0,
        proper_missing,
        f["typed_missing"],
        float(question.counted is not None and not any(counts(c.sentence, question.counted) for c in ranked[:3])),
        f["negation_gap"],
        float(len(question.topics) <= 2),
    ], dtype="float64")


def read_evidence(question: Question, evidence: list[Evidence], idf, known, similar=None,
                  fitted: Fitted | None = None) -> Reading:
    """Score every sentence, then judge whether the documents answer the question at all. A question's words are
    weighed by rarity (`idf`) and by how much they say what it is about (the fitted salience)."""
    fitted = fitted or load_fitted()
    idf = fitted.salience.weigh(idf)
    ranked = score(sentence_features(question, evidence, idf, similar), fitted.ranker)

    def judge(candidates: list[Candidate], within: list[Evidence]) -> tuple[float, np.ndarray]:
        x = question_features(question, candidates, within, idf, known)
        return 1 / (1 + math.exp(-float(fitted.answerable(x[None, :])[0]))), x

    def judge_alone(candidates: list[Candidate]) -> float:
        own = [replace(c, prob=float(p)) for c, p in zip(candidates, renormalised(candidates))]
        within = {c.evidence.n: c.evidence for c in sorted(candidates, key=lambda c: c.evidence.n)}
        return judge(sorted(own, key=lambda c: -c.logit), list(within.values()))[0]

    p, x = judge(ranked, evidence) if ranked else (0.0, np.zeros(len(QUESTION_FEATURES)))
    return Reading(question, ranked, p, fitted.threshold, x, judge_alone, fitted.coverage, known)
