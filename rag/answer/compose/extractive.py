"""The default answer writer: no model, only the documents' own sentences, each attributed and cited.

It works from a `Reading` (rag/answer/reading.py): every sentence of the evidence scored by the fitted ranker, and the
fitted judgement of whether the documents answer at all.
1. No answer: an honest "the documents do not say", naming what no document mentions and the nearest passages.
2. Otherwise the best sentences, until their probabilities of holding the answer add up to the fitted coverage
   (at most `max_sentences`; for a question asking for recommendations, the recommendation items first).
3. Whole sentences, never edited except for a leading connective; a sentence that opens with a word referring
   back ('It', 'These') brings the sentence it refers to, and a picked sentence brings the next one when that one
   refers back to it ("The port runs three terminals. They handled 4 million containers last year."); grouped by who
   says them, each cited. (What the next sentence adds is measured by `python -m rag fit`: the answer's sentence
   shown.)
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from rag.answer.compose import Composer, Request
from rag.model import RECOMMENDATION, Draft, Evidence
from rag.nlp.question import topic_phrases
from rag.answer.reading import Reading
from rag.nlp.text import in_view, sentences, stem, topic_words, words

RECOMMENDING = re.compile(r"\b(recommend\w*|should|must|call(s|ed)? (up)?on|urge\w*|propos\w*)\b", re.I)
# a sentence that makes a recommendation, by its verb ("X recommended that ...", "should"); not one that only
# speaks of recommendations ("Norway welcomed the steps taken to implement recommendations")
RECOMMENDS = re.compile(r"\b(recommend(s|ed|ing)?|should|must|call(s|ed)? (up)?on|urg(e|es|ed|ing)|propos(e|es|ed|ing))\b",
                        re.I)
CONNECTIVE = re.compile(r"^(And|Further(more)?|Moreover|Indeed|Also|In fact|In addition|Additionally),?\s+")


@dataclass
class Pick:
    evidence: Evidence
    sentence: str
    index: int  # sentence position in its paragraph
    score: float


def choose(reading: Reading, coverage: float, max_sentences: int, max_items: int) -> list[Pick]:
    """The best sentences until their probabilities add up to `coverage`: one when the reader is sure, more when
    it is not. At most two from one paragraph, no repeats. A recommendation lookup gets every recommendation item,
    and every sentence reporting a recommendation, that the reader finds matching (its answer logit reaches the
    fitted line), up to `max_items`, best first; where
    none does, the items and sentences that make a recommendation (`RECOMMENDS`) come first, those the shortlist
    ranks highest first."""
    ranked = reading.candidates
    limit = max_sentences
    if reading.question.asks_recommendations:
        # every matching item and, with them, every sentence that reports a matching recommendation ("The Committee
        # recommended that ... ratify ..."): the reader's answer logit reaches the fitted line
        matching = [c for c in ranked if c.read is not None and c.logit >= reading.item_at]
        items = [c for c in matching if c.evidence.paragraph.kind == RECOMMENDATION]
        if items:
            items = [c for c in matching
                     if c.evidence.paragraph.kind == RECOMMENDATION or RECOMMENDS.search(c.sentence)]
        # where none reaches it, the recommendations that share most of the question's names and words come first
        # (the shortlist ranker's fitted score): the reader is unsure of all of them
        recs = items or sorted((c for c in ranked if c.evidence.paragraph.kind == RECOMMENDATION
                                or RECOMMENDS.search(c.sentence)), key=lambda c: -c.prior)
        if recs:
            ranked, limit = recs, max_items
            if items:
                coverage = 1.0  # every matching item, up to the limit
    total = sum(c.prob for c in ranked) or 1.0
    chosen: list[Pick] = []
    per_paragraph: dict[str, int] = {}
    seen: set[str] = set()
    mass = 0.0
    for c in ranked:
        if len(chosen) >= limit or mass >= coverage:
            break
        key = " ".join(words(c.sentence))[:120]
        pid = c.evidence.paragraph.id
        fragment = len(words(c.sentence)) < 3 and c.sentence.strip() != c.evidence.paragraph.text.strip()
        if key in seen or per_paragraph.get(pid, 0) >= 2 or fragment:
            continue
        chosen.append(Pick(c.evidence, c.sentence, c.index, c.logit))
        seen.add(key)
        per_paragraph[pid] = per_paragraph.get(pid, 0) + 1
        mass += c.prob / total
    return chosen


def shown_indices(picks: list[Pick], all_sentences: list[str]) -> list[int]:
    """Which sentences of one paragraph the answer shows for these picks: each pick and what `in_view` shows
    with it (the sentence a referring word points back to; the next one when it goes on about the pick)."""
    return sorted({i for p in picks for i in in_view(p.index, all_sentences)})


def passage(paragraph_picks: list[Pick]) -> str:
    """The sentences `shown_indices` gives, in order, joined; '…' marks a gap. The words are the document's own."""
    paragraph = paragraph_picks[0].evidence.paragraph
    if paragraph.kind == RECOMMENDATION:  # an item is read and shown whole
        return CONNECTIVE.sub("", " ".join(paragraph.text.split()), count=1)
    all_sentences = sentences(paragraph.text)
    out, last = [], None
    for i in shown_indices(paragraph_picks, all_sentences):
        if last is not None and i != last + 1:
            out.append("…")
        out.append(all_sentences[i])
        last = i
    return CONNECTIVE.sub("", " ".join(out), count=1)


