"""PDF: one raw Block per page, in reading order, with the page's line breaks and each line's layout.

Most pages come out through pypdf's plain extraction. Where a page is set in columns (a clear vertical gutter with
full lines on both sides), the text is rebuilt from positioned fragments so that it reads column by column: the left
column top to bottom, then the right one. Anything spanning the gutter (a title, a full-width table, the page number)
cuts the page into bands, and each band is read left column then right column.

Each line also comes with where it sits and how it is set (Block.lines: position, font size, bold, italic, and the
spans set as superscripts). That is what later tells a running head from text (rag.ingest.layout), a footnote from the body
and a note marker from a figure (rag.ingest.notes): "18.5" set in body type is a figure; a small raised "5" after "18." is
a marker. The plain text is pypdf's own, character for character (the layout is laid over it, never rebuilt from
it), but for one thing: a note marker drawn as a text object of its own, which pypdf puts on a line of its own, is
put back on the line it is raised above.
"""
from __future__ import annotations

import io
import logging
from dataclasses import dataclass

import re

from rag.model import Block, PageLine
from rag.ingest.readers import ReadError
from rag.ingest.readers.pdf_fonts import font_metrics

log = logging.getLogger(__name__)

DAMAGED_HINT = "open it in a PDF viewer and save or print it to a new PDF, or download it again"


def locked() -> ReadError:
    return ReadError("the PDF is password-protected", "remove the password (e.g. print to PDF) and ingest again")


def read_pdf(data: bytes) -> list[Block]:
    if b"%PDF" not in data[:1024]:
        raise ReadError("the file is named .pdf but is not a PDF", "check the file, or rename it to its real type")
    if b"%%EOF" not in data.rstrip(b"\x00\r\n\t\x0c ")[-2048:]:
        raise ReadError("the PDF is incomplete (it was cut off before its end)", DAMAGED_HINT)
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except DependencyError as exc:
                raise ReadError("the PDF is encrypted with AES, which needs the 'cryptography' package",
                                "install it (pip install cryptography) or save the PDF without encryption") from exc
            if not opened:
                raise locked()
        pages = list(reader.pages)
    except (ReadError, MemoryError):
        raise
    except FileNotDecryptedError as exc:
        raise locked() from exc
    except Exception as exc:  # pypdf raises many kinds on damaged files
        raise ReadError(f"the PDF is damaged and could not be read ({type(exc).__name__})", DAMAGED_HINT) from exc

    blocks: list[Block] = []
    failed = 0
    for number, page in enumerate(pages, start=1):
        try:
            text, lines = page_lines(page)
            height = _page_height(page)
        except MemoryError:
            raise
        except Exception as exc:  # one damaged page should not lose the rest of the document
            failed += 1
            log.warning("page %d of the PDF could not be read: %s", number, exc)
            continue
        if text.strip():
            if lines is not None:
                while lines and not lines[-1].text.strip():
                    lines.pop()
                lines[-1].text = lines[-1].text.rstrip()
                text = "\n".join(ln.text for ln in lines)
            blocks.append(Block(text=text.rstrip() if lines is None else text, page=number, style="raw",
                                lines=lines, height=height))
    if not blocks:
        if failed:
            raise ReadError("the PDF is damaged: none of its pages could be read", DAMAGED_HINT)
        raise ReadError("the PDF has no text layer (scanned images)",
                        "run OCR on it first (e.g. ocrmypdf), then ingest the result")
    return blocks


# ---------------------------------------------------------------------------------------------------------- columns

def _page_height(page) -> float | None:
    try:
        box = page.mediabox
        return float(box.top) - float(box.bottom)
    except Exception:  # a page without a usable box: positions are still comparable between pages
        return None


@dataclass
class Fragment:
    """A piece of text as pypdf hands it to the visitor: one run in one font at one position."""

    text: str
    x0: float
    x1: float
    y: float  # baseline
    size: float  # rendered font size
    bold: bool = False
    italic: bool = False
    upright: bool = True
    measured: bool = True  # x1 from the font's width table, not an estimate


