"""Blocks -> the paragraphs a reader sees on the page.

Raw page text (plain-text exports of PDFs, PDF pages) is rebuilt line by line: hard-wrapped lines are joined,
"double-spaced" exports (a blank line after every line) are closed up, footnote blocks are set apart, a paragraph
cut by a page break (and by the footnotes printed under it) is mended, and the report's own numbering is kept
("12", and list items under it as "12(3)"). Structured blocks (DOCX, HTML, Markdown) already are paragraphs and
only get numbering, list labels and sections.

Every rule here is about the shape of text, not about any particular report.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.model import FOOTNOTE, HEADING, PARAGRAPH, RECOMMENDATION, Block, Paragraph

TERMINAL = (".", "!", "?", ":", ";", '."', ".”", ".’", "?”", '?"', ".)", "!”")
SMALL_WORDS = {"a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or", "the", "to",
               "vs", "with", "&", "-", "–", "—"}
SENTENCE_STARTERS = {"The", "This", "That", "These", "Those", "Thus", "It", "Its", "In", "A", "An", "We", "They",
                     "He", "She", "However", "But", "And", "As", "At", "On", "For", "If", "When", "While", "There",
                     "Meanwhile", "Indeed", "Also", "Moreover", "Furthermore", "Finally", "First", "Second", "Third"}
RECOMMENDING = re.compile(r"\b(recommend\w*|urge[sd]?|call(s|ed)? (up)?on|should|must|we ask)\b", re.I)

NUMBERED = re.compile(r"^(\d{1,3})\.\s+(?=\S)")
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
        for raw in block.text.split("\n"):
            raw = raw.rstrip("\n")
            blank = not raw.strip()
            soft = marks_pages and not blank and re.match(r"^ \S", raw) is not None
            page_start = (first and not blank and numbered) or soft
            if soft and not numbered:
                soft_page += 1
            page = block.page if numbered else (soft_page or None)
            lines.append(Line(raw.strip(), raw, page, page_start, blank))
            if not blank:
                first = False
    return close_double_spacing(lines)


PAGE_NUMBER = re.compile(r"^(page\s*)?[-–]?\s*\d{1,4}\s*[-–]?(\s*(of|/)\s*\d{1,4})?$", re.I)


def drop_page_furniture(blocks: list[Block]) -> list[Block]:
    """Remove running heads and feet (a short line at the top or bottom of most pages, digits aside) and page
    numbers. Only the outermost lines of a page are looked at, and only while they keep being furniture."""
    if sum(1 for b in blocks if b.page is not None) < 2:
        return blocks

    def key(line: str) -> str:
        return re.sub(r"\d+", "#", " ".join(line.lower().split()))

    pages = [b.text.split("\n") for b in blocks]
    seen: dict[str, int] = {}
    for lines in pages:
        texts = [ln for ln in lines if ln.strip()]
        for k in {key(ln) for ln in texts[:2] + texts[-2:] if len(ln.strip()) < 60}:
            seen[k] = seen.get(k, 0) + 1
    repeated = {k for k, n in seen.items() if n >= max(3, (len(pages) + 1) // 2)}

    def furniture(line: str) -> bool:
        return key(line) in repeated or PAGE_NUMBER.match(line.strip()) is not None

    out = []
    for block, lines in zip(blocks, pages):
        idx = [i for i, ln in enumerate(lines) if ln.strip()]
        drop: set[int] = set()
        for run in (idx[:2], idx[::-1][:2]):
            for i in run:
                if not furniture(lines[i]):
                    break
                drop.add(i)
        out.append(Block("\n".join(ln for i, ln in enumerate(lines) if i not in drop), block.page, block.style,
                         block.level))
    return out


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


class Builder:
    def __init__(self, vocab: set[str], width: float):
        self.vocab = vocab
        self.width = width
        self.units: list[Unit] = []
        self.body: Unit | None = None  # the last body paragraph (footnotes don't interrupt it)
        self.footnote_zone = False
        self.next_number = 1
        self.next_footnote = 1
        self.body_text: list[str] = []

    # -- helpers
    def short(self, text: str) -> bool:
        return len(text) < 0.8 * self.width

    def open(self, kind: str, line: Line, **kw) -> Unit:
        unit = Unit(kind=kind, page=line.page, **kw)
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

    # -- the walk
    def feed(self, lines: list[Line]) -> list[Unit]:
        for i, line in enumerate(lines):
            nxt = next((ln for ln in lines[i + 1:i + 3] if not ln.blank), None)
            if line.page_start:
                self.footnote_zone = False
                if self.units:
                    self.units[-1].page_end = True
                    if self.body is not None:
                        self.body.page_end = True
            if line.blank:
                if SEPARATOR.match(line.raw):
                    self.footnote_zone = True
                elif self.units:
                    self.units[-1].closed = True
                continue
            if SEPARATOR.match(line.raw):
                self.footnote_zone = True
                continue
            self.take(line, nxt)
        return self.units

    def take(self, line: Line, nxt: Line | None) -> None:
        t = line.text
        fn = FOOTNOTE_START.match(t)
        if fn and int(fn.group(1)) == self.next_footnote and (self.footnote_zone or self.marker_seen(self.next_footnote)):
            self.footnote_zone = True
            self.next_footnote += 1
            self.open(FOOTNOTE, line, number=fn.group(1)).lines.append(t[fn.end():].strip())
            return
        if self.footnote_zone:
            last = self.units[-1] if self.units else None
            if last is not None and last.kind == FOOTNOTE:
                last.lines.append(t)
                return
            self.footnote_zone = False

        num = NUMBERED.match(t)
        if num and int(num.group(1)) == self.next_number:
            self.next_number += 1
            self.body = self.open(PARAGRAPH, line, number=num.group(1))
            self.body.lines.append(t[num.end():])
            self.after_line(t, nxt)
            return

        item = LIST_ITEM.match(t) or BULLET.match(t)
        if item and self.in_list():
            marker = next((g for g in item.groups() if g), None) if item.re is LIST_ITEM else None
            parent = self.body if self.body is not None and self.body.kind != "item" else (self.body.parent if self.body else None)
            self.body = self.open("item", line, item=marker, parent=parent)
            self.body.lines.append(t[item.end():])
            self.after_line(t, nxt)
            return

        body = self.body
        if body is not None and not body.closed and (not line.page_start or t[0].islower() or t[0].isdigit()):
            if self.units[-1] is not body and line.page_start and not t[0].islower():
                pass  # a new page after footnotes that begins a new sentence
            else:
                body.add(t, self.vocab)
                self.after_line(t, nxt)
                return
        if self.is_heading(line, nxt):
            last = self.units[-1] if self.units else None
            if last is not None and last.kind == HEADING and not last.closed:
                last.lines.append(t)
            else:
                self.open(HEADING, line)
                self.units[-1].lines.append(t)
            self.body = None
            if nxt is not None and (not is_title_case(nxt.text) or ends_sentence(t)):
                self.units[-1].closed = True
            return
        if self.units and self.units[-1].kind == HEADING:
            self.units[-1].closed = True
        self.body = self.open(PARAGRAPH, line)
        self.body.lines.append(t)
        self.after_line(t, nxt)

    def in_list(self) -> bool:
        body = self.body
        if body is None:
            return False
        if body.kind == "item":
            return True
        return body.text.rstrip().endswith((":", ";"))

    def after_line(self, t: str, nxt: Line | None) -> None:
        """Close the paragraph where the line break was not forced by wrapping: the line ends a sentence and
        is short, or the next line's first word would have fitted, or (in narrow columns) a new sentence starts."""
        self.body_text.append(t)
        if ends_sentence(t):
            follow = nxt.text if nxt is not None else ""
            first_word = follow.split()[0] if follow else ""
            if (self.short(t) or len(t) + 1 + len(first_word) <= 0.9 * self.width
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
            target.page_end = orphan.page_end
            merged.add(id(orphan))
    return [u for u in units if id(u) not in merged]


# ---------------------------------------------------------------- structured blocks


def structured_units(blocks: list[Block]) -> list[Unit]:
    """Paragraphs the format already marks. A numbered paragraph is 'N.' with N next in sequence (Word's automatic
    numbering arrives as such text); list items after an introduction ('We recommend:') belong to it."""
    units: list[Unit] = []
    parent: Unit | None = None  # the paragraph list items hang under
    list_style: str | None = None  # the marker style of the list in progress: "dot" (1.) or "other" ((1), a), •)
    next_number = 1
    counters: dict[int, int] = {}
    for block in blocks:
        text = re.sub(r"\s+", " ", block.text).strip()
        if not text:
            continue
        if block.style == "heading":
            units.append(Unit(HEADING, [text], block.page, closed=True))
            parent, list_style = None, None
            continue
        last = units[-1] if units else None
        in_list = last is not None and last.kind != HEADING and (last.kind == "item" or last.text.endswith(":"))
        num = NUMBERED.match(text)
        dotted = re.match(r"^(\d{1,2}|[a-z])\.\s+(?=\S)", text)
        own = LIST_ITEM.match(text) or BULLET.match(text) or dotted
        style = "dot" if own is dotted and dotted else "other"
        starts_list = in_list and last.kind != "item" and dotted is not None and dotted.group(1) in ("1", "a")
        continues_list = in_list and last.kind == "item" and list_style == "dot"
        if num and int(num.group(1)) == next_number and block.level == 0 and not (starts_list or continues_list):
            next_number += 1
            parent = Unit(PARAGRAPH, [text[num.end():]], block.page, number=num.group(1), closed=True)
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
                              closed=True))
            continue
        parent = Unit(PARAGRAPH, [text], block.page, closed=True)
        units.append(parent)
        list_style = None
    return units


