"""A Reading -> what each source says on the question, and whether they disagree. The rules of general English
read first (rag/answer/disagree_rules.py: differing values, edited passages, opposite valence, denials, reported
disputes); where they find no conflict, the reader model's stance and NLI heads read the same sentences (below,
`read_positions`). Why both: docs/decisions.md, "Both sides".

1. Holders: a document, or an article inside one. A holder is heard through the sentences the reader read for the
   question, and speaks to it where those sentences would answer it by themselves (the fitted answerability model
   and refusal threshold: `Reading.answers_alone`). Where its best sentence names who speaks ("The Bar Council noted that
   ..."), that speaker is named with it.
2. What each says:
   - a question of judgement ("Should X?", "Is X fair?", "Does the law prohibit Y?", "Was the visit a success?"):
     the question read as a claim, and the holder's stance to it: the stance head on the claim and each of the
     holder's best HEARD sentences (supports / undermines / neither), their mean;
   - a question answered by a value (who, when, where, how many, what): the holder's short answer (the reader's
     span in its best sentence) and that sentence.
3. Disagreement:
   - stances: two holders whose leans lie at least the fitted gap apart (two articles of one file are two holders);
     each holder sides with the end it is a gap away from; with no disagreement, a holder takes a side only
     beyond the fitted margin;
   - values, only between different documents (two figures in one report are two things it reports) and only for a
     question asking for a typed value (who, when, where, how many; not "What is X?"): two holders
     whose values differ (not the same value, nor one written more fully: "2017" and
     "14 October 2017") and whose answer sentences the NLI head reads as contradicting each other (its
     probability of contradiction, either way round, at least the fitted line).
4. Positions: every holder that answers, source by source, labelled by what it says ("says the old harbour should
   stay open" / "says the old harbour should not stay open", or its value), with its citations.

The margins and lines are fitted (`python -m rag fit sides`, rag/train/sides.py) on held-apart stance and NLI data
and read from models/fitted.json.
"""
from __future__ import annotations

import numpy as np

from rag.model import Position, Stance
from rag.nlp.question import DATE, MANNER, NUMBER, ORG, PERSON, PLACE, YESNO, normal_value, values
from rag.answer import disagree_rules
from rag.answer.disagree_rules import SIGN
from rag.answer.holders import HOLDER_NAME_CHARS, Voice, short_name
from rag.answer.reading import VALUED, Candidate, Reading
from rag.nlp.text import REPORTING, fold, main_verb, parsed, stems, words

TYPED = (PERSON, ORG, PLACE, DATE, NUMBER)
HEARD = 3  # a holder's stance is read from its best HEARD sentences
AUXILIARIES = {"be", "do", "have", "can", "could", "shall", "should", "will", "would", "may", "might", "must"}


def voices(reading: Reading) -> list[Voice]:
    """Who speaks to the question, best first: each holder whose own read sentences would answer it; a holder whose
    best sentences report two or more named speakers ("The farmers said ... However, the anglers described ...")
    is heard as those speakers, each a voice of its own, named "<speaker> (in <holder>)" (only those the question
    names, where it names any); a holder whose best sentence names one speaker is named by it the same way."""
    by_holder: dict[str, list[Candidate]] = {}
    for c in reading.read:
        by_holder.setdefault(short_name(c.evidence), []).append(c)
    out = []
    for name, cands in by_holder.items():
        if not reading.answers_alone(cands):
            continue
        top = cands[:HEARD]
        speakers = [speaker(c.sentence) for c in top]
        named = list(dict.fromkeys(s for s in speakers if s))
        asked = [s for s in named if stems(s) <= stems(reading.question.text)]
        if asked:  # "How did the Anglers Club react?" asks for that speaker's voice, not the dispute around it
            named = asked
        if len(named) > 1:
            out += [Voice(f"{s} (in {name})", [c for c, who in zip(top, speakers) if who == s]) for s in named]
        else:
            who = named[0] if asked else speakers[0]
            out.append(Voice(f"{who} (in {name})" if who else name, cands))
    return out


# ------------------------------------------------------------------------------------------ the question
def is_judgement(reading: Reading) -> bool:
    """A question that asks whether something is so, or should be: yes/no, evaluative, or how something fared."""
    q = reading.question
    return q.evaluative or q.answer_type in (YESNO, MANNER)