def page_lines(page) -> tuple[str, list[PageLine] | None]:
    """The page's text with its line breaks (column by column where the page is set in columns), and its lines
    with their layout (None where pypdf's text and the pieces it reported do not line up)."""
    pieces: list[Fragment] = []  # every piece, in the order pypdf writes them out
    fonts: dict[int, tuple] = {}

    def visit(text, cm, tm, font_dict, font_size):
        if not text:
            return
        # rendering matrix = tm x cm; only upright text takes part in column finding
        a, b = tm[0] * cm[0] + tm[1] * cm[2], tm[0] * cm[1] + tm[1] * cm[3]
        c, d = tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3]
        upright = not (abs(b) > 1e-3 or abs(c) > 1e-3 or a <= 0 or d <= 0)
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        size = abs(font_size * d) or 1.0
        metrics = font_metrics(font_dict, fonts)
        width = metrics.width(text.strip("\n")) * font_size * a if text.strip() and upright else 0.0
        pieces.append(Fragment(text, x, x + width, y, size, metrics.bold, metrics.italic, upright,
                               bool(metrics.widths)))

    plain = page.extract_text(visitor_text=visit)
    fragments = [Fragment(f.text.strip("\n"), f.x0, f.x1, f.y, f.size, f.bold, f.italic, True, f.measured)
                 for f in pieces if f.text.strip() and f.upright]
    skewed = sum(1 for f in pieces if f.text.strip() and not f.upright)
    if skewed <= len(fragments) // 10 and len(fragments) >= 8:
        try:
            _clip(fragments)
            ordered = _in_columns(fragments)
            if ordered is not None:
                lines = _lines(ordered)
                return "\n".join(ln.text for ln in lines), lines
        except (ArithmeticError, ValueError, IndexError, TypeError) as exc:  # odd geometry: keep pypdf's order
            log.debug("column analysis failed: %s", exc)
    return plain, _plain_lines(plain, pieces)


def _plain_lines(plain: str, pieces: list[Fragment]) -> list[PageLine] | None:
    """Lay the pieces pypdf reported over its own text, line by line. pypdf writes out exactly the pieces it
    reports to the visitor; where they do not add up to its text, the layout is not trusted (None)."""
    if "".join(p.text for p in pieces) != plain:
        return None
    rows: list[list[Fragment]] = [[]]
    for piece in pieces:
        for i, part in enumerate(piece.text.split("\n")):
            if i:
                rows.append([])
            if part:
                rows[-1].append(Fragment(part, piece.x0, piece.x1, piece.y, piece.size, piece.bold, piece.italic,
                                         piece.upright, piece.measured))
    return _rejoin_superscripts([_page_line(row) for row in rows])


def _rejoin_superscripts(lines: list[PageLine]) -> list[PageLine]:
    """A note marker drawn as a text object of its own comes out of pypdf as a line of its own. Put it back on its
    line: a line holding only a small number (or '*'), raised a little above the line just before it and starting
    where that one ends (a marker after a word), or just before the line after it (a note's own number)."""
    out: list[PageLine] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        core = line.text.strip()
        if core and MARK.fullmatch(core) and not line.marks:
            before, after = (out[-1] if out else None), (lines[i + 1] if i + 1 < len(lines) else None)
            if _raised_next_to(line, before, after_end=True):
                start = len(before.text) + (line.text.index(core) if line.text.startswith(" ") else 0)
                out[-1] = PageLine(before.text + line.text, before.x, before.y, before.size, before.bold,
                                   before.italic, before.marks + [(start, start + len(core))],
                                   max(before.right, line.right), before.measured)
                i += 1
                continue
            if _raised_next_to(line, after, after_end=False):
                gap = " " if not after.text.startswith(" ") else ""
                shift = len(core) + len(gap)
                out.append(PageLine(core + gap + after.text, line.x, after.y, after.size, after.bold, after.italic,
                                    [(0, len(core))] + [(a + shift, b + shift) for a, b in after.marks],
                                    after.right, after.measured))
                i += 2
                continue
        out.append(line)
        i += 1
    return out


def _raised_next_to(mark: PageLine, line: PageLine | None, after_end: bool) -> bool:
    if line is None or not line.text.strip() or not line.size or mark.size > 0.85 * line.size:
        return False
    if not 0 < mark.y - line.y <= 0.6 * line.size:
        return False
    if after_end:  # widths are estimates where a font carries none: near the end, not at a point
        return line.x + 0.6 * (line.right - line.x) <= mark.x <= line.right + 2 * line.size
    return 0 <= line.x - mark.right <= 1.5 * line.size


# ---------------------------------------------------------------------------------------------------- lines

MARK = re.compile(r"[0-9]{1,4}|[*†‡§]{1,3}")


