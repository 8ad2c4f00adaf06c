"""Conflicts of fact, read by rules of general English (rag/answer/disagree_rules.py hears the holders and runs
these first): what a holder's sentence speaks of, and two holders' answers that differ.

- values: the question asks for a date, figure, place or name, and two holders' answer-bearing sentences give
  different values of that type (a bridge opened in 1931 vs 1936; 8,000 people vs 2,100), of the same thing (`slot`);
- edits: two holders give the same sentence but for one differing span (the same passage with the answer
  changed), whatever the type.
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache

from rag.answer.holders import Voice, short_name
from rag.answer.reading import Candidate, Reading
from rag.model import Position, Stance
from rag.nlp.question import DATE, NUMBER, ORG, PERSON, PLACE, normal_value, values
from rag.nlp.text import fold, in_view, parsed, sentences, stem, stems, unprefixed, words

TYPED = (PERSON, ORG, PLACE, DATE, NUMBER)
# kinds of figure a sentence shows (general English and ISO 4217's three-capital currency codes)
SHARE, MONEY, COUNT = "share", "money", "count"
PERCENT = re.compile(r"%|\bper ?cent\b", re.I)
MONEY_BEFORE = re.compile(r"(?:[$£€¥]|\b[A-Z]{3})\s?$")
MONEY_AFTER = re.compile(r"\s?(?:dollars?|euros?|pounds? sterling|yen|francs?|rupees?|yuan)\b", re.I)
ASKS_WHAT_IS = re.compile(r"what(?:'s| is| was| are| were)\b", re.I)  # "What was unemployment ...?"


def setting(c: Candidate) -> frozenset[str]:
    """The stems of a candidate's paragraph, section, introduction and document title, and of each word a
    negative prefix is put on there (a paragraph on an "underfunded" body speaks of its funding)."""
    p = c.evidence.paragraph
    return _setting(f"{c.evidence.document.title} {p.section or ''} {p.context or ''} {p.text}")



@lru_cache(maxsize=4096)
def _setting(text: str) -> frozenset[str]:
    """`setting` of a text: read once per paragraph, though every sentence of it is a candidate."""
    return frozenset(stems(text) | {stem(rest) for w in words(text) for rest in [unprefixed(w)] if rest})



def speaks_to(c: Candidate, focus: set[str], reading: Reading) -> bool:
    """Whether a candidate's setting names every focus word that its document uses anywhere, and every name
    and figure: a document is not asked for a common word it never uses (one says "judges" where another
    says "members of the court"), but one that uses the word elsewhere and not here is only passing by, and one
    that never names the thing the question names speaks of something else, as does one that uses only a
    minority of the focus words (the words it has then say too little of what is asked). A question that names
    nothing gives no such anchor: every focus word is needed. Nor is the verb of a question that asks for a
    date, figure or name excused, which says of what event the value is asked: a document that says the dam was
    inspected in 2015 does not say when it was completed (whereas "Has the reform improved conditions?" is
    answered by a holder that says conditions remain harsh, and "Should the law be amended?" by what a holder
    thinks of the law)."""
    doc_id = c.evidence.document.doc_id
    names = set(reading.question.proper)
    verb = predicate(reading.question.text) if reading.question.answer_type in TYPED else None
    needed = {t for t in focus if t in names or t == verb or not names or reading.uses is None or
              reading.uses(t, doc_id)}
    return 2 * len(needed) > len(focus) and needed <= setting(c) if focus else True



@lru_cache(maxsize=1024)
def predicate(question: str) -> str | None:
    """The stem of the question's own verb ("When was the dam *completed*?", "Who *won* the contract?"); None
    where its verb is only "be", "have" or "do" ("What was unemployment ...?")."""
    root = next(parsed(question).sents).root
    if root.pos_ in ("VERB", "ADJ") and root.lemma_.lower() not in ("be", "have", "do"):
        return stem(root.lemma_.lower())
    return None



def acted_on(verb) -> frozenset[str]:
    """The stems of what a verb acts on in the parse: its object or passive subject, the head noun with the nouns
    compounded with it ("adopted the harbour works *plan*" -> plan, work, harbour); empty where that is a
    pronoun or there is none."""
    passive = verb.tag_ == "VBN" and any(x.dep_ in ("aux", "auxpass") and x.lemma_.lower() == "be"
                                         for x in verb.children)  # "When was the plan adopted?": nsubj, as parsed
    patients = ("dobj", "nsubjpass", "nsubj") if passive else ("dobj", "nsubjpass")
    return frozenset(stem(t.lemma_.lower()) for c in verb.children if c.dep_ in patients
                     and c.pos_ in ("NOUN", "PROPN") for t in (c, *(x for x in c.children if x.dep_ == "compound")))



@lru_cache(maxsize=1024)
def theme(question: str) -> frozenset[str]:
    """What the question's own verb acts on ("When was the harbour works plan *adopted*?" -> plan, work,
    harbour)."""
    return acted_on(next(parsed(question).sents).root)



def of_another_act(sentence: str, wanted: frozenset[str], verb: str) -> bool:
    """Whether every use of the question's verb in the sentence acts on something else than the question's verb
    does (`wanted`, its `theme`): "the council adopted a *budget* for the plan" does not say when the *plan*
    was adopted. False where the question's verb acts on nothing it names, or the sentence's on nothing named (a
    pronoun: "It was adopted in 2015")."""
    uses = verb_uses(sentence, verb)
    return bool(wanted) and bool(uses) and all(acted_on(t) and not acted_on(t) & wanted for t in uses)



def verb_uses(sentence: str, verb: str) -> list:
    """The sentence's tokens that use the verb (a stem, `predicate`) as a verb: "the dam was *completed* in 1962"
    states the completion; "monitor their adoption" names one without stating it."""
    return [t for t in parsed(fold(sentence)) if t.pos_ in ("VERB", "AUX") and stem(t.lemma_.lower()) == verb]



def asked_about(reading: Reading) -> set[str]:
    """The question's topic words that the best answer's setting names: what every answer must be about."""
    return set(reading.question.topics) & setting(reading.candidates[0])



def one_per_document(heard: list[Voice]) -> list[Voice]:
    """Each document's best voice (voices come best first)."""
    first: dict[str, Voice] = {}
    for v in heard:
        first.setdefault(v.best.evidence.document.doc_id, v)
    return list(first.values())



