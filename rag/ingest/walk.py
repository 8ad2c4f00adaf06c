"""The line walk (rag/ingest/paragraphs.py runs it on raw pages): line by line, paragraphs, headings, list and
recommendation items and notes are told apart and built (`Builder`); then paragraphs cut by a page break are mended
(`mend_page_breaks`)."""

from __future__ import annotations

import re

from rag.ingest import layout as layout_rules
from rag.ingest import notes as note_rules
from rag.ingest.lines import (BULLET, FOOTNOTE_START, ITEM_REFERENCE, LIST_ITEM, NARROW, NUMBERED, SENTENCE_STARTERS,
                              SEPARATOR, SUB_ITEM, Line, Page, Unit, ends_sentence, is_title_case)
from rag.model import FOOTNOTE, HEADING, PARAGRAPH

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
