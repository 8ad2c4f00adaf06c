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
from rag.ingest.lines import (BULLET, LIST_ITEM, NUMBERED, RECOMMENDING, Page, Unit, measure, numbered_report,
                              raw_lines)
from rag.ingest.walk import Builder, mend_page_breaks
from rag.model import FOOTNOTE, HEADING, PARAGRAPH, RECOMMENDATION, Block, Paragraph

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