def position(holder: str, items: list[Candidate], stance: Stance = Stance.NONE, value: str | None = None) -> Position:
    dates = sorted({c.evidence.document.date for c in items if c.evidence.document.date})
    summary = " ".join(f"{c.sentence} [{c.evidence.n}]" for c in items)
    return Position(holder=holder, summary=summary, citations=list(dict.fromkeys(c.evidence.n for c in items)),
                    date=", ".join(dates) or None, stance=stance.value, value=value)



def asked_type(reading: Reading, bearing: list[Voice]) -> str | None:
    """The type of value the question asks for; for a question that asks what something is but does not say
    of which type ('What was unemployment ...?'), the type every answering holder's shown sentences give a value
    of (a figure, else a date). A question of what happened or what someone did asks for no value: two holders
    dating two different events do not disagree."""
    q = reading.question
    if q.answer_type in TYPED:
        return None if q.answer_type == PERSON and asks_who_a_name_is(q.text) else q.answer_type
    if not ASKS_WHAT_IS.match(q.text):
        return None
    for kind in (NUMBER, DATE):
        if bearing and all(any(values(c.sentence, kind, q) for c, _ in reading.shown(v.candidates)) for v in bearing):
            return kind
    return None



@lru_cache(maxsize=1024)
def asks_who_a_name_is(question: str) -> bool:
    """"Who is Ann Ross?", "Who was the Ombudsman?": "be" and a name, by spaCy's tags; it asks what the named one
    is, a description, not for a name ("Who is the chair of the trust?" asks for a person)."""
    root = next(parsed(question).sents).root
    return question.lower().startswith("who") and root.lemma_.lower() == "be" and any(
        c.pos_ == "PROPN" and c.dep_ in ("nsubj", "attr") for c in root.children)



@lru_cache(maxsize=1024)
def asks_for_several(question: str) -> bool:
    """Whether the question asks for a list: its "which"/"what" qualifies a plural noun ("Which states
    recommended ...?", "Which three categories ...?", "In which years ...?"; spaCy's tags NNS/NNPS). Different
    holders naming different ones then add to the answer; they do not disagree."""
    doc = parsed(question)
    for i, t in enumerate(doc):
        if t.lower_ not in ("which", "what"):
            continue
        head = None  # the phrase's head: the last noun of the run of numbers, adjectives and nouns that follows
        for nxt in doc[i + 1:]:
            if nxt.tag_ not in ("CD", "JJ", "JJR", "JJS", "NN", "NNS", "NNP", "NNPS", "HYPH"):
                break  # "What is ...": no noun phrase
            if nxt.tag_.startswith("NN"):
                head = nxt
        if head is not None and head.tag_ in ("NNS", "NNPS"):
            return True
    return False