def _page_line(row: list[Fragment]) -> PageLine:
    """A line's layout from its pieces: the size most of its characters are set in, that size's baseline, the
    left edge, bold/italic by the majority of characters, and the pieces set as superscripts (smaller than the
    line, and raised above it; a symbol such as '*' may sit on the baseline)."""
    text = "".join(f.text for f in row)
    inked = [f for f in row if f.text.strip() and f.upright]
    if not inked:
        return PageLine(text, 0.0, 0.0, 0.0)

    def commonest(values) -> float:
        weight: dict[float, int] = {}
        for value, n in values:
            weight[value] = weight.get(value, 0) + n
        return max(weight, key=weight.get)

    size = commonest((round(f.size, 1), len(f.text.strip())) for f in inked)
    baseline = commonest((round(f.y, 1), len(f.text.strip())) for f in inked if round(f.size, 1) == size)
    marks: list[tuple[int, int]] = []
    at = 0
    for f in row:
        core = f.text.strip()
        if (core and f.upright and MARK.fullmatch(core) and f.size <= 0.85 * size
                and (f.y - baseline >= 0.15 * size or not core[0].isdigit())):
            start = at + f.text.index(core)
            marks.append((start, start + len(core)))
        at += len(f.text)
    body = [f for f in inked if round(f.size, 1) == size] or inked
    chars = sum(len(f.text.strip()) for f in body)
    bold = sum(len(f.text.strip()) for f in body if f.bold) * 2 > chars
    italic = sum(len(f.text.strip()) for f in body if f.italic) * 2 > chars
    return PageLine(text, round(inked[0].x0, 1), baseline, size, bold, italic, marks,
                    round(max(f.x1 for f in inked), 1), all(f.measured for f in inked))


def _in_columns(fragments: list[Fragment], depth: int = 0) -> list[list[Fragment]] | None:
    """Fragments grouped in reading order (each group is read as lines), or None when there are no columns."""
    gutter = _find_gutter(fragments)
    if gutter is None:
        return None if depth == 0 else [fragments]
    lo, hi = gutter
    cut = (lo + hi) / 2

    def crosses(f: Fragment) -> bool:
        return f.x0 < cut < f.x1 or lo < f.x0 < hi

    # Fragments crossing the gutter (a title, a wide table row, the page number) cut the page into bands, read
    # top to bottom; within a band the left column comes first. Column text on a crossing line's baseline
    # belongs to that line.
    cuts = sorted({round(f.y, 1) for f in fragments if crosses(f)}, reverse=True)
    bands: list[list[Fragment]] = [[] for _ in range(len(cuts) + 1)]  # band i lies above cut i
    lines: list[list[Fragment]] = [[] for _ in cuts]
    for f in fragments:
        near = [i for i, y in enumerate(cuts) if abs(f.y - y) <= 2.0]
        if crosses(f) or near:
            lines[near[0]].append(f)  # a crossing fragment is near its own cut
        else:
            bands[sum(1 for y in cuts if y > f.y)].append(f)
    groups: list[list[Fragment]] = []
    for i, band in enumerate(bands):
        for side in ([f for f in band if f.x1 <= cut], [f for f in band if f.x1 > cut]):
            if side:
                groups.extend(_in_columns(side, depth + 1) if depth < 1 else [side])
        if i < len(lines):
            groups.append(lines[i])
    return [g for g in groups if g]


