"""What a question asks for: its answer type, its topic, and the words it must find.

The answer type comes from the question's own wording (general English interrogatives: "who", "when", "how many",
"which country", ...); a candidate sentence is then judged on whether it holds a value of that type that the
question does not already contain (`values`). The detectors are about the shape of text (years, month names,
figures, capitalised names), never about any document.
"""
from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from rag.model import DATE, MANNER, NUMBER, ORG, PERSON, PLACE, REASON, REC, THING, YESNO, Question  # noqa: F401
from rag.nlp.text import (NEGATION, QUESTION_WORDS, REPORTING, STOPWORDS, content_words, fold, is_english, parsed,
                          spelling_variants, stem, topic_words, words)


# "which European country", "what kind of" (but not "what did the committee": an auxiliary ends the noun phrase)
_NOUN = r"(?:(?!(?:is|are|was|were|do|does|did|has|have|had|can|could|will|would|should)\b)\w+\s+){0,2}"
_RULES: list[tuple[str, re.Pattern]] = [
    (DATE, re.compile(r"\b(when|since when|how long ago|what (year|date|day|month|century|decade|time|period|era)s?|"
                      r"which (year|date|day|month|century|decade|period|era)s?|in what (year|century|decade))\b")),
    (NUMBER, re.compile(r"\b(how (many|much|long|far|old|big|large|high|tall|wide|deep|often|fast)|"
                        r"what (?:is |was |are |were )?(?:the )?(percentage|percent|proportion|share|number|amount|"
                        r"population|size|rate|fraction|ratio|sum|cost|price|value|total|area|length|height|"
                        r"distance|speed|temperature)|which (percentage|proportion|number))\b")),
    (PLACE, re.compile(rf"\b(where|(what|which) {_NOUN}(country|countries|city|cities|town|place|region|state|"
                       rf"province|location|continent|area|island|river|village|county|capital|district))\b")),
    (ORG, re.compile(rf"\b(what|which) {_NOUN}(organi[sz]ations?|company|companies|agency|agencies|institutions?|"
                     rf"body|bodies|committee|party|parties|team|university|universities|group|ministry|court|"
                     rf"newspaper|network|firm|bank|church)\b")),
    (PERSON, re.compile(rf"\b(who|whom|whose|(what|which) {_NOUN}(person|people|man|men|woman|women|king|queen|"
                        rf"president|leader|author|scientist|member|minister|official|states?|countries))\b")),
    (REC, re.compile(r"\b(recommend\w*|urge[sd]?|call(s|ed)? (up)?on|propos\w*|advi[sc]e[sd]?)\b")),
    (REASON, re.compile(r"\b(why|for what reason|what (caused|causes|led to|leads to)|reasons?)\b")),
    (MANNER, re.compile(r"^(how)\b")),
    (YESNO, re.compile(r"^(is|are|was|were|does|do|did|has|have|had|can|could|should|shall|will|would|must|may)\b")),
]

# A paragraph named by its own number, as reports number them: "recommendation 98.4", "paragraph 40", "para. 12",
# "¶9(8)", "item (a)", also several ("paragraphs 40 and 41", "recommendations 98.1 to 98.5") (general English ways
# of pointing into a document; the number is the document's label).
_LABEL = r"(?:\d+(?:\.\d+)*(?:\s?\(\w{1,4}\))*|\(\w{1,4}\))"
NAMED_PARAGRAPH = re.compile(rf"(?:\brecommendations?|\bparagraphs?|\bparas?\.?|¶|\bitems?)\s*"
                             rf"({_LABEL}(?:\s*(?:,|and|to|-|–)\s*{_LABEL})*)", re.I)
MAX_NAMED = 50  # a range "1 to 100000" names no more than this many (a bound on work, not a judgement)
EVALUATIVE = re.compile(r"^(should|is|are|was|were|does|do|did|can|could|would|will|has|have)\b.*\b"
                        r"(should|fair|unfair|good|bad|right|wrong|better|worse|effective|ineffective|legitimate|"
                        r"credible|adequate(ly)?|sufficient(ly)?|justified|necessary|beneficial|harmful|"
                        r"successful|safe|ethical|moral|legal|worth)\b|^should\b", re.I)