def value_conflict(reading: Reading, bearing: list[Voice],
                   contradicts: Callable[[str, str], bool] | None = None) -> list[Position]:
    """Holders whose answer-bearing sentences give different values of the asked type. A holder's answer is the
    first sentence it would show (a candidate, or one shown with it: `around`) that gives such a value, from a
    candidate whose setting names what the best answer's setting names of the question (so a figure about
    something else is not its answer). Holders giving the
    same value form one side; each side is named by its value. `contradicts(a, b)`: whether two answer sentences
    say opposite things (the reader's NLI head, rag/answer/disagree.py); where given, a side whose sentence does not
    state the question's own verb ("When was the dam *completed*?") is kept only where its sentence contradicts
    another side's: a year given with another verb is often the year of another event ("Since 2018, pilots have
    been part of the authority" does not say when its act was amended), and a question whose verb is only "be"
    ("What is the population of X?") names no event to check against."""
    q = reading.question
    kind = asked_type(reading, bearing)
    if kind is None:
        return []
    focus = asked_about(reading)
    verb = predicate(q.text) if q.answer_type in TYPED else None
    sides: dict[str, list[tuple[Candidate, str]]] = {}
    first = None  # what the best answer's value is the value of
    for v in bearing:
        # the holder's answer: the first sentence it would show that gives a value of that type (a shown
        # candidate, or a sentence shown with it: "Bonner House is a historic home. It was built about 1835.")
        found = next(((s, of_verb(s.sentence, x, q, verb)) for c, _ in reading.shown(v.candidates)
                      if speaks_to(c, focus, reading) for s in around(c) for x in [values(s.sentence, kind, q)] if x),
                     None)
        if found is None:
            continue
        c, value = found
        if verb and of_another_act(c.sentence, theme(q.text) - {q.counted}, verb):
            continue  # the value of another act of the same verb: a budget adopted, not the plan asked about
            #           (what a "how many" question counts is the answer's own noun, which may be another unit)
        of = slot(c.sentence, value, set(q.proper))
        if q.answer_type not in TYPED and not (of[1] | of[2]) & set(q.topics):
            continue  # a question that names no type asks for a value of what it names, not any year a holder gives
        if first is None:
            first = of
        elif not same_slot(first, of, kind):
            continue  # a value of something else: 300 pupils of a town's school, not 2,364 residents of the town
        key = normal_value(value)
        # one side where either holder's answer sentence also gives the other's value (a holder that lists the
        # value another answers with does not contradict it)
        own = {normal_value(x) for x in values(c.sentence, kind, q)}
        match = next((k for k in sides if agree(k, {key} | own, kind) or
                      agree(key, {normal_value(x) for x in values(sides[k][0][0].sentence, kind, q)}, kind)), None)
        sides.setdefault(match or key, []).append((c, value))
    if contradicts is not None and len(sides) > 1:
        heads = {k: members[0][0].sentence for k, members in sides.items()}
        sides = {k: members for k, members in sides.items()
                 if (verb and verb_uses(heads[k], verb)) or any(contradicts(heads[k], heads[o]) for o in heads if o != k)}
    if len(sides) < 2:
        return []
    return [position("; ".join(short_name(c.evidence) for c, _ in members), [c for c, _ in members],
                     value=members[0][1]) for members in sides.values()]



def agree(value: str, others: set[str], kind: str) -> bool:
    """Whether a value (as `normal_value` writes it) is one of the others; a date also where one is the other
    written more fully ("2017" and "14 October 2017")."""
    if value in others:
        return True
    if kind != DATE:
        return False
    parts = set(words(value))
    return any(parts <= set(words(o)) or set(words(o)) <= parts for o in others if o)



def of_verb(sentence: str, found: list[str], q, verb: str | None) -> str:
    """Of a sentence's values of the asked type, the one that hangs from the question's verb in the parse, where
    one does ("Who edited the anthology?": "... of poems by Ann Ross, edited by Tom Lee" answers Tom Lee); else
    the first."""
    if verb is not None:
        for value in found:
            if verb in slot(sentence, value, set(q.proper))[1]:
                return value
    return found[0]



def around(c: Candidate) -> list[Candidate]:
    """A candidate, then the sentences the answer shows with it (rag/nlp/text.py's `in_view`), as candidates of the
    same paragraph."""
    all_sentences = sentences(c.evidence.paragraph.text)
    if c.index >= len(all_sentences) or all_sentences[c.index] != c.sentence:
        return [c]
    return [c] + [replace(c, index=i, sentence=all_sentences[i]) for i in in_view(c.index, all_sentences)
                  if i != c.index]