def _find_gutter(fragments: list[Fragment]) -> tuple[float, float] | None:
    """An empty vertical strip between two columns of full lines, as (left edge, right edge) in points."""
    if len(fragments) < 8:
        return None
    left_edge = min(f.x0 for f in fragments)
    right_edge = max(f.x1 for f in fragments)
    span = right_edge - left_edge
    if span <= 20:
        return None
    sizes = sorted(f.size for f in fragments)
    size = sizes[len(sizes) // 2]
    # how many fragments cover each point (1 pt steps) across the text area; short pieces (a page number, the
    # last line of a paragraph) say nothing about the layout
    long = [(x0, x1) for x0, x1 in _segments(fragments) if x1 - x0 >= 0.25 * span]
    if len(long) < 6:
        return None
    n = int(span) + 2
    diff = [0] * (n + 1)
    for x0, x1 in long:
        diff[max(0, int(x0 - left_edge))] += 1
        diff[min(n, int(x1 - left_edge) + 1)] -= 1
    cover, running = [], 0
    for step in diff[:n]:
        running += step
        cover.append(running)
    # the gutter: the widest strip in the middle half crossed by the fewest fragments, and by no more than a few
    # (a title, a page number, a wide table row may cross it)
    band = range(int(0.25 * span), int(0.75 * span) + 1)
    least = min(cover[x] for x in band)
    if least > max(1, len(long) // 12):
        return None
    best, run_start = None, None
    for x in list(band) + [band.stop]:
        free = x < band.stop and cover[x] == least
        if free and run_start is None:
            run_start = x
        elif not free and run_start is not None:
            if best is None or x - run_start > best[1] - best[0]:
                best = (run_start, x)
            run_start = None
    if best is None or best[1] - best[0] < max(6.0, 0.8 * size):
        return None
    lo, hi = left_edge + best[0], left_edge + best[1]
    left = [f for f in fragments if f.x1 <= lo + 1]
    right = [f for f in fragments if f.x0 >= hi - 1]
    # both sides must be columns of prose, not the cells of a table: each a good share of the width, with
    # most of its lines running (nearly) across it
    if not left or not right:
        return None
    rows = {id(side): _row_widths(side) for side in (left, right)}
    if max(len(r) for r in rows.values()) < 6 or min(len(r) for r in rows.values()) < 2:
        return None  # a last page may end with a short right column
    for side, (a, b) in ((left, (left_edge, lo)), (right, (hi, max(f.x1 for f in right)))):
        widths = rows[id(side)]
        if b - a < 0.25 * span:
            return None
        if sum(1 for w in widths if w >= 0.75 * (b - a)) < 0.6 * len(widths):
            return None
    # and stand side by side, not one above the other
    l_top, l_bottom = max(f.y for f in left), min(f.y for f in left)
    r_top, r_bottom = max(f.y for f in right), min(f.y for f in right)
    overlap = min(l_top, r_top) - max(l_bottom, r_bottom)
    if overlap <= 0 or overlap < 0.3 * min(l_top - l_bottom, r_top - r_bottom):
        return None
    return lo, hi


def _rows(fragments: list[Fragment]) -> list[list[Fragment]]:
    """Fragments on one baseline (within 2 pt), top to bottom, each row left to right."""
    rows: list[list[Fragment]] = []
    for f in sorted(fragments, key=lambda f: -f.y):
        if rows and abs(rows[-1][0].y - f.y) <= 2.0:
            rows[-1].append(f)
        else:
            rows.append([f])
    for row in rows:
        row.sort(key=lambda f: f.x0)
    return rows


def _clip(fragments: list[Fragment]) -> None:
    """A fragment ends where the next one on its line begins: widths are estimates (spaces pypdf inserts for
    gaps, dot leaders), the next fragment's position is not."""
    for row in _rows(fragments):
        for f, nxt in zip(row, row[1:]):
            if f.x0 < nxt.x0 < f.x1:
                f.x1 = nxt.x0


def _segments(fragments: list[Fragment]) -> list[tuple[float, float]]:
    """Stretches of text on each line: fragments closer than half an em make one stretch."""
    out: list[tuple[float, float]] = []
    for row in _rows(fragments):
        x0, x1 = row[0].x0, row[0].x1
        for f in row[1:]:
            if f.x0 - x1 <= 0.5 * f.size:
                x1 = max(x1, f.x1)
            else:
                out.append((x0, x1))
                x0, x1 = f.x0, f.x1
        out.append((x0, x1))
    return out


def _row_widths(fragments: list[Fragment]) -> list[float]:
    """Width of each text line (fragments on one baseline) in a set of fragments."""
    return [max(f.x1 for f in row) - min(f.x0 for f in row) for row in _rows(fragments)]


def _lines(groups: list[list[Fragment]]) -> list[PageLine]:
    """Each group's fragments as lines: top to bottom, fragments on one baseline joined left to right."""
    out: list[PageLine] = []
    for group in groups:
        rows: list[list[Fragment]] = []
        for f in sorted(group, key=lambda f: (-f.y, f.x0)):
            if rows and abs(rows[-1][0].y - f.y) <= max(2.0, 0.45 * max(f.size, rows[-1][0].size)):
                rows[-1].append(f)
            else:
                rows.append([f])
        for row in rows:
            row.sort(key=lambda f: f.x0)
            pieces: list[Fragment] = []
            prev = None
            for f in row:
                joined = "".join(p.text for p in pieces)
                if prev is not None and joined and not joined[-1].isspace() and not f.text[:1].isspace():
                    if f.x0 - prev.x1 > 0.15 * f.size:
                        pieces.append(Fragment(" ", prev.x1, f.x0, f.y, f.size))
                pieces.append(f)
                prev = f
            line = _page_line(pieces)
            for part in line.text.split("\n"):
                out.append(PageLine(part.rstrip(), line.x, line.y, line.size, line.bold, line.italic,
                                    line.marks if "\n" not in line.text else [], line.right, line.measured))
    return out
