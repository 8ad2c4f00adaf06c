"""Page layout that is not the document's text: running heads and feet, page numbers, and a cover page's masthead.

Everything here is decided by where a line sits and how often it comes back, never by what it says:

- a running head or foot is a line standing apart at the top or bottom edge of a page (a gap wider than the body's
  line spacing between it and the text) that comes back, digits aside, at the same height on many pages
  ("A/HRC/43/15", "GE.20-02535 7", a page number);
- a first page set as a cover carries a masthead: the block at the very top of page 1 that holds the running head's
  text ("United Nations A/HRC/43/15", issuing body, distribution, date). It is the document's identity, kept as
  metadata (symbol, date), not as text. Such a cover also carries a reference at its foot (a job number, a bar
  code): lines of code-like text (no words) below everything else on page 1;
- the first page's title is the run of lines set larger than the body text; what stands above it on the cover
  (issuing body, session, dates) is front matter. Both are kept, as headings, out of the body.

Plain-text files carry no positions: for them, `text_furniture` drops short lines repeated at the top or bottom of
most pages (digits aside) and bare page numbers, looking only at each page's outermost lines.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.model import Block

LAYOUT, FRONT, TITLE = "layout", "front", "title"
RUNNING, PAGE_NUMBER, MASTHEAD, COVER_FOOT = "running head/foot", "page number", "masthead", "cover foot"

PAGE_NUMBER_TEXT = re.compile(r"^(page\s*)?[-–]?\s*\d{1,4}\s*[-–]?(\s*(of|/)\s*\d{1,4})?$", re.I)
HEADING_NUMERAL = re.compile(r"^\s*(?:[IVXLC]{1,6}|[A-Z]|\d{1,2}(?:\.\d{1,2})*)\.\s+\S")  # "IV.", "B.", "2.1."
DATE = re.compile(r"\b(\d{1,2}\s+[A-Z][a-z]{2,9}\.?\s+\d{4}|[A-Z][a-z]{2,9}\.?\s+\d{1,2},\s+\d{4}|\d{4}-\d{2}-\d{2})\b")
IDENTIFIER = re.compile(r"^[^\s]*[/\d][^\s]*$")


@dataclass
class Layout:
    """What the layout pass found: per line (by id) why it is not text, and the document's own metadata."""

    reasons: dict[int, str] = field(default_factory=dict)  # id(line) -> RUNNING | PAGE_NUMBER | MASTHEAD | COVER_FOOT
    symbol: str | None = None
    title: str | None = None
    issued: str | None = None
    running: str | None = None  # the running head's text, page numbers aside


def key(text: str) -> str:
    """A line as a running head repeats it: case, spacing and digits (page numbers, years) aside."""
    return re.sub(r"\d+", "#", " ".join(text.lower().split()))


def inked(text: str) -> bool:
    """Whether a line shows any letter or digit (a bar code set in a symbol font shows none)."""
    return any(ch.isalnum() for ch in text)


def mark_layout(pages: list[list], body_size: float, pitch: float) -> Layout:
    """Set `role` to LAYOUT on the running heads and feet, page numbers and cover masthead/foot of PDF pages, and
    to FRONT / TITLE on the cover's front matter and title. `pages`: per page, its Lines (with `geo`)."""
    found = Layout()
    _running(pages, found, pitch)
    if pages:
        _cover(pages[0], found, body_size, pitch, len(pages))
    for page in pages:
        for line in page:
            if id(line) in found.reasons:
                line.role = LAYOUT
    return found


def _edges(lines: list, pitch: float) -> list:
    """The lines standing apart at a page's top and bottom edge: at most two on each, above (below) the first gap
    wider than the body's line pitch allows. Text running to the edge of the page has no such gap."""
    out = []
    for run in (lines, lines[::-1]):
        for i in range(min(2, len(run) - 1)):
            if abs(run[i].geo.y - run[i + 1].geo.y) > 1.6 * pitch:
                out.extend(run[:i + 1])
                break
    return out


