"""Blocks -> the paragraphs a reader sees on the page.

Raw page text (plain-text exports of PDFs, PDF pages) is rebuilt line by line: hard-wrapped lines are joined,
"double-spaced" exports (a blank line after every line) are closed up, notes are set apart, a paragraph cut by a
page break (and by the footnotes printed under it) is mended, and the report's own numbering is kept ("12", list
items under it as "12(3)", recommendation items as "121.7"). Structured blocks (DOCX, HTML, Markdown) already are
paragraphs and only get numbering, list labels and sections.

The order of work on raw pages:
1. layout out (rag.ingest.layout): running heads and feet, page numbers, a cover's masthead; front matter and title apart;
2. notes found (rag.ingest.notes for PDFs, by layout; the line walker below for plain text);
3. proven note markers taken out of the body lines (rag.ingest.notes), each line remembering the notes it cites;
4. the line walk: paragraphs, headings, list and recommendation items, notes; then page breaks mended.

Every rule here is about the shape of text and layout, not about any particular report.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.ingest import layout as layout_rules
from rag.ingest import notes as note_rules
from rag.model import FOOTNOTE, HEADING, PARAGRAPH, RECOMMENDATION, Block, PageLine, Paragraph

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


class Builder:
    def __init__(self, vocab: set[str], width: float, page: Page | None = None, notes_known: bool = False,
                 numbered_doc: bool = False):
        self.vocab = vocab
        self.width = width
        self.layout = page or Page()
        self.notes_known = notes_known  # lines already carry their note role (PDF layout, or a first walk)
        self.numbered_doc = numbered_doc  # the report numbers its paragraphs
        self.units: list[Unit] = []
        self.owner: dict[int, Unit] = {}  # id(line) -> the unit it went into
        self.body: Unit | None = None  # the last body paragraph (footnotes don't interrupt it)
        self.footnote_zone = False
        self.next_number = 1
        self.next_footnote = 1
        self.body_text: list[str] = []
        self.numbered: Unit | None = None  # the last numbered paragraph (recommendation items hang under it)
        self.next_sub = 1
        self.reply: str | None = None  # the item reference the paragraphs now answer under

    # -- helpers
    def short(self, text: str) -> bool:
        return len(text) < 0.8 * self.width

    def open(self, kind: str, line: Line, **kw) -> Unit:
        unit = Unit(kind=kind, page=line.page, style=line.style(), **kw)
        self.units.append(unit)
        return unit

    def marker_seen(self, n: int) -> bool:
        recent = " ".join(self.body_text[-40:])
        return re.search(rf"[^\s\d]{n}(?!\d)", recent) is not None

    def is_heading(self, line: Line, nxt: Line | None) -> bool:
        t = line.text
        if not t[0].isupper() or ends_sentence(t) or t.endswith((",", "-", "–")) or len(t.split()) > 12:
            return False
        if re.search(r", [a-z]", t):
            return False  # a clause, not a title
        if self.body is not None and not self.body.closed and not line.page_start:
            return False
        if self.units and self.units[-1].kind == HEADING and not self.units[-1].closed:
            return True
        if nxt is not None and nxt.text and not (nxt.text[0].isupper() or nxt.text[0].isdigit() or nxt.text[0] in "(“\"'‘"):
            return False
        return is_title_case(t) or len(t) < 0.6 * self.width or t.isupper()

    def set_apart(self, line: Line, nxt: Line | None = None) -> bool:
        """A PDF line set apart from the body text around it (bold, italic or larger) that reads as a heading:
        it opens with a capital or a heading number, is no longer than a title, and what comes before it has
        ended. Bold body text (a whole bold section of recommendations) is not set apart from itself."""
        g, t = line.geo, line.text
        size = self.layout.body_size
        if g is None or size is None:
            return False
        larger = g.size > size + 0.5
        if not (larger or g.bold or g.italic):
            return False
        last = self.units[-1] if self.units else None
        if last is not None and last.kind == HEADING and last.role is None and not last.closed:
            return last.style == line.style()  # a heading set on two lines
        if not (t[0].isupper() or t[0].isdigit() or t[0] in "“\"‘(") or t.endswith((";", "-")):
            return False
        if t.endswith(",") and (nxt is None or nxt.style() != line.style()):
            return False  # a heading may break after a comma; a line of text in bold ending so goes on in text
        if len(t.split()) > 25 or (ends_sentence(t) and not larger and not layout_rules.HEADING_NUMERAL.match(t)):
            return False
        body = self.body
        if body is not None and body.style == line.style() and not body.closed:
            return False  # more of a body paragraph set in the same type
        return (body is None or body.closed or ends_sentence(body.text) or line.page_start or larger
                or layout_rules.HEADING_NUMERAL.match(t) is not None)

    # -- the walk
    def feed(self, lines: list[Line]) -> list[Unit]:
        above: Line | None = None  # the last line with text, for the vertical gap a PDF leaves between paragraphs
        for i, line in enumerate(lines):
            nxt = next((ln for ln in lines[i + 1:i + 3] if not ln.blank), None)
            if not line.blank and line.geo is not None and line.role is None:  # body text, notes aside
                if self.gap_before(above, line) and self.owner.get(id(above)) is self.body and self.body is not None:
                    self.body.closed = True
                above = line
            if line.page_start:
                self.footnote_zone = False
                if self.units:
                    self.units[-1].page_end = True
                    if self.body is not None:
                        self.body.page_end = True
            if line.blank:
                if SEPARATOR.match(line.raw) and not self.notes_known:
                    self.footnote_zone = True
                elif self.units and line.geo is None:  # a PDF's empty lines are gaps, not paragraph ends
                    self.units[-1].closed = True
                continue
            if SEPARATOR.match(line.raw) and not self.notes_known:
                self.footnote_zone = True
                continue
            for part in self.split_items(line):
                unit = self.take(part, nxt)
                if unit is not None:
                    self.owner[id(line)] = unit
                    unit.refs.extend(n for _, n in part.refs)
        return self.units

    def gap_before(self, above: Line | None, line: Line) -> bool:
        """A vertical gap wider than the body's line spacing: the space a page leaves between paragraphs."""
        pitch = self.layout.pitch
        if above is None or above.geo is None or pitch is None or above.page != line.page:
            return False
        return 1.35 * pitch < above.geo.y - line.geo.y < 6 * pitch

    def split_items(self, line: Line) -> list[Line]:
        """A line holding the start of the next recommendation item ("...(Chile); 121.8 Continue ...") is two
        lines: items set several to a line are one unit each."""
        numbered = self.numbered
        if numbered is None or not numbered.number:
            return [line]
        sub = self.next_sub
        opening = SUB_ITEM.match(line.text)
        if opening and opening.group(1) == numbered.number and int(opening.group(2)) == sub:
            sub += 1
        parts = [line]
        while True:
            last = parts[-1]
            found = re.search(rf"(?<=[;:.)])\s+(?={re.escape(numbered.number)}\.{sub}\.?\s+\S)", last.text)
            if found is None:
                return parts
            cut, shift = found.start(), found.end()
            head = Line(last.text[:cut], last.raw, last.page, last.page_start, False, last.geo, last.role,
                        last.note, [(o, n) for o, n in last.refs if o <= cut])
            tail = Line(last.text[shift:], last.text[shift:], last.page, False, False, last.geo, last.role, None,
                        [(o - shift, n) for o, n in last.refs if o > cut])
            parts[-1:] = [head, tail]
            sub += 1

    def take(self, line: Line, nxt: Line | None) -> Unit | None:
        t = line.text
        if not t:
            return None
        if self.notes_known:
            if line.role == note_rules.NOTE:
                return self.take_note(line)
        else:
            fn = FOOTNOTE_START.match(t)
            if fn and int(fn.group(1)) == self.next_footnote and (self.footnote_zone
                                                                   or self.marker_seen(self.next_footnote)):
                line.note = fn.group(1)
                self.footnote_zone = True
                self.next_footnote += 1
                unit = self.open(FOOTNOTE, line, number=fn.group(1))
                unit.lines.append(t[fn.end():].strip())
                return unit
            if self.footnote_zone:
                last = self.units[-1] if self.units else None
                if last is not None and last.kind == FOOTNOTE:
                    last.lines.append(t)
                    return last
                self.footnote_zone = False

        if line.role in (layout_rules.FRONT, layout_rules.TITLE):
            last = self.units[-1] if self.units else None
            if last is None or last.role != line.role:
                last = self.open(HEADING, line, role=line.role, closed=True)
            last.lines.append(t)
            return last

        reference = ITEM_REFERENCE.match(t)
        if reference and self.numbered_doc and (line.geo is None or line.geo.bold or line.geo.italic):
            self.body = None
            self.reply = re.sub(r"\s+", "", reference.group(1))
            unit = self.open(HEADING, line, role="reference", closed=True)
            unit.lines.append(t)
            return unit

        # a numbered line set larger than the body text is a numbered heading ("1. Introduction"), not a paragraph
        larger = line.geo is not None and self.layout.body_size is not None and (
            line.geo.size > self.layout.body_size + 0.5)
        num = NUMBERED.match(t)
        if num and int(num.group(1)) == self.next_number and not larger:
            self.next_number += 1
            self.body = self.open(PARAGRAPH, line, number=num.group(1))
            self.body.lines.append(t[num.end():])
            self.numbered, self.next_sub, self.reply = self.body, 1, None
            self.after_line(t, nxt, line)
            return self.body

        sub = SUB_ITEM.match(t)
        if (sub and self.numbered is not None and sub.group(1) == self.numbered.number
                and int(sub.group(2)) == self.next_sub and not larger):
            self.next_sub += 1
            self.body = self.open("item", line, number=f"{sub.group(1)}.{sub.group(2)}", parent=self.numbered)
            self.body.lines.append(t[sub.end():])
            self.after_line(t, nxt, line)
            return self.body

        item = LIST_ITEM.match(t) or BULLET.match(t)
        if item and self.in_list():
            marker = next((g for g in item.groups() if g), None) if item.re is LIST_ITEM else None
            parent = self.body if self.body is not None and self.body.kind != "item" else (self.body.parent if self.body else None)
            self.body = self.open("item", line, item=marker, parent=parent)
            self.body.lines.append(t[item.end():])
            self.after_line(t, nxt, line)
            return self.body

        body = self.body
        if body is not None and line.geo is not None and body.kind == PARAGRAPH and ends_sentence(body.text):
            column = self.layout.column
            if column is not None and column + 8 <= line.geo.x <= column + 80 and body.style is not None:
                body.closed = True  # an indented first line opens a paragraph
        if body is not None and not body.closed and not self.set_apart(line, nxt) and (
                not line.page_start or t[0].islower() or t[0].isdigit() or self.numbered_doc):
            if self.units[-1] is not body and line.page_start and not t[0].islower() and not self.numbered_doc:
                pass  # a new page after footnotes that begins a new sentence
            else:
                body.add(t, self.vocab)
                self.after_line(t, nxt, line)
                return body
        if self.set_apart(line, nxt) or (line.geo is None or not line.geo.bold) and self.is_heading(line, nxt):
            last = self.units[-1] if self.units else None
            if last is not None and last.kind == HEADING and last.role is None and not last.closed and (
                    last.style == line.style() or line.geo is None):
                last.lines.append(t)
            else:
                last = self.open(HEADING, line)
                last.lines.append(t)
            self.body = None
            self.reply = None
            if line.geo is not None:
                if nxt is None or nxt.style() != line.style() or layout_rules.HEADING_NUMERAL.match(nxt.text):
                    last.closed = True
            elif nxt is not None and (not is_title_case(nxt.text) or ends_sentence(t)):
                last.closed = True
            return last
        if self.units and self.units[-1].kind == HEADING:
            self.units[-1].closed = True
        self.body = self.open(PARAGRAPH, line, reply=self.reply)
        self.body.lines.append(t)
        self.after_line(t, nxt, line)
        return self.body

    def take_note(self, line: Line) -> Unit:
        """A line of a note: it opens note N, or it continues the last note (across a page break, too)."""
        t = line.text
        if line.note is not None:
            start = FOOTNOTE_START.match(t) if line.geo is None else None
            unit = self.open(FOOTNOTE, line, number=line.note)
            unit.lines.append(t[start.end():].strip() if start else t.strip())
            return unit
        last = next((u for u in reversed(self.units) if u.kind == FOOTNOTE), None)
        if last is None:
            last = self.open(FOOTNOTE, line)
        last.add(t, self.vocab)
        return last

    def in_list(self) -> bool:
        body = self.body
        if body is None:
            return False
        if body.kind == "item":
            return True
        return body.text.rstrip().endswith((":", ";"))

    def after_line(self, t: str, nxt: Line | None, line: Line | None = None) -> None:
        """Close the paragraph where the line break was not forced by wrapping: the line ends a sentence and
        is short, or the next line's first word would have fitted, or (in narrow columns) a new sentence starts.
        A recommendation item ("121.7") runs until the next item or paragraph, whatever its lines end with."""
        self.body_text.append(t)
        if self.body.kind == "item" and self.body.number:
            return
        if ends_sentence(t):
            follow = nxt.text if nxt is not None else ""
            first_word = follow.split()[0] if follow else ""
            if self.layout.right is not None and line is not None and line.geo is not None and line.geo.measured:
                # the page says where a full line ends: a line ending well short of it ends its paragraph
                size = line.geo.size or 10.0
                if line.geo.right + (len(first_word) + 1) * 0.45 * size < self.layout.right:
                    self.body.closed = True
            elif (self.short(t) or len(t) + 1 + len(first_word) <= 0.9 * self.width
                    or (self.width < NARROW and follow[:1].isupper())):
                self.body.closed = True
        elif self.body.kind == "item" and t.rstrip().endswith((";", ".")):
            self.body.closed = True


