"""Small text tools shared by retrieval, the answer writer, the citation checker and the disagreement finder."""
from __future__ import annotations

import re

STOPWORDS = set("""
a about above after again against all also am an and any are as at be because been before being below between both
but by can could did do does doing down during each few for from further had has have having he her here hers
herself him himself his how i if in into is it its itself just me more most my myself no nor not of off on once only
or other our ours ourselves out over own same she should so some such than that the their theirs them themselves
then there these they this those through to too under until up very was we were what when where which while who
whom why will with would you your yours yourself yourselves s t don now ever per via upon yet whether within
""".split())

# Words that frame a question rather than say what it is about.
QUESTION_WORDS = set("""
say says said tell tells told describe described describes mention mentions mentioned according document documents
report reports paper text source sources submission briefing article think thinks view views position positions
explain explains give gives happen happened mean means regarding concerning respect kind kinds type types way ways
please write show list summarise summarize summary main key anything something question answer like use used
count counts counted compare compared comparison react reacted reaction stand recommend recommends recommended
recommendation recommendations call calls called
""".split())

_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*[A-Za-z]|[A-Za-z]|\d+(?:[.,]\d+)*%?")


def words(text: str) -> list[str]:
    """Lower-case words; hyphenated compounds count as their parts ('UN-centred' -> 'un', 'centred')."""
    out = []
    for w in _WORD.findall(text):
        out.extend(part for part in w.lower().replace("’", "'").split("-") if part)
    return out


def content_words(text: str) -> list[str]:
    return [w for w in words(text) if w not in STOPWORDS and len(w) > 1]


def topic_words(text: str) -> list[str]:
    """The words that say what a question is about (content words, less question framing)."""
    return [w for w in content_words(text) if w not in QUESTION_WORDS]


def stem(word: str) -> str:
    """A light stemmer: enough to match 'recommendations'/'recommend', 'detained'/'detention' roughly."""
    w = word.lower().replace("'s", "").strip("'")
    for suffix in ("ations", "ation", "ments", "ment", "ings", "ing", "ies", "ied", "ed", "es", "s", "ly"):
        if len(w) > len(suffix) + 3 and w.endswith(suffix):
            w = w[: -len(suffix)]
            break
    return w.rstrip("e") if len(w) > 4 else w


ABBREVIATIONS = re.compile(r"\b(?:Dr|Mr|Mrs|Ms|Prof|No|Art|para|paras|e\.g|i\.e|etc|vs|U\.S|U\.K|St|Jr|Sr)\.$")


def sentences(text: str) -> list[str]:
    """Split a paragraph into sentences, keeping abbreviations and decimals together."""
    parts = re.split(r"(?<=[.!?])[\"”’']?\s+(?=[\"“‘']?[A-Z0-9(])", text.strip())
    out: list[str] = []
    for part in parts:
        if out and (ABBREVIATIONS.search(out[-1]) or len(out[-1]) < 12):
            out[-1] = f"{out[-1]} {part}"
        else:
            out.append(part)
    return [s.strip() for s in out if s.strip()]


NUMBER = re.compile(r"(?<![\w.])(?:\$|£|€)?\d+(?:[.,]\d+)*(?:\s?(?:%|percent|per cent|million|billion|trillion))?")


def numbers(text: str) -> list[str]:
    return [n.strip() for n in NUMBER.findall(text)]


# Text that came from a document or a model is shown as text: no images, HTML or link targets.

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_SCRIPT = re.compile(r"<(script|style|iframe|object|embed|svg|template)\b[^>]*>[\s\S]*?</\1\s*>", re.I)
_COMMENT = re.compile(r"<!--[\s\S]*?(?:-->|$)|<!\[CDATA\[[\s\S]*?(?:\]\]>|$)|<[!?][^>]*>")
_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.\-]{1,31}:[^\s<>]*)>")
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_IMAGE = re.compile(r"!\[[^\]]*\](?:\([^)]*\)|\[[^\]]*\])")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def neutralise(text: str | None) -> str:
    """Plain text from document text: no images, no HTML, links reduced to their words, nothing that a Markdown
    renderer could turn back into an image, a link target or a reference definition."""
    if not text:
        return ""
    text = _CONTROL.sub("", text)
    previous = None
    while previous != text:  # until stable, so nested or split constructs can't reassemble
        previous = text
        text = _SCRIPT.sub("", text)
        text = _COMMENT.sub("", text)
        text = _AUTOLINK.sub(r"\1", text)
        text = _TAG.sub("", text)
        text = _IMAGE.sub("", text)
        text = _LINK.sub(r"\1", text)
    # whatever bracket syntax is left can no longer form an image, an inline link or a reference definition
    text = re.sub(r"!(?=\s*\[)", "", text)
    text = text.replace("](", "] (").replace("]:", "] :")
    return text
