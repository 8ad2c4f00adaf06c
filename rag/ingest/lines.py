"""Lines of raw page text, and what the line walk builds from them: the shapes of text a paragraph is told by
(sentence ends, numbering, list markers, separators), the paragraph being built (`Unit`), the page's lines with
their layout, and the page's measure. Every rule is about the shape of text and layout, not about any report."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.model import Block, PageLine

TERMINAL = (".", "!", "?", ":", ";", '."', ".”", ".’", "?”", '?"', ".)", "!”")
SMALL_WORDS = {"a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or", "the", "to",
               "vs", "with", "&", "-", "–", "—"}
SENTENCE_STARTERS = {"The", "This", "That", "These", "Those", "Thus", "It", "Its", "In", "A", "An", "We", "They",
                     "He", "She", "However", "But", "And", "As", "At", "On", "For", "If", "When", "While", "There",
                     "Meanwhile", "Indeed", "Also", "Moreover", "Furthermore", "Finally", "First", "Second", "Third"}
RECOMMENDING = re.compile(r"\b(recommend\w*|urge[sd]?|call(s|ed)? (up)?on|should|must|we ask)\b", re.I)

NUMBERED = re.compile(r"^(\d{1,3})\.\s+(?=\S)")
# a numbered item under numbered paragraph P: "121.7 Ratify ..." (P.k, k counting from 1)
SUB_ITEM = re.compile(r"^(\d{1,3})\.(\d{1,3})\.?\s+(?=\S)")
# a line that is only a reference to such items ("122.11", "122.14– 15"): the label of the reply that follows it
ITEM_REFERENCE = re.compile(r"^(\d{1,3}\.\d{1,3}(?:\s*[–-]\s*\d{1,3}(?:\.\d{1,3})?)?)$")
LIST_ITEM = re.compile(r"^(?:\((\d{1,2}|[a-z]|[ivx]{1,4})\)|(\d{1,2}|[a-z])\))\s*(?=\S)")
BULLET = re.compile(r"^[•·▪‣◦●■\-\*–]\s+(?=\S)")
FOOTNOTE_START = re.compile(r"^(\d{1,3})(?!\d)(?![.)]\s)\s?(?=\S)")
SEPARATOR = re.compile(r"^(\s{10,}|[_\-—–]{10,}\s*)$")
TRAILING_MARKER = re.compile(r"(?<=[^\s\d])\d{1,3}\s*$")


@dataclass
class Unit:
    """A paragraph being built."""

    kind: str
    lines: list[str] = field(default_factory=list)
    page: int | None = None
    number: str | None = None  # own number
    item: str | None = None  # list marker, for list items
    parent: "Unit | None" = None
    closed: bool = False  # a blank line, a short last line, or structure ended it
    page_end: bool = False  # the page ended right after it
    refs: list[str] = field(default_factory=list)  # the notes its text cites, in order
    role: str | None = None  # for headings: "front" / "title" (the cover), "reference" (labels the next paragraph)
    reply: str | None = None  # the item reference ("122.11") this paragraph answers under
    style: tuple | None = None  # (size, bold, italic) of its first line, where the page's layout is known

    @property
    def text(self) -> str:
        return " ".join(self.lines)

    def add(self, line: str, vocab: set[str]) -> None:
        if self.lines and re.search(r"\w-$", self.lines[-1]):
            self.lines[-1] = join_hyphen(self.lines[-1], line, vocab)
        else:
            self.lines.append(line)


def join_hyphen(left: str, right: str, vocab: set[str]) -> str:
    """Join a line ending in '-' with the next: drop the hyphen only where the document spells the word whole."""
    head = re.search(r"(\w+)-$", left)
    tail = re.match(r"(\w+)", right)
    if head and tail:
        whole = (head.group(1) + tail.group(1)).lower()
        hyphenated = f"{head.group(1)}-{tail.group(1)}".lower()
        if whole in vocab and hyphenated not in vocab:
            return left[:-1] + right
    return left + right


def ends_sentence(text: str) -> bool:
    text = TRAILING_MARKER.sub("", text.rstrip()).rstrip()
    return text.endswith(TERMINAL)


NARROW = 60  # characters: a page laid out in columns


def is_title_case(text: str) -> bool:
    words = re.findall(r"[^\s]+", text)
    content = [w for w in words if w.lower().strip("’'s") not in SMALL_WORDS and re.search(r"[A-Za-z]", w)]
    return bool(content) and all(w[0].isupper() or w[0].isdigit() for w in content)


# ---------------------------------------------------------------- raw pages -> lines


@dataclass
class Line:
    text: str  # stripped
    raw: str
    page: int | None
    page_start: bool
    blank: bool
    geo: PageLine | None = None  # where and how the line is set (PDF pages)
    role: str | None = None  # None: text; "layout" | "front" | "title" (rag.ingest.layout), "note" (rag.ingest.notes)
    note: str | None = None  # the number of the note this line opens
    refs: list[tuple[int, str]] = field(default_factory=list)  # markers taken out: (offset in text, note number)

    def style(self) -> tuple | None:
        g = self.geo
        return None if g is None else (round(g.size), g.bold, g.italic)


def raw_lines(blocks: list[Block]) -> list[Line]:
    """Lines of all raw blocks, with pages. A line opened by a single space is how
    plain-text PDF exports mark a new page (where such lines are rare); where the reader gave no page numbers, those marks count pages."""
    numbered = any(b.page is not None for b in blocks)
    every = [ln for b in blocks for ln in b.text.split("\n") if ln.strip()]
    marks_pages = sum(1 for ln in every if re.match(r"^ \S", ln)) < 0.05 * len(every)
    lines: list[Line] = []
    soft_page = 0
    for block in blocks:
        first = True
        geos = block.lines if block.lines is not None and len(block.lines) == block.text.count("\n") + 1 else None
        for i, raw in enumerate(block.text.split("\n")):
            raw = raw.rstrip("\n")
            blank = not raw.strip()
            soft = marks_pages and not blank and re.match(r"^ \S", raw) is not None
            page_start = (first and not blank and numbered) or soft
            if soft and not numbered:
                soft_page += 1
            page = block.page if numbered else (soft_page or None)
            geo = geos[i] if geos is not None else None
            if geo is not None and raw != raw.strip():  # the layout's offsets follow the stripped text
                lead = len(raw) - len(raw.lstrip())
                geo = PageLine(raw.strip(), geo.x, geo.y, geo.size, geo.bold, geo.italic,
                               [(a - lead, b - lead) for a, b in geo.marks if a >= lead and b - lead <= len(raw.strip())],
                               geo.right, geo.measured)
            lines.append(Line(raw.strip(), raw, page, page_start, blank, geo))
            if not blank:
                first = False
    return lines if any(ln.geo is not None for ln in lines) else close_double_spacing(lines)


def close_double_spacing(lines: list[Line]) -> list[Line]:
    """A file with an empty line after nearly every line: single empty lines mean nothing there."""
    text_lines = [i for i, ln in enumerate(lines) if not ln.blank]
    if len(text_lines) < 6:
        return lines
    followed = [i for i in text_lines if i + 2 < len(lines) and lines[i + 1].raw == "" and not lines[i + 2].blank]
    if len(followed) < 0.5 * len(text_lines):
        return lines
    typical = sorted(len(lines[i].text) for i in text_lines)[len(text_lines) // 2]
    wrapped = sum(1 for i in followed if not ends_sentence(lines[i].text) and len(lines[i].text) >= 0.5 * typical)
    if wrapped < 0.3 * len(followed):
        return lines  # the lines end sentences (or are headings): one paragraph a line, not a wrapped double-spaced text
    out: list[Line] = []
    i = 0
    while i < len(lines):
        ln = lines[i]
        if ln.raw == "":
            j = i
            while j < len(lines) and lines[j].raw == "":
                j += 1
            if j - i >= 2:
                out.append(ln)  # two or more empty lines: a real break
            i = j
            continue
        out.append(ln)
        i += 1
    return out


# ---------------------------------------------------------------- the line walker


@dataclass
class Page:
    """What the walker knows of the page layout of a PDF (all None for plain text)."""

    body_size: float | None = None  # the size the body text is set in
    column: float | None = None  # where body lines start (points from the left)
    right: float | None = None  # where full body lines end
    pitch: float | None = None  # the distance from one body line to the next


def measure(lines: list[Line]) -> tuple[Page, float]:
    """The body text's size, left edge and line pitch: the commonest of each over the document's lines."""
    weight: dict[float, int] = {}
    for ln in lines:
        if ln.geo is not None and ln.text:
            weight[round(ln.geo.size, 1)] = weight.get(round(ln.geo.size, 1), 0) + len(ln.text)
    if not weight:
        return Page(), 12.0
    size = max(weight, key=weight.get)
    body = [ln for ln in lines if ln.geo is not None and ln.text and abs(ln.geo.size - size) < 0.3]
    starts: dict[float, int] = {}
    for ln in body:
        starts[round(ln.geo.x)] = starts.get(round(ln.geo.x), 0) + 1
    gaps = sorted(a.geo.y - b.geo.y for a, b in zip(body, body[1:])
                  if a.page == b.page and 0.8 * size < a.geo.y - b.geo.y < 2.0 * size)
    pitch = gaps[len(gaps) // 2] if gaps else 1.2 * size
    rights = sorted(ln.geo.right for ln in body if ln.geo.right > 0 and ln.geo.measured)
    # most lines run full width; where the fonts carry no widths, line ends are left to the text's own rules
    right = rights[int(0.8 * (len(rights) - 1))] - size if len(rights) * 2 > len(body) else None
    most = max(starts.values())
    column = min(x for x, n in starts.items() if n >= 0.25 * most)  # the body's left edge, not an indent
    return Page(size, float(column), right, pitch), pitch


def numbered_report(lines: list[Line]) -> bool:
    """Whether the report numbers its paragraphs: 1., 2., 3. open lines in that order."""
    expect = 1
    for ln in lines:
        num = NUMBERED.match(ln.text)
        if num and int(num.group(1)) == expect:
            expect += 1
    return expect > 3