@lru_cache(maxsize=4096)
def read(text: str) -> Question:
    """The question's answer type, topic stems and the names and figures it mentions."""
    q = fold(text).strip()
    low = q.lower()
    answer_type = THING
    for kind, pattern in _RULES:
        if pattern.search(low):
            answer_type = kind
            break
    if answer_type == YESNO and dict(_RULES)[REC].search(low):
        answer_type = REC
    topics = list(dict.fromkeys(stem(w) for w in topic_words(q)))
    first = True
    proper = []
    as_asked = {w.lower(): w for w in words(q)}  # an acronym as the question writes it ("GDP", not "gdp")
    for token in re.findall(r"[A-Za-z][\w'’.-]*|\d[\d,.]*", q):
        if token[0].isdigit() or (token[0].isupper() and not first):
            named = set(content_words(token))
            proper.extend(stem(as_asked.get(w.lower(), w)) for w in words(token) if w in named or w.isdigit())
        first = False
    counted = _COUNTED.search(low)
    return Question(text=q, answer_type=answer_type, topics=topics, proper=list(dict.fromkeys(proper)),
                    counted=stem(counted.group(1)) if counted else None, subject=subject_of(q),
                    negated=bool(NEGATION.search(q)), evaluative=bool(EVALUATIVE.search(q)),
                    recommending=answer_type in (PERSON, ORG, PLACE) and bool(dict(_RULES)[REC].search(low)))


# A question that leans on the one before: it opens with a connective or refers back with a pronoun (general English)
FOLLOW_UP = re.compile(r"^(and|but|also|so|what about|how about|then)\b|\b(it|its|they|them|their|this|that|these|"
                       r"those|he|she|his|her|there)\b", re.I)


def refers_back(question: str) -> bool:
    """Whether a question leans on the one before it ("And what do they recommend?")."""
    return bool(FOLLOW_UP.search(question))


def topic_phrases(question: str) -> list[str]:
    """What a question asks about, in its own words: its noun phrases (spaCy's noun chunks) less determiners,
    pronouns, question words and words that frame a question ("the submission", "the report"); where it has
    none, its topic words ("What is ZRT?" -> ["ZRT"]). Never a verb of asking."""
    out = []
    for chunk in parsed(question).noun_chunks:
        kept = [t.text for t in chunk if not (t.is_punct or t.tag_ in ("WDT", "WP", "WP$", "PRP", "DT"))
                and t.lower_ not in STOPWORDS and t.lower_ not in QUESTION_WORDS]
        if kept:
            out.append(" ".join(kept))
    return list(dict.fromkeys(out)) or ([" ".join(topic_words(question))] if topic_words(question) else [])


def as_read(question: str) -> str:
    """The question as the reader model reads it. Where its main verb reports what a source says and its subject is
    a kind of document ("What does the city council report say about the pier?", "What do the 2018 reports
    recommend on water?"), the words before that noun that pick out which document are left out ("What does
    the report say about ..."): the sentences that answer seldom hold them, and a reader trained to find the
    question's words in the answer's sentence looks for them. A subject that is a name ("What does Amnesty say")
    is kept: sources name themselves."""
    doc = parsed(question)
    root = next((t for t in doc if t.head.i == t.i), None)
    if root is None or root.lemma_.lower() not in REPORTING:
        return question
    subject = next((t for t in root.children if t.dep_ == "nsubj"), None)
    if subject is None or subject.pos_ != "NOUN" or subject.lemma_.lower() not in QUESTION_WORDS:
        return question  # only a document's own kind ("report", "submission", "briefing"), not "the second law"
    naming = [t for t in subject.children if t.i < subject.i and t.dep_ in ("compound", "amod", "nummod", "nmod",
                                                                             "poss")]
    if not naming:
        return question
    start = doc[min(t.left_edge.i for t in naming)].idx
    the = "the " if any(t.dep_ == "poss" for t in naming) else ""  # "China's report" -> "the report"
    return doc.text[:start] + the + doc.text[subject.idx:]


def subject_of(question: str) -> str | None:
    """The stem of the first subject in the parse that is a noun or a name, not a question word ("What must
    *residents* do?", "When was the *bridge* opened?"; none in "What ruined the plans?")."""
    for token in parsed(question):
        if token.dep_ in ("nsubj", "nsubjpass") and token.pos_ in ("NOUN", "PROPN"):
            return stem(token.text)
    return None


