"""How a sentence leans on what it talks about: favourable (> 0) or critical (< 0), from general English (the
rule reader of rag/answer/disagree_rules.py, which reads before the reader model's heads).

Word valences come from VADER's lexicon (Hutto & Gilbert 2014, ~7,500 English words rated by crowd workers;
the `vaderSentiment` package), with VADER's negation words and scaling. Sentiment is not stance, so one rule is
added, about how English composes meaning: a valenced word that is the object of a *reducing* verb or noun
flips ("deter crime" and "avoid harming" are favourable, "restrict freedom" and "lack of funds" are critical;
"a lack of a prohibition of punishment" flips twice). The reducing words are ordinary English verbs of
decrease, prevention and removal (the "-effect" class of Choi & Wiebe's effect lexicon, 2014), listed below;
nothing here comes from any document.

A second rule reads a sentence against the question it answers: the word a yes/no question asks about ("Is X
adequately *funded*?", "Does the law *prohibit* Y?") is the question's "yes" where VADER does not rate it, so a
sentence asserting it leans yes as VADER's "yes" does ("received sufficient *funds*"), and a sentence using its
negative form (English's negative prefixes, rag/text.py: *under*funded, *un*regulated, *non*binding) leans as VADER's "no".
"""
from __future__ import annotations

import math
from functools import lru_cache

from rag.nlp.text import parsed, stem, unprefixed

REDUCING = {stem(w) for w in """
reduce decrease lower cut curb limit restrict restrain constrain prevent prohibit prohibition ban bar block deter
avoid stop end eliminate eradicate abolish remove combat fight counter tackle lack deprive undermine weaken erode
lose loss decline drop lessen mitigate alleviate relieve ease oppose reject deny halt suppress stifle hinder
impede obstruct prevent shrink diminish minimise minimize slash withdraw revoke repeal cancel absence without
free
""".split()}
# English's auxiliary and modal verbs, as lemmas
AUXILIARIES = {"be", "do", "have", "can", "could", "shall", "should", "will", "would", "may", "might", "must"}
NEUTRAL = 0.05  # VADER's documented band for a neutral compound score (|compound| < 0.05)


@lru_cache(maxsize=1)
def _vader():
    from vaderSentiment import vaderSentiment as v

    return v.SentimentIntensityAnalyzer().lexicon, {w.lower() for w in v.NEGATE}, v.N_SCALAR


def valence(word: str) -> float:
    """VADER's rating of a word (0 for a word it does not rate)."""
    return _vader()[0].get(word.lower(), 0.0)


def flips(token) -> int:
    """How many reducing words govern a token: its heads, climbing the parse; a conjunct ("deter crime and
    increase safety") is governed by what governs its first conjunct, not by that conjunct itself."""
    count, node = 0, token
    while node.head.i != node.i:
        if node.dep_ != "conj" and stem(node.head.lemma_.lower()) in REDUCING:
            count += 1
        node = node.head
    return count


def rated(token) -> float | None:
    """VADER's rating of a parsed word, or of its lemma (None where it rates neither)."""
    lexicon = _vader()[0]
    return lexicon.get(token.lower_, lexicon.get(token.lemma_.lower()))


@lru_cache(maxsize=1024)
def naming(question: str) -> frozenset[tuple[str, str]]:
    """The adjacent pairs of content words, one of them rated, in the subject of a question: the name of the
    thing it asks a judgement on ("Has the *clean water* programme been a success?", "Is *Western criticism* of
    ... fair?").
    Where a sentence names that thing in the same words, those words are its name, not the sentence's
    judgement of it."""
    doc = parsed(question)
    # the subject: the parse's, and the first noun phrase (the small parser misreads some "Is X fair?")
    spans = [doc[t.left_edge.i:t.right_edge.i + 1] for t in doc if t.dep_ in ("nsubj", "nsubjpass")]
    spans += list(doc.noun_chunks)[:1]
    return frozenset((a.lower_, b.lower_) for span in spans for a, b in zip(span, span[1:])
                     if not (a.is_stop or b.is_stop or a.is_punct or b.is_punct)
                     and (rated(a) is not None or rated(b) is not None))