def mend_page_breaks(units: list[Unit]) -> list[Unit]:
    """Join a paragraph cut at a page end to the piece that continues it elsewhere (columns and text boxes
    can come out of order): first to a piece that starts in lower case, else to a page-opening piece whose
    first word is no usual way to start a sentence."""
    body = [u for u in units if u.kind == PARAGRAPH]
    dangling = [u for u in body if not ends_sentence(u.text) and not u.text.rstrip().endswith(",")]
    dangling = [u for u in dangling if u.page_end or u is body[-1]]
    strong = [u for u in body if u.text[:1].islower()]
    prev_of = {id(b): body[i - 1] if i else None for i, b in enumerate(body)}
    weak = [u for u in body if u.text[:1].isupper() and u.number is None and prev_of[id(u)] is not None
            and ends_sentence(prev_of[id(u)].text) and u.text.split()[0].strip(",;:") not in SENTENCE_STARTERS
            and u.lines and u.lines[0] == u.lines[0]]
    weak = [u for u in weak if any(u2.page_end for u2 in [prev_of[id(u)]] if u2)]
    merged: set[int] = set()
    order = {id(u): i for i, u in enumerate(units)}

    for pool in (strong, weak):
        for orphan in pool:
            if id(orphan) in merged:
                continue
            free = [d for d in dangling if id(d) not in merged and d is not orphan and not ends_sentence(d.text)]
            if not free:
                break
            before = [d for d in free if order[id(d)] < order[id(orphan)]]
            after = [d for d in free if order[id(d)] > order[id(orphan)]]
            target = before[-1] if before else after[0]
            target.lines.append(orphan.text)
            target.refs.extend(orphan.refs)
            target.page_end = orphan.page_end
            merged.add(id(orphan))
    return [u for u in units if id(u) not in merged]