def cite_label(e: Evidence) -> str:
    return f"¶{e.paragraph.label}"


def holder_name(e: Evidence) -> str:
    title = f"*{e.document.title}*"
    if e.paragraph.section and e.document.title != e.paragraph.section and e.paragraph.kind != RECOMMENDATION:
        return f"{title} (“{e.paragraph.section}”)"
    return title


def render(picks: list[Pick], recs: bool) -> tuple[str, dict[int, str]]:
    """Group the sentences by holder (in order of their best sentence), one cited passage per paragraph."""
    quotes: dict[int, str] = {}
    groups: dict[str, dict[int, list[Pick]]] = {}
    for p in picks:
        groups.setdefault(holder_name(p.evidence), {}).setdefault(p.evidence.n, []).append(p)
    blocks = []
    for holder, by_paragraph in groups.items():
        lines = []
        # a lookup's items best match first; other passages in the document's order
        ordered = sorted(by_paragraph.values(), key=lambda ps: -max(p.score for p in ps) if recs
                         else ps[0].evidence.paragraph.ordinal)
        for members in ordered:
            e = members[0].evidence
            quotes[e.n] = max(members, key=lambda p: p.score).sentence
            label = f"{cite_label(e)}: " if e.paragraph.kind == RECOMMENDATION else ""
            lines.append(f"{label}{passage(members)} [{e.n}]")
        is_rec = recs and any(ps[0].evidence.paragraph.kind == RECOMMENDATION for ps in ordered)
        if len(picks) == 1:
            e = picks[0].evidence
            lead = f"{holder} recommends" if is_rec else f"According to {holder}"
            blocks.append(f"{lead} ({cite_label(e)}): {lines[0].split(': ', 1)[-1] if is_rec else lines[0]}")
        else:
            intro = f"{holder} recommends:" if is_rec else f"{holder}:"
            blocks.append(intro + "\n" + "\n".join(f"- {line}" for line in lines))
    return "\n\n".join(blocks), quotes


def refusal(reading: Reading, evidence: list[Evidence]) -> Draft:
    """"The documents do not answer this", naming what the question asks about in its own words: the words of
    its topic that no document holds, where there are some ("they say nothing about “X”"), else its topic
    (`topic_phrases`); never a verb of asking. Then the nearest passages."""
    known = reading.known or (lambda term: True)
    read_as = set(reading.question.topics) | set(reading.question.proper)  # a slip read as a known word is no gap
    phrases = topic_phrases(reading.question.text)
    typed = [w for phrase in phrases for w in phrase.split()]  # as the question writes them
    missing = [w for w in dict.fromkeys(typed) if topic_words(w) and not known(stem(topic_words(w)[0]))
               and stem(topic_words(w)[0]) in read_as]
    if missing:
        subject = ", ".join(f"“{w}”" for w in missing[:3])
        text = f"The indexed documents do not answer this: they say nothing about {subject}."
    elif phrases:
        subject = " or ".join(f"“{p}”" for p in phrases[:2])
        text = f"The indexed documents do not answer this question about {subject}."
    else:
        text = "The indexed documents do not answer this question."
    near = sorted(evidence, key=lambda e: -e.score)[:2]
    if near:
        where = "; ".join(f"{e.document.title} ¶{e.paragraph.label}" for e in near)
        text += f"\n\n_Nearest passages, which do not answer it: {where}._"
    return Draft(text=text, found=False)


class Extractive(Composer):
    """A Reading of the evidence -> a cited answer in the documents' own words, or an honest refusal."""

    def __init__(self, max_sentences: int = 4, max_items: int = 6):
        self.max_sentences = max_sentences
        self.max_items = max_items

    def compose(self, request: Request) -> Draft:
        reading = request.reading
        if not reading.found:
            return refusal(reading, request.evidence)
        chosen = choose(reading, reading.coverage, self.max_sentences, self.max_items)
        if not chosen:
            return refusal(reading, request.evidence)
        text, quotes = render(chosen, bool(RECOMMENDING.search(reading.question.text)))
        return Draft(text=text, quotes=quotes, found=True)
