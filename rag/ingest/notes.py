"""Notes (footnotes and endnotes) and the markers in the body that cite them.

A note is not part of the paragraph it annotates: it is stored on its own (kind footnote, label "fn12"), and the
paragraph lists the notes it cites. Taking a marker out of the body changes the text, so it is done only where the
marker is proven: a note of that number exists, and

- in a PDF, the marker is set as a superscript (smaller and raised: the reader reports it), so "18.5 per cent" set
  in body type keeps its 5 whatever notes exist;
- in plain text, where nothing is raised, the digits are glued to a word or to closing punctuation, they are the
  next note in the order the body cites them, and a digit after a decimal point ("2019.3") counts only as the very
  next note before a new sentence ("by 2019.3 Next"), never inside a figure ("18.5 per cent").

A digit that is not proven a marker stays in the text.

Notes themselves are found by layout in a PDF (a run of lines in a smaller type at the foot of a page, opening with
a note number: footnotes at the foot of each page, endnotes filling the last pages), and by the line walker of
rag.ingest.paragraphs in plain text (numbered lines after a separator, or numbered lines whose marker the body just cited).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

NOTE = "note"  # the role of a line that belongs to a note
PLAIN_NOTE_START = re.compile(r"^\s*(\d{1,3})(?!\d)(?![.)]\s)\s?(?=\S)")
SYMBOL_NOTE_START = re.compile(r"^\s*([*†‡§]{1,3})\s*(?=\S)")


@dataclass
class Marker:
    """A note marker taken out of a line: where it was, so the fidelity check can account for every digit."""

    page: int | None
    line: str  # the line before the marker was taken out
    start: int
    end: int
    number: str


def note_start(line) -> str | None:
    """The number a PDF line opens a note with: a superscript at its start, else a plain number and a space."""
    text = line.text
    lead = len(text) - len(text.lstrip())
    marks = line.geo.marks if line.geo is not None else []
    if marks and marks[0][0] == lead:
        return text[marks[0][0]:marks[0][1]]
    plain = PLAIN_NOTE_START.match(text) or SYMBOL_NOTE_START.match(text)
    return plain.group(1) if plain else None


def _opens_raised(line) -> bool:
    marks = line.geo.marks if line.geo is not None else []
    return bool(marks) and marks[0][0] == len(line.text) - len(line.text.lstrip())


def find_pdf_notes(pages: list[list], body_size: float) -> None:
    """Mark the lines of notes on PDF pages: role NOTE on every line, `note` = its number on a note's first line.

    A page's notes are the run of lines at its foot set smaller than the body text, from the first line that opens
    a note. A run that opens without a note number continues the previous page's last note."""
    last = 0  # the last note number opened with a plain (not raised) number
    carried = False  # the previous page ended in notes
    raised_notes = any(_opens_raised(ln) for page in pages for ln in page if ln.geo is not None and ln.text.strip()
                       and ln.geo.size < body_size - 0.4)  # then a plain number opening a line is text ("1 May")
    for page in pages:
        lines = sorted((ln for ln in page if ln.role is None and ln.geo is not None and ln.text.strip()),
                       key=lambda ln: -ln.geo.y)
        zone: list = []
        for line in reversed(lines):
            if line.geo.size >= body_size - 0.4:
                break
            zone.insert(0, line)
        starts = []
        for line in zone:
            number = note_start(line)
            raised = _opens_raised(line)
            plain_ok = not raised_notes and number is not None and number.isdigit() and int(number) in (last + 1, 1)
            if number is not None and (raised or not number.isdigit() or plain_ok):
                starts.append((line, number))
                if not raised and number.isdigit():
                    last = int(number)
        if not starts:
            carried = False
            continue
        first = zone.index(starts[0][0])
        if first and not carried:
            zone = zone[first:]
        opens = {id(line): number for line, number in starts}
        for line in zone:
            line.role = NOTE
            line.note = opens.get(id(line))
            if line.note is not None and line.text.lstrip().startswith(line.note):
                lead = len(line.text) - len(line.text.lstrip())
                line.text = (line.text[:lead] + line.text[lead + len(line.note):]).strip()
        carried = True


# ---------------------------------------------------------------------------------------------- markers

# digits glued to a word or to closing punctuation ("work.1", "Apple5", "recommendations,7", "13.3%.12")
GLUED = re.compile(r"(?<=[A-Za-z\u00C0-\u024F.,;:’”)\]\"'%!?])(\d{1,3})(?!\d)(?=[\s.,;:)\]’”\"']|$)")


def take_markers(lines: list, notes: dict[str, list], raised: bool) -> list[Marker]:
    """Take proven note markers out of body lines (in reading order). `notes`: note number -> the pages its notes
    are on. `raised`: the lines carry layout (a PDF), so only superscripts are candidates. Each line's `text` loses
    its markers and its `refs` gains (offset in the new text, note number). Returns what was taken out."""
    taken: list[Marker] = []
    last = 0
    for line in lines:
        if line.role is not None and line.role not in ("front", "title"):
            continue
        spans = _raised(line) if raised else _glued(line.text)
        accepted: list[tuple[int, int, str]] = []
        for start, end in spans:
            number = line.text[start:end]
            pages = notes.get(number)
            if not pages:
                continue
            if number.isdigit():
                n = int(number)
                if raised:
                    if not (n > last or line.page in pages):  # the next notes, or a page's own footnotes afresh
                        continue
                elif not _plain_marker(line.text, start, end, n, last):
                    continue
                last = n
            accepted.append((start, end, number))
        if accepted:
            _remove(line, accepted, taken)
    return taken


def _raised(line) -> list[tuple[int, int]]:
    return list(line.geo.marks) if line.geo is not None else []


def _glued(text: str) -> list[tuple[int, int]]:
    return [m.span(1) for m in GLUED.finditer(text)]


def _plain_marker(text: str, start: int, end: int, n: int, last: int) -> bool:
    """Whether digits glued to the text before them are a note marker, in text that has no superscripts."""
    if not last < n <= last + 10:
        return False  # markers come in the order of their notes
    before = text[:start]
    if re.search(r"\d[.,]$", before):
        # "2019.3": a figure's shape; a marker only as the very next note, before a new sentence or the line end
        after = text[end:]
        return n == last + 1 and (after.strip() == "" or re.match(r"\s+[A-Z“\"‘(]", after) is not None)
    if re.search(r"(?:^|[^\w])[A-Z]$", before):
        return False  # "G20", "A4": a name with a number, not a word with a marker
    return True


def _remove(line, accepted: list[tuple[int, int, str]], taken: list[Marker]) -> None:
    """Cut the accepted spans (and the commas between markers set side by side: '1, 2') out of the line."""
    original = line.text
    spans: list[list] = []
    for start, end, number in accepted:
        if spans and re.fullmatch(r"[\s,;]*", original[spans[-1][1]:start]):
            spans[-1][1] = end
            spans[-1][2].append(number)
        else:
            spans.append([start, end, [number]])
    text = original
    for start, end, numbers in reversed(spans):
        glue = " " if start > 0 and end < len(text) and text[start - 1].isalnum() and text[end].isalnum() else ""
        text = text[:start] + glue + text[end:]
    line.text = text
    shift = 0
    for start, end, numbers in spans:
        glue = 1 if start > 0 and end < len(original) and original[start - 1].isalnum() and original[end].isalnum() else 0
        at = start - shift
        for number in numbers:
            line.refs.append((at, number))
        shift += (end - start) - glue
    for start, end, number in accepted:
        taken.append(Marker(line.page, original, start, end, number))