# ---------------------------------------------------------------- structured blocks


def structured_units(blocks: list[Block]) -> list[Unit]:
    """Paragraphs the format already marks. A numbered paragraph is 'N.' with N next in sequence (Word's automatic
    numbering arrives as such text); list items after an introduction ('We recommend:') belong to it. Notes (style
    "note", their number in `notes`) are set apart; a paragraph lists the notes it cites in its `notes`."""
    units: list[Unit] = []
    parent: Unit | None = None  # the paragraph list items hang under
    list_style: str | None = None  # the marker style of the list in progress: "dot" (1.) or "other" ((1), a), •)
    next_number = 1
    counters: dict[int, int] = {}
    for block in blocks:
        text = re.sub(r"\s+", " ", block.text).strip()
        if not text:
            continue
        refs = list(block.notes or [])
        if block.style == "note":
            units.append(Unit(FOOTNOTE, [text], block.page, number=refs[0] if refs else None, closed=True))
            continue
        if block.style == "heading":
            units.append(Unit(HEADING, [text], block.page, closed=True, refs=refs))
            parent, list_style = None, None
            continue
        body = [u for u in units if u.kind != FOOTNOTE]
        last = body[-1] if body else None
        in_list = last is not None and last.kind != HEADING and (last.kind == "item" or last.text.endswith(":"))
        num = NUMBERED.match(text)
        dotted = re.match(r"^(\d{1,2}|[a-z])\.\s+(?=\S)", text)
        own = LIST_ITEM.match(text) or BULLET.match(text) or dotted
        style = "dot" if own is dotted and dotted else "other"
        starts_list = in_list and last.kind != "item" and dotted is not None and dotted.group(1) in ("1", "a")
        continues_list = in_list and last.kind == "item" and list_style == "dot"
        if num and int(num.group(1)) == next_number and block.level == 0 and not (starts_list or continues_list):
            next_number += 1
            parent = Unit(PARAGRAPH, [text[num.end():]], block.page, number=num.group(1), closed=True, refs=refs)
            units.append(parent)
            list_style = None
            continue
        if block.style == "list_item" or (own and in_list):
            if last is None or last.kind != "item":
                list_style = style
            key = id(parent)
            counters[key] = counters.get(key, 0) + 1
            groups = [g for g in (own.groups() if own else ()) if g]
            marker = groups[0] if groups else str(counters[key])
            units.append(Unit("item", [text[own.end():] if own else text], block.page, item=marker, parent=parent,
                              closed=True, refs=refs))
            continue
        parent = Unit(PARAGRAPH, [text], block.page, closed=True, refs=refs)
        units.append(parent)
        list_style = None
    return units