def as_claim(question: str, negated: bool = False) -> str:
    """A yes/no question as the claim it asks about, by English subject-auxiliary inversion read from the parse:
    "Should the old harbour stay open?" -> "the old harbour should stay open" ("... should not stay ..."
    negated). A question not opening with an auxiliary is returned as it is."""
    doc = parsed(question.strip().rstrip("?").strip())
    if not len(doc) or doc[0].lemma_.lower() not in AUXILIARIES:
        return question.strip()
    aux = doc[0]
    subject = next((t for t in doc if t.dep_ in ("nsubj", "nsubjpass", "expl") and t.i > 0), None)
    if subject is None:
        return question.strip()
    start, end = subject.left_edge.i, subject.right_edge.i + 1
    root = subject.head
    if not any(t.dep_ in ("attr", "acomp", "oprd") for t in root.children):
        # the small parser reads "Was the visit a success?" with "a success" in apposition to the subject: it is
        # the predicate
        appos = next((t for t in subject.children if t.dep_ == "appos"), None)
        if appos is not None:
            end = appos.left_edge.i
    subj = doc[start:end].text
    rest = (doc[1:start].text + " " + doc[end:].text).strip()
    verb = aux.text.lower()
    if negated:
        verb = {"can": "cannot"}.get(verb, f"{verb} not")
    if doc[start].pos_ in ("DET", "NOUN", "PRON"):  # "The harbour ..." -> "the harbour"; not "Ruritanian law"
        subj = subj[0].lower() + subj[1:]
    return " ".join(f"{subj} {verb} {rest}".split())


# ---------------------------------------------------------------------------------------------- speakers
def speaker(sentence: str) -> str | None:
    """Who a sentence says is speaking: the subject of its main verb where that is a verb of reporting speech or
    opinion and the subject a name or a noun ("The Bar Council noted, however, that ..." -> "The Bar Council"); else None."""
    root = main_verb(sentence)
    if root is None or root.lemma_.lower() not in REPORTING:
        return None
    subject = next((t for t in root.children if t.dep_ in ("nsubj", "nsubjpass")), None)
    if subject is None or subject.pos_ not in ("PROPN", "NOUN"):
        return None
    span = parsed(fold(sentence))[subject.left_edge.i:subject.right_edge.i + 1].text
    return span if len(span) <= HOLDER_NAME_CHARS else None


# ---------------------------------------------------------------------------------------------- stances
def stances(reading: Reading, heard: list[Voice], reader) -> list[float]:
    """Each holder's lean on the question read as a claim: the mean of the stance head's P(support) -
    P(undermine) over its best HEARD sentences (the claim against the sentence alone, as the head was trained, and
    as `python -m rag fit sides` draws its holders); near 0 where the head reads neither."""
    claim = as_claim(reading.question.text)
    pairs, owners = [], []
    for i, v in enumerate(heard):
        for c in v.candidates[:HEARD]:
            pairs.append(c.sentence)
            owners.append(i)
    if not pairs:
        return [0.0] * len(heard)
    read = reader.read([claim] * len(pairs), pairs)
    total, count = np.zeros(len(heard)), np.zeros(len(heard))
    for r, i in zip(read, owners):
        total[i] += float(r.stance[0] - r.stance[1])
        count[i] += 1
    return (total / np.maximum(count, 1)).tolist()


# ---------------------------------------------------------------------------------------------- values
def same_value(a: str, b: str) -> bool:
    """Two short answers say the same: equal once normalised (1,791 = 1791, 50 per cent = 50%), or one holds the
    other whole ("2017" and "14 October 2017", "Lyon" and "Lyon, France")."""
    x, y = normal_value(a), normal_value(b)
    if not x or not y:
        return False
    if x == y:
        return True
    wx, wy = set(words(x)), set(words(y))
    return bool(wx) and bool(wy) and (wx <= wy or wy <= wx)


def both_ways(reader, a: str, b: str) -> list[np.ndarray]:
    """The NLI head's probabilities (entailment, neutral, contradiction) for a -> b and for b -> a."""
    return [r.nli for r in reader.read([a, b], [b, a])]


def contradiction(reader, a: str, b: str) -> float:
    """The NLI head's probability that two sentences contradict, the greater of the two ways round."""
    return max(float(nli[2]) for nli in both_ways(reader, a, b))


def read_as_contradicting(reader, a: str, b: str) -> bool:
    """Whether the NLI head reads two answer sentences as contradicting: contradiction its most probable reading,
    either way round (its trained decision, no line of ours). Two sentences giving different values of one
    thing contradict ("built about 1835" / "built about 1935"); two giving dates of different events do not ("the
    Working Group adopted the report on 14 November" / "by 31 December the working group will examine ...")."""
    return any(int(np.argmax(nli)) == 2 for nli in both_ways(reader, a, b))


def answer_value(reading: Reading, c: Candidate) -> str | None:
    """A holder's value: the reader's span in its best sentence, where the question asks for a value; a question
    asking for a typed value takes only a span holding one (a date for "when", a figure for "how many")."""
    short = c.short
    if short is None:
        return None
    q = reading.question
    if q.answer_type in TYPED and not any(v in short or short in v for v in values(c.sentence, q.answer_type, q)):
        return None
    return short


