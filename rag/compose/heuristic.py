"""The hand-tuned rules (the answer path before the fitted reader; RAG_ANSWERS=heuristic, the default until the
fitted reader scores at least as well on every development set: see issue 13).

The default answer writer: no model, only the documents' own sentences, each attributed and cited.

1. Read the question: what it is about (topic words), and whether it asks for recommendations or a figure.
2. Decide whether the evidence answers it at all (`Judgement`): the question's rare words must be found, and
   the best paragraph must be close in meaning. Otherwise: an honest "the documents do not say".
3. Score every sentence of the evidence, keep the best few (whole sentences, never edited except for a leading
   connective), add the sentence before one that opens with a pronoun, and group them by who says them.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from rag.compose.extractive import Pick, render
from rag.model import RECOMMENDATION, Draft, Evidence
from rag.text import content_words, numbers, sentences, stem, topic_words, words

REC_QUESTION = re.compile(r"\b(recommend\w*|should|must|call(s|ed)? for|urge\w*|propos\w*|advi[sc]e\w*|demand\w*)\b", re.I)
FIGURE_QUESTION = re.compile(r"\b(how (many|much|long|far)|what (percentage|proportion|share|number|year|date)|"
                             r"since when|when|which year|figure|gdp|rate|population|income|compare)\b", re.I)
BROAD_QUESTION = re.compile(r"^(what (does|do|did) .* (say|state|report|argue)|summari[sz]e|overview|tell me about|"
                            r"what are|describe|how (is|are|has|have))\b", re.I)
WHO_QUESTION = re.compile(r"^\s*(who|whom|which (people|groups?|organi[sz]ations?|countries))\b", re.I)
PEOPLE = re.compile(r"\b(members?|personnel|people|persons?|officials?|citizens?|judges?|lawyers?|activists?|staff|"
                    r"employees?|workers?|anyone|everyone|residents?|groups?|minorit(y|ies)|women|children|"
                    r"organi[sz]ations?)\b", re.I)


@dataclass
class Judgement:
    found: bool
    coverage: float  # weighted share of the question's topic words the evidence contains
    best: float  # best dense similarity
    missing: list[str] = field(default_factory=list)  # topic words no document contains


def judge(question: str, evidence: list[Evidence], idf, known) -> Judgement:
    """Do the documents answer this? `idf(stem)` weighs words; `known(stem)` says if any document has it."""
    topics = list(dict.fromkeys(stem(w) for w in topic_words(question)))
    best = max((e.score for e in evidence), default=0.0)
    if not evidence:
        return Judgement(False, 0.0, best)
    missing_stems = [t for t in topics if not known(t)]
    raw = {stem(w): w for w in topic_words(question)}
    top = evidence[:6]
    present = set()
    for e in top:
        present |= {stem(w) for w in content_words(f"{e.paragraph.section or ''} {e.paragraph.text}")}
    weights = {t: idf(t) for t in topics}
    total = sum(weights.values()) or 1.0
    coverage = sum(w for t, w in weights.items() if t in present) / total
    proper = [t for t in missing_stems if re.search(rf"\b{re.escape(raw[t])}\b", question, re.I)
              and any(ch.isupper() for ch in re.findall(rf"\b{re.escape(raw[t])}\b", question, re.I)[0][:1])]
    found = bool(topics) and not proper and (
        (best >= 0.45 and coverage >= 0.45) or (best >= 0.35 and coverage >= 0.7) or (best >= 0.6 and coverage >= 0.3))
    return Judgement(found, coverage, best, [raw[t] for t in missing_stems])


def score_sentences(question: str, evidence: list[Evidence], idf, known, similar=None) -> list[Pick]:
    """Score every sentence: the question's words it holds (weighted by rarity), its paragraph's similarity,
    and, for the sentences of the best paragraphs, its own similarity in meaning (`similar(sentences)`)."""
    sims = sentence_similarities(evidence, similar)
    topics = {stem(w) for w in topic_words(question) if known(stem(w))}  # words no document has can't help
    weights = {t: idf(t) for t in topics}
    total = sum(weights.values()) or 1.0
    wants_recs = bool(REC_QUESTION.search(question))
    wants_figure = bool(FIGURE_QUESTION.search(question))
    best_dense = max((e.score for e in evidence), default=1.0) or 1.0
    picks = []
    # a word most candidate sentences share ('re-education' in a question about re-education centres) tells
    # them apart less than one only a few hold ('conditions'): weigh each topic word by its rarity among them
    candidates = [{stem(w) for w in content_words(s)} for e in evidence for s in sentences(e.paragraph.text)]
    local = {t: math.log(1 + len(candidates) / (1 + sum(t in c for c in candidates))) for t in weights}
    local_total = sum(w * local[t] for t, w in weights.items())
    for e in evidence:
        # the paragraph, its heading and its introduction set the scene for each of its sentences
        setting = {stem(w) for w in content_words(
            f"{e.paragraph.section or ''} {e.paragraph.context or ''} {e.paragraph.text}")}
        around = sum(w for t, w in weights.items() if t in setting) / total
        for i, s in enumerate(sentences(e.paragraph.text)):
            own = {stem(w) for w in content_words(s)}
            lex = sum(w * local[t] for t, w in weights.items() if t in own) / (local_total or 1.0)
            dense = sims.get((e.n, i), 0.8 * e.score)
            score = 0.35 * lex + 0.35 * around + 0.2 * (e.score / best_dense) + 0.35 * dense
            if e.paragraph.kind == RECOMMENDATION:
                score += 0.25 if wants_recs else -0.15
            elif wants_recs and REC_QUESTION.search(s):
                score += 0.15
            if i == 0:
                score += 0.05  # a paragraph's first sentence usually carries its point
            if WHO_QUESTION.search(question) and PEOPLE.search(s):
                score += 0.1
            if wants_figure and numbers(s):
                score += 0.1
            if len(words(s)) < 4:
                score -= 0.3
            picks.append(Pick(e, s, i, score))
    return sorted(picks, key=lambda p: -p.score)


def sentence_similarities(evidence: list[Evidence], similar, paragraphs: int = 6, limit: int = 30) -> dict:
    """(evidence n, sentence index) -> similarity to the question, for the best few paragraphs' sentences."""
    if similar is None:
        return {}
    keys, texts = [], []
    for e in sorted(evidence, key=lambda e: -e.score)[:paragraphs]:
        for i, sentence in enumerate(sentences(e.paragraph.text)):
            if len(texts) < limit:
                keys.append((e.n, i))
                texts.append(sentence)
    return dict(zip(keys, similar(texts)))