def _running(pages: list[list], found: Layout, pitch: float) -> None:
    """Lines at a page's top or bottom edge that recur, digits aside, at the same height on many pages."""
    if len(pages) < 2:
        return
    need = max(2, -(-3 * len(pages) // 10))  # on at least 30% of the pages
    seen: dict[str, list] = {}  # key -> [(y, page index, line)]
    middle: list[float] = []  # per page: half way between its highest and lowest line
    for n, page in enumerate(pages):
        lines = sorted((ln for ln in page if ln.geo is not None and inked(ln.text)), key=lambda ln: -ln.geo.y)
        middle.append((lines[0].geo.y + lines[-1].geo.y) / 2 if lines else 0.0)
        for line in _edges(lines, pitch):
            seen.setdefault(key(line.text), []).append((line.geo.y, n, line))
    counts: dict[str, int] = {}  # running text (page numbers aside) -> pages, heads (top half) before feet
    for k, hits in seen.items():
        hits.sort(key=lambda h: h[0])
        clusters: list[list] = []
        for hit in hits:
            if clusters and hit[0] - clusters[-1][-1][0] <= 3.0:
                clusters[-1].append(hit)
            else:
                clusters.append([hit])
        for cluster in clusters:
            if not re.search(r"[^\W\d_]", k) and not _paged(cluster):
                continue  # a line of bare numbers recurs as a page number does, or not at all
            if len({n for _, n, _ in cluster}) >= need:
                for _, n, line in cluster:
                    bare = PAGE_NUMBER_TEXT.match(line.text.strip()) is not None
                    found.reasons[id(line)] = PAGE_NUMBER if bare else RUNNING
                    if not bare:
                        text = " ".join(w for w in line.text.split() if not w.isdigit())
                        top = line.geo.y > middle[n]
                        if text:
                            counts[text] = counts.get(text, 0) + (1000 if top else 1)
    if counts:
        found.running = max(counts, key=counts.get)
        if IDENTIFIER.match(found.running):
            found.symbol = found.running


def _paged(cluster: list) -> bool:
    """Bare numbers at one height that count the pages: each is its page's position plus one fixed offset."""
    offsets: dict[int, int] = {}
    for _, n, line in cluster:
        number = PAGE_NUMBER_TEXT.match(line.text.strip())
        digits = re.findall(r"\d+", line.text)
        if number is None or not digits:
            continue
        offset = int(digits[0]) - n
        offsets[offset] = offsets.get(offset, 0) + 1
    return bool(offsets) and max(offsets.values()) * 3 >= 2 * len(cluster)


def _cover(page: list, found: Layout, body_size: float, pitch: float, pages: int) -> None:
    """Page 1 as a cover: masthead at the top (holding the document's symbol), a code-like reference at the foot
    and front matter above the title (where there is a masthead); the title: the first lines set in the page's
    largest type, where they open the page or follow the cover's front matter."""
    lines = sorted((ln for ln in page if ln.geo is not None and ln.text.strip() and id(ln) not in found.reasons),
                   key=lambda ln: -ln.geo.y)
    if not lines or pages < 2:
        return
    # the masthead: the top block, down to the first gap wider than a few body lines, holding the document's
    # symbol (a running head that is an identifier: a running title on the cover is the title itself)
    top = [lines[0]]
    for above, line in zip(lines, lines[1:]):
        if above.geo.y - line.geo.y > 2.5 * pitch:
            break
        top.append(line)
    flat = " ".join(" ".join(ln.text.split()) for ln in top)
    cover = bool(found.symbol and found.symbol in flat and len(top) < len(lines))
    if cover:
        for line in top:
            found.reasons[id(line)] = MASTHEAD
            date = DATE.search(line.text)
            if date and found.issued is None:
                found.issued = " ".join(date.group(1).split())
        # the cover's foot: code-like lines (no word of three small letters) below everything else
        rest = [ln for ln in lines if id(ln) not in found.reasons]
        for line in reversed(rest):
            if re.search(r"[a-z]{3,}", line.text):
                break
            found.reasons[id(line)] = COVER_FOOT
    rest = [ln for ln in lines if id(ln) not in found.reasons]
    # the title: the first run of lines set in the largest type (larger than the body), up to a numbered heading,
    # a markedly smaller line or a wide gap
    largest = max((ln.geo.size for ln in rest), default=0.0)
    if largest <= body_size + 0.5:
        return
    start = next(i for i, ln in enumerate(rest) if ln.geo.size >= largest - 0.1)
    if start and not cover:
        return  # without a cover, a title opens the page; a larger line further down is a heading
    title = [rest[start]]
    for line in rest[start + 1:]:
        if (line.geo.size <= body_size + 0.5 or line.geo.size < 0.8 * largest or HEADING_NUMERAL.match(line.text)
                or title[-1].geo.y - line.geo.y > 3.5 * pitch):
            break
        title.append(line)
    for line in title:
        line.role = TITLE
    for line in rest[:start]:
        line.role = FRONT
    found.title = " ".join(" ".join(unmarked(ln).split()) for ln in title)


def unmarked(line) -> str:
    """A line's text without what it sets as superscripts (note markers on a title)."""
    text = line.text
    for start, end in reversed(line.geo.marks if line.geo is not None else []):
        text = text[:start] + text[end:]
    return text


# ---------------------------------------------------------------------------------------------- plain text pages

def text_furniture(blocks: list[Block]) -> tuple[list[Block], list[tuple[int | None, str, str]]]:
    """Remove running heads and feet (a short line at the top or bottom of most pages, digits aside) and page
    numbers from plain-text pages. Only the outermost lines of a page are looked at, and only while they keep being
    furniture. Returns the pages without them, and what was removed as (page, line, reason)."""
    if sum(1 for b in blocks if b.page is not None) < 2:
        return blocks, []
    pages = [b.text.split("\n") for b in blocks]
    seen: dict[str, int] = {}
    for lines in pages:
        texts = [ln for ln in lines if ln.strip()]
        for k in {key(ln) for ln in texts[:2] + texts[-2:] if len(ln.strip()) < 60}:
            seen[k] = seen.get(k, 0) + 1
    repeated = {k for k, n in seen.items() if n >= max(3, (len(pages) + 1) // 2)}

    def reason(line: str) -> str | None:
        if PAGE_NUMBER_TEXT.match(line.strip()):
            return PAGE_NUMBER
        return RUNNING if key(line) in repeated else None

    out, removed = [], []
    for block, lines in zip(blocks, pages):
        idx = [i for i, ln in enumerate(lines) if ln.strip()]
        drop: set[int] = set()
        for run in (idx[:2], idx[::-1][:2]):
            for i in run:
                why = reason(lines[i])
                if why is None:
                    break
                drop.add(i)
                removed.append((block.page, lines[i].strip(), why))
        out.append(Block("\n".join(ln for i, ln in enumerate(lines) if i not in drop), block.page, block.style,
                         block.level))
    return out, removed