# ---------------------------------------------------------------------------------------------- positions
def says(reading: Reading, lean: float | None = None, value: str | None = None) -> str:
    """A position's label: what it says about the question: its value; on a yes/no question the claim, or the claim
    negated ("says the old harbour should not stay open"); on another question of judgement ("What does the briefing
    say about the visit?", "How has the metro fared?") whether it speaks of it favourably or critically."""
    if value is not None:
        return f"says {value}"
    if lean is not None:
        question = reading.question.text.strip()
        claim = as_claim(question, negated=lean < 0)
        if claim != question:
            return f"says {claim}"
        return "speaks favourably" if lean > 0 else "speaks critically"
    return "answers"


def position(v: Voice, label: str, stance: Stance = Stance.NONE, value: str | None = None, shown: int = 2) -> Position:
    items = v.candidates[:shown]
    dates = sorted({c.evidence.document.date for c in items if c.evidence.document.date})
    summary = " ".join(f"{c.sentence} [{c.evidence.n}]" for c in items)
    return Position(holder=v.holder, summary=summary, citations=list(dict.fromkeys(c.evidence.n for c in items)),
                    date=", ".join(dates) or None, stance=stance.value, value=value, says=label)


def find_positions(reading: Reading, reader, sides: dict) -> tuple[bool, list[Position], str]:
    """-> (disagreement, what each answering source says, kind of conflict: "stances", "values", or the rule
    reader's kind). The rules of general English (rag/answer/disagree_rules.py) read first: where they find a
    conflict written plainly (a differing value, an edited passage, opposite valence, a denial, a reported dispute),
    their positions are taken. Elsewhere the reader model reads the same sentences (`read_positions`)."""
    ruled, positions, rule = disagree_rules.find_positions(reading, lambda a, b: read_as_contradicting(reader, a, b))
    if not ruled:
        return read_positions(reading, reader, sides)
    for p in positions:
        p.says = says(reading, value=p.value) if p.value else \
            says(reading, SIGN[p.stance]) if p.stance in SIGN else "disputes what another source says" \
            if p.stance == Stance.DISPUTES.value else "answers"
    return True, positions, rule



def read_positions(reading: Reading, reader, sides: dict) -> tuple[bool, list[Position], str]:
    """The reader model's reading: -> (disagreement, what each answering source says, kind of conflict:
    "stances", "values" or ""). `sides`:
    the fitted `margin` and `contradicts` (models/fitted.json)."""
    margin, gap = float(sides.get("margin", 1.0)), float(sides.get("gap", 2.0))
    contradicts = float(sides.get("contradicts", 1.0))
    q = reading.question
    if q.asks_recommendations:  # a lookup lists every matching item with its number and states, not sources
        return False, [], ""
    heard = voices(reading)
    if len(heard) < 2:
        return False, [], ""
    if is_judgement(reading):
        leans = stances(reading, heard, reader)
        top, bottom = max(leans), min(leans)
        # two holders whose leans lie the fitted gap apart are on opposite sides (even two articles of one file: a
        # briefing printing opposed views); each holder then sides with the end it is not a gap away from
        disagree = top - bottom >= gap
        out = []
        for v, lean in zip(heard, leans):
            if disagree:
                above, below = lean - bottom >= gap, top - lean >= gap
                side = Stance.SUPPORTS if above and not below else Stance.UNDERMINES if below and not above \
                    else Stance.NONE
            else:
                side = Stance.SUPPORTS if lean >= margin else Stance.UNDERMINES if lean <= -margin else Stance.NONE
            label = says(reading, 1.0 if side == Stance.SUPPORTS else -1.0) if side != Stance.NONE \
                else "does not take a side"
            out.append(position(v, label, side))
        return disagree, out, "stances" if disagree else ""
    if q.answer_type not in VALUED:
        return False, [position(v, "answers") for v in heard], ""
    answered = [(v, answer_value(reading, v.best)) for v in heard]
    out = [position(v, says(reading, value=value) if value else "answers", value=value) for v, value in answered]
    if q.answer_type not in TYPED:  # "What is X?": its spans are descriptions, which differ without contradicting
        return False, out, ""
    disagree = False
    for i, (a, va) in enumerate(answered):
        for b, vb in answered[i + 1:]:
            if not va or not vb or a.document == b.document or same_value(va, vb):
                continue
            if contradiction(reader, a.best.sentence, b.best.sentence) >= contradicts:
                disagree = True
    return disagree, out, "values" if disagree else ""