def select(picks: list[Pick], question: str, limit: int) -> list[Pick]:
    """The best sentences: near the top score, at most two per paragraph, no repeats."""
    if not picks:
        return []
    top = picks[0].score
    chosen: list[Pick] = []
    per_paragraph: dict[str, int] = {}
    seen: set[str] = set()
    for p in picks:
        if len(chosen) >= limit or p.score < 0.55 * top:
            break
        key = " ".join(words(p.sentence))[:120]
        pid = p.evidence.paragraph.id
        if key in seen or per_paragraph.get(pid, 0) >= 2:
            continue
        chosen.append(p)
        seen.add(key)
        per_paragraph[pid] = per_paragraph.get(pid, 0) + 1
    return chosen


def refusal(question: str, judgement: Judgement, evidence: list[Evidence]) -> Draft:
    subject = ", ".join(f"“{w}”" for w in judgement.missing[:3])
    if subject:
        text = f"The indexed documents do not answer this: they say nothing about {subject}."
    else:
        text = "The indexed documents do not answer this question."
    near = [e for e in evidence[:2] if e.score >= 0.3]
    if near:
        where = "; ".join(f"{e.document.title} ¶{e.paragraph.label}" for e in near)
        text += f"\n\n_Nearest passages, which do not answer it: {where}._"
    return Draft(text=text, found=False)


def compose(question: str, evidence: list[Evidence], idf, known, similar=None) -> Draft:
    """Evidence -> a cited answer (or an honest refusal)."""
    judgement = judge(question, evidence, idf, known)
    if not judgement.found:
        return refusal(question, judgement, evidence)
    picks = score_sentences(question, evidence, idf, known, similar)
    broad = bool(BROAD_QUESTION.search(question)) or len(topic_words(question)) <= 2
    recs = bool(REC_QUESTION.search(question))
    limit = 6 if recs else (4 if broad else 2)
    chosen = select(picks, question, limit)
    text, quotes = render(chosen, bool(REC_QUESTION.search(question)))
    return Draft(text=text, quotes=quotes, found=True)