def slot(sentence: str, value: str, names: set[str]) -> tuple[str | None, set[str], set[str]]:
    """What a value in a sentence is the value of: its kind where the sentence shows it (a share, a sum of money,
    a count of a noun: "2,364 *residents*", the parse's nummod); the stems of the first two nouns, verbs or
    adjectives its phrase hangs from, climbing the parse ("*displaced* 2,100 households", "*chaired* by Tom
    Reyes"); and the subjects of the verbs it passes ("*unemployment* fell to 4%"); none of them the question's
    names, which every answer shares. Values of two different kinds do not conflict (a budget of EUR 4 million,
    a staff of 40); two counts only where their words meet ("2,364 residents" and "300 pupils" count different
    things, "8,000 people" and "2,100 households" displaced do not); two names only where the words they hang
    from meet (the trust "chaired by" one person and "founded by" another; the agency "based in" one city that
    "opened a branch in" another). Other values are compared as before: the words around a share or a date
    vary too much with the wording ("women comprised 23 per cent" against "women's representation ... 24.4%")."""
    sentence = fold(sentence)  # as values() read it
    doc = parsed(sentence)
    at = sentence.find(value)
    span = doc.char_span(at, at + len(value), alignment_mode="expand") if at >= 0 else None
    if span is None:
        return None, set(), set()
    if PERCENT.search(value):
        kind = SHARE
    elif MONEY_BEFORE.search(sentence[:at]) or MONEY_AFTER.match(sentence[at + len(value):]) or value[:1] in "$£€¥":
        kind = MONEY
    elif span.root.dep_ == "nummod" and span.root.head.pos_ == "NOUN":
        kind = COUNT
    else:
        kind = None

    def content(token) -> str | None:
        if token.i in range(span.start, span.end) or token.is_stop or token.lemma_.lower() in ("be", "have", "do"):
            return None
        return stem(token.lemma_.lower()) if token.pos_ in ("NOUN", "PROPN", "VERB", "ADJ", "AUX") else None

    found: set[str] = set()
    subjects: set[str] = set()
    node = span.root
    for _ in range(4):  # a bound on the climb, not a judgement: two words are found within it
        if node.head.i == node.i or len(found) >= 2:
            break
        node = node.head
        found |= {w for w in [content(node)] if w}
        if node.pos_ in ("VERB", "AUX"):
            subjects |= {w for t in node.children if t.dep_ in ("nsubj", "nsubjpass") for w in [content(t)] if w}
    return kind, found - names, subjects - names



def same_slot(a: tuple, b: tuple, kind: str) -> bool:
    """Whether two values, as `slot` reads them, can be rival answers to one question (see `slot`)."""
    (kind_a, climb_a, subjects_a), (kind_b, climb_b, subjects_b) = a, b
    if kind_a and kind_b and kind_a != kind_b:
        return False
    if kind_a == kind_b == COUNT:
        return bool((climb_a | subjects_a) & (climb_b | subjects_b))
    if kind in (PERSON, ORG, PLACE) and climb_a and climb_b:
        return bool(climb_a & climb_b)
    return True



def edit_conflict(reading: Reading, bearing: list[Voice]) -> list[Position]:
    """Two holders give one sentence with a single span changed (the same passage, another answer). The
    changed spans are the values; they must not be words of the question. A question that asks for a value of a
    type is answered by the span only where the span is such a value, and, where the question names its verb,
    a value of that verb ("Who edited the anthology?" is not disputed by two passages naming two different poets
    of it, edited by the same person; nor "Who directed the film?" by two passages calling it two genres)."""
    q = reading.question
    asked = set(q.topics) | set(q.proper)
    verb = predicate(q.text) if q.answer_type in TYPED else None
    for i, a in enumerate(bearing):
        for b in bearing[i + 1:]:
            wa, wb = words(a.best.sentence), words(b.best.sentence)
            ops = [op for op in difflib.SequenceMatcher(a=wa, b=wb, autojunk=False).get_opcodes() if op[0] != "equal"]
            if len(ops) != 1 or ops[0][0] != "replace":
                continue
            _, i1, i2, j1, j2 = ops[0]
            same = len(wa) - (i2 - i1)
            if same < (i2 - i1) + (j2 - j1) or not same:
                continue  # more changed than kept: two different sentences, not one edited
            span_a, span_b = " ".join(wa[i1:i2]), " ".join(wb[j1:j2])
            if stems(span_a) & asked or stems(span_b) & asked:
                continue
            if q.answer_type in TYPED and not all(answers_as_asked(sentence, span, q, verb) for sentence, span in
                                                  ((a.best.sentence, span_a), (b.best.sentence, span_b))):
                continue
            return [position(a.holder, [a.best], value=span_a), position(b.holder, [b.best], value=span_b)]
    return []



def answers_as_asked(sentence: str, span: str, q, verb: str | None) -> bool:
    """Whether a changed span is a value of the asked type in its sentence, and, where the question names its
    verb and the sentence uses it, hangs from that verb in the parse (`slot`)."""
    found = [v for v in values(sentence, q.answer_type, q) if span in v or v in span]
    return bool(found) and (verb is None or verb not in stems(sentence) or
                            any(verb in slot(sentence, v, set(q.proper))[1] for v in found))