# ---------------------------------------------------------------- units -> Paragraphs


def label_units(units: list[Unit], doc_id: str) -> list[Paragraph]:
    """Labels: the report's own number ("12", "121.7", "12(3)", a reply's "122.14–15"); else, in a numbered
    report, the last number and how far past it ("12+1"); else the position. Headings become the section of what
    follows (the cover's front matter and title, and item references, do not). Notes are labelled "fn" + number."""
    numbered = numbers_paragraphs(units)
    out: list[Paragraph] = []
    section: str | None = None
    position = 0
    last_number: str | None = None
    since_number = 0
    labels: dict[int, str] = {}
    replies: dict[str, int] = {}
    siblings: dict[int, int] = {}
    for unit in units:
        text = re.sub(r"\s+", " ", unit.text).strip()
        if not text:
            continue
        kind = unit.kind
        context = None
        if kind == HEADING:
            label = unit.role if unit.role in ("front", "title") else f"h{sum(1 for p in out if p.kind == HEADING) + 1}"
            if unit.role is None:
                section = text
        elif kind == FOOTNOTE:
            label = f"fn{unit.number}" if unit.number else f"fn{len(out)}"
        elif kind == "item":
            parent_label = labels.get(id(unit.parent)) if unit.parent is not None else None
            if unit.number:
                label = unit.number
            else:
                siblings[id(unit.parent)] = siblings.get(id(unit.parent), 0) + 1
                marker = unit.item or str(siblings[id(unit.parent)])  # a bullet: its place in its list
                label = f"{parent_label}({marker})" if parent_label else f"({marker})"
            context = re.sub(r"\s+", " ", unit.parent.text).strip() if unit.parent is not None else None
            intro = (context or "") + " " + (section or "")
            kind = RECOMMENDATION if RECOMMENDING.search(intro) else PARAGRAPH
            text = text.rstrip(";").rstrip()
        else:
            position += 1
            if unit.number:
                label, last_number, since_number = unit.number, unit.number, 0
            elif unit.reply:
                seen = replies.get(unit.reply, 0)
                replies[unit.reply] = seen + 1
                label = unit.reply if not seen else f"{unit.reply}+{seen}"
            elif numbered and last_number:
                since_number += 1
                label = f"{last_number}+{since_number}"
            elif numbered:
                label = f"p{position}"  # before the report's first number: a position that no number can equal
            else:
                label = str(position)
        labels[id(unit)] = label
        ordinal = len(out)
        out.append(Paragraph(id=f"{doc_id}:{ordinal:05d}", doc_id=doc_id, ordinal=ordinal, label=label, kind=kind,
                             text=text, page=unit.page, section=section if kind != HEADING else None,
                             context=context, notes=",".join(dict.fromkeys(unit.refs)) or None))
    return out


