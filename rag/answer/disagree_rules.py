"""A Reading -> positions, read by rules of general English (rag/answer/disagree.py runs these first; where they
find no conflict, the reader model's stance and NLI heads read the same sentences).

A holder is a document, or an article inside one (its section). Each holder is heard through the sentences the
reader ranked for the question (rag/answer/reading.py), never through a lean computed over its whole text. Conflicts,
always between *different* holders that speak to the same thing the question asks about:
- values and edits: two holders' answers differ (rag/answer/disagree_facts.py);
- stances: the question asks for a judgement ("Should X?", "Is X fair?", "How has X fared?") and the holders'
  sentences on it lean opposite ways (VADER's general English lexicon, rag/nlp/valence.py);
- denials: one holder rejects or calls false what another asserts (general English denial vocabulary).
Within one source, a reported dispute ("X praised ...; however, Y condemned ...") is shown as two sides.
Plain questions with one answer are not flagged.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from rag.answer.disagree_facts import (asked_about, asks_for_several, edit_conflict, one_per_document, position,
                                       setting, speaks_to, value_conflict)
from rag.answer.holders import Voice, short_name
from rag.answer.reading import Candidate, Reading
from rag.model import RECOMMENDATION, Position, Stance
from rag.nlp.question import MANNER, YESNO
from rag.nlp.text import parsed, stem, stems, words
from rag.nlp.valence import asked, leaning, naming, polarity, valence

# Denial and rebuttal: general English verbs and adjectives of rejecting a claim (not from any document). Not
# "denial of" or "was denied": those deprive someone of something, they do not dispute a claim; not nouns that
# name an offence as often as they dismiss a claim ("slander", "lies": "defamation and slander remain crimes"),
# nor "so-called", which introduces a term as often as it doubts one ("the so-called 'erased'").
DISPUTE = re.compile(
    r"\b(fabricat\w*|disinformation|misinformation|smear\w*|baseless|groundless|unfounded|untrue|"
    r"false(ly|hood)?|denounc\w*|rebut\w*|refut\w*|reject(s|ed|ing)?|den(y|ies|ying)|"
    r"(?<!was )(?<!were )(?<!been )(?<!being )(?<!is )(?<!are )denied|"
    r"exaggerat\w*|discredit\w*|distort\w*)\b", re.I)
CONTRAST = re.compile(r"\b(however|in contrast|whereas|on the other hand|but|criticis\w*|criticiz\w*|"
                      r"disputed|rejected)\b", re.I)
SPEAKER = re.compile(r"^(?:(?:However|But|In contrast|By contrast|Meanwhile|Yet),?\s+)?((?:[Tt]he )?(?:[A-Z][\w.'’-]*|[a-z]+)(?:\s[A-Z][\w.'’-]*){0,3}(?:'s \w+)?)\s?(?:,[^,]{3,80},\s?)?"
                     r"(?:sa(?:id|ys)|argue[sd]?|comment(?:s|ed)|tweet(?:s|ed)|express(?:es|ed)|state[sd]|"
                     r"claim(?:s|ed)|describe[sd]|note[sd]|insist(?:s|ed)|den(?:y|ies|ied)|reject(?:s|ed))\b")
VIEWS = {Stance.SUPPORTS: "Favourable", Stance.UNDERMINES: "Critical"}
SIGN = {Stance.SUPPORTS: 1, Stance.UNDERMINES: -1}  # keyed by the enum; its string value finds it too
DEONTIC = re.compile(r"(should|ought|must|shall)\b", re.I)  # a question of what should be done


def voices(reading: Reading) -> list[Voice]:
    """Holders that speak to what the question asks about, best first. A holder is heard from its first
    candidate whose setting names every topic word the overall best sentence's setting names (so a passing
    mention elsewhere is not a voice), or, where its document words the thing otherwise, from its first
    candidate that `speaks_to` the question, if what it says from there would answer the question by itself
    (the fitted answerability model). A word of judgement ("success", "fair": one VADER rates) is what the
    question asks *about* the topic, not the topic, so a holder that calls the thing a failure is heard on
    whether it is a success."""
    if not reading.candidates:
        return []
    judging = {stem(w.lower()) for w in words(reading.question.text) if valence(w)}
    focus = asked_about(reading) - judging
    by_holder: dict[str, list[Candidate]] = {}
    for c in reading.candidates:
        by_holder.setdefault(short_name(c.evidence), []).append(c)
    heard = []
    for name, candidates in by_holder.items():
        start = next((i for i, c in enumerate(candidates) if focus <= setting(c)), None)
        if start is None:
            start = next((i for i, c in enumerate(candidates) if speaks_to(c, focus, reading)), None)
            if start is None or not reading.answers_alone(candidates[start:]):
                continue
        heard.append(Voice(name, candidates[start:]))
    order = {id(c): i for i, c in enumerate(reading.candidates)}
    return sorted(heard, key=lambda v: order[id(v.best)])


def find_positions(reading: Reading, contradicts: Callable[[str, str], bool] | None = None
                   ) -> tuple[bool, list[Position], str]:
    """-> (disagreement, positions, kind of conflict). A holder heard on the question states an answer when its
    own sentences would answer it by themselves (the fitted answerability model and refusal threshold,
    rag/answer/reading.py); the best sentence's probability cannot tell, as two holders that both answer share it.
    `contradicts`: whether two answer sentences contradict (`value_conflict`)."""
    heard = voices(reading)
    q = reading.question
    if len(heard) > 1:
        bearing = [v for v in heard if reading.answers_alone(v.candidates)]
        # a fact is disputed between documents: two figures in one report are two things it reports
        # (the rule today and the one it recommends), so each document answers once, through its best holder
        # (unless it asks for several: then different holders naming different ones add up)
        factual = () if asks_for_several(q.text) else (
            ("values", lambda r, b: value_conflict(r, b, contradicts)), ("edits", edit_conflict))
        for kind, finder in factual:
            sides = finder(reading, one_per_document(bearing))
            if sides:
                return True, sides, kind
        if q.evaluative or q.answer_type in (YESNO, MANNER):  # "Should X?", "Is X fair?", "How has X fared?"
            sides = stance_conflict(reading, heard)
            if sides:
                return True, sides, "stances"
        sides = denial_conflict(heard)
        if sides:
            return True, sides, "denial"
    sides = reported_conflict(reading, heard)
    if sides:
        return True, sides, "reported"
    return False, [], ""


def proposes(c: Candidate) -> bool:
    """A recommendation item, or a sentence in the imperative ("Amend the law so that ..."; its root is its first
    word, a verb in the base form, with no subject): it says what should be done, not how things are."""
    if c.evidence.paragraph.kind == RECOMMENDATION:
        return True
    root = next(parsed(c.sentence).sents).root
    return root.i == 0 and root.tag_ == "VB" and not any(t.dep_.startswith("nsubj") for t in root.children)


def stance_conflict(reading: Reading, heard: list[Voice]) -> list[Position]:
    """Holders whose answers lean opposite ways; holders that lean the same way share a side. A holder's lean
    is the expected polarity of its answer: the polarity of each sentence it would show, weighted by the
    ranker's probability that the sentence is its answer. A holder that reports a dispute between speakers it
    names (`reported_sides`: "JS1 noted, however, that ...", a summary of what others said) is heard as those
    speakers, each on its side; one that only concedes a point to an unnamed other side ("while some say ...")
    keeps its own lean. A proposal is a stance only on a question of what should be done ("Should X?"), not on
    one of how things are ("Is X still Y?")."""
    named, yes = naming(reading.question.text), asked(reading.question.text)
    deontic = bool(DEONTIC.match(reading.question.text))
    leans = []
    for v in heard:
        inner = reported_sides(reading, v)
        if inner and all(spoken for *_, spoken in inner):
            leans += [(holder, SIGN[stance], items) for holder, stance, items, _ in inner]
            continue
        shown = [(c, p) for c, p in reading.shown(v.candidates) if deontic or not proposes(c)]
        lean = leaning([c.sentence for c, _ in shown], [p for _, p in shown], named, yes)
        if lean:
            leans.append((v.holder, lean, [c for c, _ in shown]))
    favourable = [(holder, top) for holder, lean, top in leans if lean > 0]
    critical = [(holder, top) for holder, lean, top in leans if lean < 0]
    if not favourable or not critical:
        return []
    out = []
    for camp, stance in ((favourable, Stance.SUPPORTS), (critical, Stance.UNDERMINES)):
        # each holder's best-ranked sentence that leans the camp's way (its answer, not its loudest sentence)
        items = [next((c for c in top if SIGN[stance] * polarity(c.sentence, named, yes) > 0), top[0])
                 for _, top in camp]
        out.append(position("; ".join(holder for holder, _ in camp), items, stance))
    return out


def denial_conflict(heard: list[Voice]) -> list[Position]:
    """One document rejects, denies or calls false what another asserts about the same thing (a dispute
    quoted inside one document is a reported one)."""
    for a in heard:
        for ca in a.candidates[:3]:
            if not DISPUTE.search(ca.sentence):
                continue
            for b in heard:
                if b.best.evidence.document.doc_id == a.best.evidence.document.doc_id:
                    continue
                for cb in b.candidates[:3]:
                    if not DISPUTE.search(cb.sentence) and len(stems(ca.sentence) & stems(cb.sentence)) >= 2:
                        return [position(b.holder, [cb]), position(a.holder, [ca], Stance.DISPUTES)]
    return []


def reported_conflict(reading: Reading, heard: list[Voice]) -> list[Position]:
    """One source reporting a dispute (`reported_sides`), on a question of judgement, or of what was said where the
    source names a speaker on one side at least."""
    q = reading.question
    judging = q.evaluative or q.answer_type == YESNO
    if not (judging or re.search(r"\b(say|said|react\w*|view\w*|receiv\w*)\b", q.text, re.I)):
        return []
    documents = {v.best.evidence.document.doc_id for v in heard}
    for voice in heard:
        sides = reported_sides(reading, voice)
        # a question of what was said is disputed only where the source names who says it on one side at least;
        # so is a question of judgement that other documents answer too (their positions are the answer there,
        # not one source's sentences split by tone)
        if sides and ((judging and len(documents) == 1) or any(spoken for *_, spoken in sides)):
            return [position(holder, items, stance) for holder, stance, items, _ in sides]
    return []


def reported_sides(reading: Reading, voice: Voice) -> list[tuple[str, Stance, list[Candidate], bool]]:
    """The two sides of a dispute one holder reports, as (holder, stance, sentences, whether the sentences name
    their speaker): among its sentences on the question, some lean favourably and some critically, and the text
    marks the contrast ('however', 'criticised'). Each side is named by its speakers where the sentences name
    them; none where the question names whose reaction it asks for ("How did the Commission react?": one voice,
    no dispute)."""
    q = reading.question
    items = voice.candidates[:6]
    if not any(CONTRAST.search(c.sentence) for c in items):
        return []
    named, yes = naming(q.text), asked(q.text)
    scored = [(c, polarity(c.sentence, named, yes)) for c in items]
    favourable = [c for c, p in sorted(scored, key=lambda x: -x[1]) if leaning([c.sentence], None, named, yes) > 0][:2]
    critical = [c for c, p in sorted(scored, key=lambda x: x[1]) if leaning([c.sentence], None, named, yes) < 0][:2]
    if not favourable or not critical:
        return []
    source = short_name(items[0].evidence)
    sides = [(side, stance, [m.group(1).strip()[:1].upper() + m.group(1).strip()[1:]
                                 for c in side for m in [SPEAKER.search(c.sentence)] if m])
             for side, stance in ((favourable, Stance.SUPPORTS), (critical, Stance.UNDERMINES))]
    said = [stems(" ".join(c.sentence for c in side)) for side, _, _ in sides]
    for (_, _, speakers), other in zip(sides, reversed(said)):
        if (stems(" ".join(speakers)) - other) & set(q.topics):
            return []
    return [(f"{', '.join(dict.fromkeys(speakers))} (as reported in {source})" if speakers
             else f"{VIEWS[stance]} views reported in {source}", stance, side, bool(speakers))
            for side, stance, speakers in sides]