@lru_cache(maxsize=1024)
def asked(question: str) -> frozenset[str]:
    """The stem of the word a yes/no question asks about: its main verb ("Does the law *prohibit* ...?"), or,
    where that is "be", "have" or "do", its complement ("Is X adequately *funded*?", "Is X *fair*?", "Has X been
    a *success*?"). Empty for other questions: a yes/no question opens with an auxiliary or modal verb (the
    small parser tags some of them as main verbs, so they are known by their lemma)."""
    sentence = next(parsed(question).sents)
    root = sentence.root
    if sentence[0].lemma_.lower() not in AUXILIARIES:
        return frozenset()
    if root.lemma_.lower() not in ("be", "have", "do"):
        heads = [root] if root.pos_ in ("VERB", "ADJ") else []
    else:
        heads = [c for c in root.children if c.dep_ in ("acomp", "attr", "oprd", "ccomp", "xcomp")]
    return frozenset(stem(form) for t in heads if t.is_alpha for form in (t.lemma_.lower(), t.lower_))


def asserts(token, asked_stems: frozenset[str]) -> float | None:
    """A word's rating as an answer to the question (`asked`): VADER's "yes" for the asked word, its "no" for the
    asked word with a negative prefix ("underfunded" for "funded"); None for any other word."""
    if not asked_stems:
        return None
    if stem(token.lemma_.lower()) in asked_stems or stem(token.lower_) in asked_stems:
        return valence("yes")
    rest = unprefixed(token.lower_)
    return valence("no") if rest and stem(rest) in asked_stems else None


@lru_cache(maxsize=20000)
def polarity(sentence: str, named: frozenset[tuple[str, str]] = frozenset(),
             asked_stems: frozenset[str] = frozenset()) -> float:
    """-1 (critical) .. 1 (favourable): VADER valences of words and lemmas, scaled by VADER's negation
    (a negation word among the three before, or "no" among the two before), flipped under each reducing head,
    summed and normalised as VADER normalises (x / sqrt(x^2 + 15)). Words of the asked thing's name (`named`,
    from `naming`) are not rated where the sentence uses them as that name; a word VADER does not rate is
    rated by `asserts` against the question's asked word (`asked_stems`, from `asked`)."""
    _, negate, n_scalar = _vader()
    doc = parsed(sentence)

    def in_name(token) -> bool:
        before = doc[token.i - 1].lower_ if token.i else ""
        after = doc[token.i + 1].lower_ if token.i + 1 < len(doc) else ""
        return (before, token.lower_) in named or (token.lower_, after) in named

    total = 0.0
    for token in doc:
        valence = rated(token)
        answer = asserts(token, asked_stems) if valence is None else None
        if answer is not None:
            valence = answer
        elif valence is None or stem(token.lemma_.lower()) in REDUCING or (named and in_name(token)):
            continue
        if token.lower_ == "no" and token.i + 1 < len(doc) and rated(doc[token.i + 1]) is not None:
            continue  # VADER's rule: "no" before a rated word negates it ("no value") and is not rated itself
        if any(t.lower_ in negate or t.lower_.endswith("n't") for t in doc[max(0, token.i - 3):token.i]) or \
                any(t.lower_ == "no" for t in doc[max(0, token.i - 2):token.i]) or \
                any(child.dep_ == "neg" for child in token.head.children):
            valence *= n_scalar
        total += valence * (-1) ** flips(token)
    return total / math.sqrt(total * total + 15)


def leaning(sentences: list[str], weights: list[float] | None = None,
            named: frozenset[tuple[str, str]] = frozenset(), asked_stems: frozenset[str] = frozenset()) -> float:
    """The (weighted) mean polarity of what a holder says; 0 inside VADER's neutral band."""
    if not sentences:
        return 0.0
    weights = weights or [1.0] * len(sentences)
    value = sum(w * polarity(s, named, asked_stems) for s, w in zip(sentences, weights)) / sum(weights)
    return value if abs(value) >= NEUTRAL else 0.0