# ------------------------------------------------------------------ values of a type in a sentence
MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|december|"
          "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec")
# A date is one value however much of it is written ("3 May 2018", "June 2016", "March 3, 1990", "1990s"); a year
# is four digits and a day one or two, not the start of a longer figure ("close to 15000 persons" holds no year
# 1500, "In June 2016" no 20 June).
_YEAR = r"(?:1[0-9]|20)\d\d(?!\d|[.,]\d)"
_DATE = re.compile(rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)? (?:{MONTHS})\b(?:,? {_YEAR})?|"
                   rf"(?:{MONTHS})\.? \d{{1,2}}(?!\d)(?:,? {_YEAR})?|(?:{MONTHS})\b\.?,? (?:of )?{_YEAR}|"
                   rf"{_YEAR}(?:s|'s)?|\d{{1,2}}(?:st|nd|rd|th)?[- ]century|"
                   rf"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|"
                   rf"thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|"
                   rf"twenty-first) century|\d+ (?:BC|AD|BCE|CE)\b)", re.I)
NUMBER_WORDS = ("one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
                "seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|"
                "thousand|million|billion|trillion|dozen|dozens|hundreds|thousands|millions|half|quarter|third")
_NUMBER = re.compile(rf"(?<![\w.])(?:[$£€¥])?(?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d+)?(?:\s?(?:%|percent|per cent|million|billion|"
                     rf"trillion|thousand))?|\b(?:{NUMBER_WORDS})\b", re.I)
_NAME = re.compile(r"(?<![\w'’])(?:[A-Z][\w'’.-]*[\w]|[A-Z])(?:\s+(?:of|the|de|du|da|del|von|van|and|for|la|le|"
                   r"&)?\s*[A-Z][\w'’.-]*[\w])*")
_PLACE_CUE = re.compile(r"\b(?:in|at|from|near|to|into|across|throughout|outside|inside|within|of) (?:the )?$", re.I)


_LIST_MARKER = re.compile(r"\(\d{1,2}\)")  # "(1) broadens the right ...": a list's numbering, not a quantity


_COUNTED = re.compile(r"\bhow many ([a-z][a-z'-]*)")
_COUNT_WORD = re.compile(rf"^(?:\d[\d,.]*%?|{NUMBER_WORDS})$", re.I)


def counts(sentence: str, noun: str) -> bool:
    """Whether the sentence puts a number before the (stemmed) noun, within four words ("215 recommendations",
    "two thousand new seats"): it says how many of them."""
    ws = words(sentence)
    return any(stem(w) == noun and any(_COUNT_WORD.match(x) for x in ws[max(0, i - 4):i]) for i, w in enumerate(ws))


def values(sentence: str, answer_type: str, question: Question | None = None) -> list[str]:
    """Values of the asked type in a sentence that the question does not already name ('1931' for a 'when'
    question; 'Lyon' for a 'where' question; not 'Report' for "Who drafted the report?"). Empty for types
    without a value (reasons, descriptions)."""
    asked = set(question.proper) | {stem(w) for w in content_words(question.text)} if question else set()
    text = fold(sentence)
    found: list[str] = []
    if answer_type == DATE:
        found = [m.group(0) for m in _DATE.finditer(text)]
    elif answer_type == NUMBER:
        found = [m.group(0) for m in _NUMBER.finditer(text) if not _DATE.fullmatch(m.group(0))
                 and not _LIST_MARKER.fullmatch(text[max(0, m.start() - 1):m.end() + 1])]
    elif answer_type in (PERSON, ORG, PLACE):
        for m in _NAME.finditer(text):
            if m.start() == 0 and " " not in m.group(0):
                continue  # a sentence's first word is capitalised anyway
            if answer_type == PLACE and not _PLACE_CUE.search(text[max(0, m.start() - 12):m.start()]):
                continue
            found.append(m.group(0))
    out = []
    for v in found:
        v_stems = {stem(w) for w in content_words(v)}
        if v_stems and v_stems <= asked:
            continue  # the question's own name or year is not its answer
        out.append(v.strip())
    return out