@dataclass
class Built:
    """A document rebuilt: its paragraphs, and what was taken out of its text on the way (for `ingest --check`)."""

    paragraphs: list[Paragraph]
    removed: list[tuple[int | None, str, str]] = field(default_factory=list)  # layout: (page, line, reason)
    markers: list[note_rules.Marker] = field(default_factory=list)  # note markers taken out of the body
    numbers: list[str] = field(default_factory=list)  # the report's own numbers, moved from the text to labels
    numbered: bool = False  # the report numbers its paragraphs (digit labels are its numbers, not positions)
    symbol: str | None = None
    title: str | None = None
    issued: str | None = None


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


def build_document(blocks: list[Block], doc_id: str) -> Built:
    raw = [b for b in blocks if b.style == "raw"]
    if not raw or len(raw) != len(blocks):
        units = structured_units(blocks)
        return Built(label_units(units, doc_id), numbers=own_numbers(units), numbered=numbers_paragraphs(units))
    found = layout_rules.Layout()
    geometric = all(b.lines is not None for b in raw)
    if geometric:
        lines = raw_lines(raw)
        page, pitch = measure(lines)
        pages: dict = {}
        for ln in lines:
            pages.setdefault(ln.page, []).append(ln)
        found = layout_rules.mark_layout(list(pages.values()), page.body_size or 10.0, pitch)
        note_rules.find_pdf_notes(list(pages.values()), page.body_size or 10.0)
        removed = [(ln.page, ln.text, found.reasons[id(ln)]) for ln in lines if ln.role == layout_rules.LAYOUT]
        lines = [ln for ln in lines if ln.role != layout_rules.LAYOUT]
        seen_pages: set = set()
        for ln in lines:
            ln.page_start = not ln.blank and ln.page not in seen_pages
            if not ln.blank:
                seen_pages.add(ln.page)
    else:
        page = Page()
        kept, removed = layout_rules.text_furniture(raw)
        lines = raw_lines(kept)
    full = " ".join(ln.text for ln in lines)
    vocab = {w.lower() for w in re.findall(r"[A-Za-z]+(?:-[A-Za-z]+)*", full)}
    lengths = sorted(len(ln.text) for ln in lines if not ln.blank)
    width = lengths[int(0.9 * (len(lengths) - 1))] if lengths else 80
    if not geometric:  # a first walk finds the notes of plain text by their shape and the markers citing them
        first = Builder(vocab, width)
        first.feed(lines)
        for ln in lines:
            owner = first.owner.get(id(ln))
            if owner is not None and owner.kind == FOOTNOTE:
                ln.role = note_rules.NOTE
            else:
                ln.note = None
    notes: dict[str, list] = {}
    for ln in lines:
        if ln.role == note_rules.NOTE and ln.note:
            notes.setdefault(ln.note, []).append(ln.page)
    markers = note_rules.take_markers(lines, notes, raised=geometric)
    builder = Builder(vocab, width, page, notes_known=True, numbered_doc=geometric and numbered_report(lines))
    units = mend_page_breaks(builder.feed(lines))
    return Built(label_units(units, doc_id), removed, markers, own_numbers(units), numbers_paragraphs(units),
                 found.symbol, found.title, found.issued)


def numbers_paragraphs(units: list[Unit]) -> bool:
    return sum(1 for u in units if u.kind == PARAGRAPH and u.number) >= 3


def own_numbers(units: list[Unit]) -> list[str]:
    """The numbers that moved from the text into labels: paragraph, item and note numbers, list markers."""
    out = []
    for u in units:
        if u.number:
            out.append(u.number)
        if u.item:
            out.append(u.item)
    return out


def build_paragraphs(blocks: list[Block], doc_id: str) -> list[Paragraph]:
    return build_document(blocks, doc_id).paragraphs