# ---------------------------------------------------------------- units -> Paragraphs


def strip_markers(text: str, footnotes: set[str]) -> str:
    """Remove footnote reference numbers glued to words ('work.1', 'Apple5')."""
    if not footnotes:
        return text
    return re.sub(r"(?<=[A-Za-z.,;:’”)\]\"'])(\d{1,3})(?=[\s.,;:)]|$)",
                  lambda m: "" if m.group(1) in footnotes else m.group(1), text)


def label_units(units: list[Unit], doc_id: str) -> list[Paragraph]:
    footnotes = {u.number for u in units if u.kind == FOOTNOTE and u.number}
    numbered = sum(1 for u in units if u.kind == PARAGRAPH and u.number) >= 3
    out: list[Paragraph] = []
    section: str | None = None
    position = 0
    last_number: str | None = None
    since_number = 0
    labels: dict[int, str] = {}
    for unit in units:
        text = re.sub(r"\s+", " ", unit.text).strip()
        if not text:
            continue
        kind = unit.kind
        context = None
        if kind == HEADING:
            section = text
            label = f"h{sum(1 for p in out if p.kind == HEADING) + 1}"
        elif kind == FOOTNOTE:
            label = f"fn{unit.number}"
        elif kind == "item":
            parent_label = labels.get(id(unit.parent)) if unit.parent is not None else None
            marker = unit.item or str(sum(1 for p in out if p.kind != HEADING) + 1)
            label = f"{parent_label}({marker})" if parent_label else f"({marker})"
            context = strip_markers(unit.parent.text, footnotes) if unit.parent is not None else None
            intro = (context or "") + " " + (section or "")
            kind = RECOMMENDATION if RECOMMENDING.search(intro) else PARAGRAPH
            text = text.rstrip(";").rstrip()
        else:
            position += 1
            if unit.number:
                label, last_number, since_number = unit.number, unit.number, 0
            elif numbered and last_number:
                since_number += 1
                label = f"{last_number}+{since_number}"
            else:
                label = str(position)
        labels[id(unit)] = label
        if kind != FOOTNOTE:
            text = strip_markers(text, footnotes)
        ordinal = len(out)
        out.append(Paragraph(id=f"{doc_id}:{ordinal:05d}", doc_id=doc_id, ordinal=ordinal, label=label, kind=kind,
                             text=text, page=unit.page, section=section if kind != HEADING else None,
                             context=context))
    return out


def build_paragraphs(blocks: list[Block], doc_id: str) -> list[Paragraph]:
    raw = [b for b in blocks if b.style == "raw"]
    if raw and len(raw) == len(blocks):
        lines = raw_lines(drop_page_furniture(raw))
        full = " ".join(ln.text for ln in lines)
        vocab = {w.lower() for w in re.findall(r"[A-Za-z]+(?:-[A-Za-z]+)*", full)}
        lengths = sorted(len(ln.text) for ln in lines if not ln.blank)
        width = lengths[int(0.9 * (len(lengths) - 1))] if lengths else 80
        units = mend_page_breaks(Builder(vocab, width).feed(lines))
    else:
        units = structured_units(blocks)
    return label_units(units, doc_id)