def normal_value(value: str) -> str:
    """A value as compared across sources: '1,791' = '1791', '50 per cent' = '50%', 'The Hague' = 'hague'."""
    v = fold(value).lower().strip()
    v = re.sub(r"\b(the|about|approximately|around|some|nearly|almost|over|roughly)\b", "", v)
    v = re.sub(r"\s*(percent|per cent)\b", "%", v)
    v = re.sub(r"(?<=\d),(?=\d{3}\b)", "", v)
    return re.sub(r"\s+", " ", v).strip(" .")


# ------------------------------------------------------------------ a word no document holds, as the documents spell it
def spelling_index(terms) -> dict[tuple[str, int], list[str]]:
    """The collection's stems by (first letter, length): where `respelled` looks for a mistyped word's intent."""
    index: dict[tuple[str, int], list[str]] = {}
    for t in terms:
        if t.isalpha() and len(t) >= 4:
            index.setdefault((t[0], len(t)), []).append(t)
    return index


def edits(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (insert, delete, substitute, swap two neighbours), or limit + 1 once it
    is certain to exceed the limit."""
    previous2, previous = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def named_labels(question: str) -> list[str]:
    """The paragraph labels a question names ("What does recommendation 98.4 ask?" -> ['98.4']; "paragraphs 40
    and 41" -> ['40', '41']; "recommendations 98.1 to 98.3" -> ['98.1', '98.2', '98.3'])."""
    out: list[str] = []
    for m in NAMED_PARAGRAPH.finditer(question):
        parts = re.split(r"\s*(,|and|to|-|–)\s*", m.group(1))
        labels, joins = [x.replace(" ", "") for x in parts[::2]], parts[1::2]
        out.append(labels[0])
        for join, label in zip(joins, labels[1:]):
            start, end = out[-1].rpartition("."), label.rpartition(".")
            if join in ("to", "-", "–") and start[0] == end[0] and start[2].isdigit() and end[2].isdigit():
                first, last = int(start[2]) + 1, int(end[2])
                prefix = start[0] + start[1]
                out.extend(f"{prefix}{n}" for n in range(first, min(last, first + MAX_NAMED) + 1))
            else:
                out.append(label)
    return list(dict.fromkeys(out))[:MAX_NAMED]


def acronym_typed(term: str, typed: set[str], known) -> bool:
    """Whether a stem no document holds is an acronym typed in lower case: typed so, uninflected ("ohchr", not
    "cats"), and the collection has it in capitals (OHCHR)."""
    return term in typed and term.islower() and not known(term) and known(term.upper())


def respelled(question: Question, index: dict[tuple[str, int], list[str]], known) -> Question:
    """The question with each word no document holds read as the one word of the collection it is a slip of
    ("astronaughts" -> astronaut): one edit away for words of up to five letters, two for longer ones, the same
    first letter (slips rarely touch it; "unemployment" is not "employment"), and only when exactly one word is
    that close. A word of the English dictionary is no slip ("seats" is not "sent": `is_english`): it is read
    in its other spelling where the collection spells it so (organisation -> organization), or stays unknown.
    A word with no such neighbour stays as it is, and stays unknown. An acronym typed in lower case
    ("ohchr", as typed, uninflected) is read as the collection's acronym (OHCHR); "cats" is never "CAT"."""
    mapping: dict[str, str] = {}
    typed = set(words(question.text))
    for t in dict.fromkeys(question.topics + question.proper):
        if known(t):
            continue
        if acronym_typed(t, typed, known):
            mapping[t] = t.upper()
            continue
        spelt = [w for w in typed if stem(w) == t]
        if any(is_english(w) for w in spelt):
            other = next((stem(v) for w in spelt for v in spelling_variants(w) if known(stem(v))), None)
            if other:
                mapping[t] = other
            continue
        if not t.isalpha() or len(t) < 4:
            continue
        limit = 1 if len(t) <= 5 else 2
        near: dict[int, list[str]] = {}
        for n in range(len(t) - limit, len(t) + limit + 1):
            for cand in index.get((t[0], n), ()):
                d = edits(t, cand, limit)
                if d <= limit and known(cand):
                    near.setdefault(d, []).append(cand)
        if near:
            best = near[min(near)]
            if len(best) == 1:
                mapping[t] = best[0]
    if not mapping:
        return question
    fix = lambda ts: list(dict.fromkeys(mapping.get(t, t) for t in ts))  # noqa: E731
    return replace(question, topics=fix(question.topics), proper=fix(question.proper))
