"""DOCX: the body's paragraphs in order (table cells included), with the styles Word gives them.

Headings ("Heading N", "Title", or an outline level) become heading Blocks, list paragraphs list_item Blocks, the
rest paragraph Blocks. Word's automatic numbering is not part of a paragraph's text; it is rebuilt here and put in
front of the text ("3.", "(a)", "2.1") so the report's own numbers survive. Headers, footers, text boxes and a table
of contents are left out.

Footnotes and endnotes come after the body, one note Block each (style "note", its number in `notes`), numbered as
Word shows them: footnotes 1, 2, 3 and endnotes i, ii, iii, in the order the body first cites them. A body Block lists
the notes it cites in `notes`; Word's reference marks are not part of the text, so nothing is cut out of it.
"""
from __future__ import annotations

import io
import re
import zipfile

from rag.model import Block
from rag.ingest.readers import ReadError

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
HEADING = re.compile(r"^(?:heading|überschrift|titre|título|titolo|kop)\s*(\d)$", re.IGNORECASE)
LIST_STYLE = re.compile(r"\blist\b", re.IGNORECASE)
HIDDEN = {W + "txbxContent", W + "del", W + "moveFrom"}  # text boxes float outside the flow; deletions are gone
DAMAGED_HINT = "open it in Word (or LibreOffice) and save it again as .docx"


def read_docx(data: bytes) -> list[Block]:
    try:
        import docx
        from docx.opc.exceptions import PackageNotFoundError
    except ImportError as exc:  # pragma: no cover - a dependency
        raise ReadError("python-docx is not installed", "pip install python-docx") from exc
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, PackageNotFoundError) as exc:
        raise ReadError("the file is named .docx but is not a Word document (or it is damaged)", DAMAGED_HINT) from exc
    except MemoryError:
        raise
    except Exception as exc:  # lxml, KeyError for missing parts, ...
        raise ReadError(f"the DOCX is damaged and could not be read ({type(exc).__name__})", DAMAGED_HINT) from exc

    numbering = Numbering(document)
    styles: dict = {s.style_id: s for s in document.styles}
    styles[None] = next((s for s in styles.values() if getattr(s, "name", None) == "Normal"), None)
    notes = Notes(document)
    blocks: list[Block] = []
    for p in _paragraphs(document.element.body):
        block = _block(p, styles, numbering)
        if block is not None:
            block.notes = notes.cited(p) or None
            blocks.append(block)
    return blocks + notes.blocks()


class Notes:
    """Word's footnotes and endnotes: their text by id (from the notes parts), numbered as the body cites them."""

    KINDS = (("footnote", "/footnotes"), ("endnote", "/endnotes"))

    def __init__(self, document):
        self.text: dict[tuple[str, str], str] = {}  # (kind, id) -> text
        self.number: dict[tuple[str, str], str] = {}  # (kind, id) -> the number Word shows
        try:
            rels = list(document.part.rels.values())
        except Exception:  # no relationships: no notes
            rels = []
        for kind, suffix in self.KINDS:
            part = next((r.target_part for r in rels if not r.is_external and r.reltype.endswith(suffix)), None)
            if part is None:
                continue
            try:
                from lxml import etree
                root = etree.fromstring(part.blob)
            except Exception:  # a damaged notes part loses the notes, not the document
                continue
            for note in root.findall(W + kind):
                if note.get(W + "type") in ("separator", "continuationSeparator", "continuationNotice"):
                    continue
                text = " ".join(" ".join(_text(p).split()) for p in note.iter(W + "p"))
                self.text[(kind, note.get(W + "id"))] = " ".join(text.split())

    def cited(self, p) -> list[str]:
        """The numbers of the notes a body paragraph cites, numbering notes on their first citation."""
        out = []
        for el in p.iter(W + "footnoteReference", W + "endnoteReference"):
            if any(a.tag in HIDDEN for a in el.iterancestors()):
                continue
            kind = "footnote" if el.tag == W + "footnoteReference" else "endnote"
            key = (kind, el.get(W + "id"))
            if key not in self.text:
                continue
            if key not in self.number:
                n = sum(1 for k in self.number if k[0] == kind) + 1
                self.number[key] = str(n) if kind == "footnote" else _roman(n).lower()
            out.append(self.number[key])
        return out

    def blocks(self) -> list[Block]:
        return [Block(text=self.text[key], style="note", notes=[number]) for key, number in self.number.items()
                if self.text[key]]


def _paragraphs(parent):
    """w:p elements in body order, descending into tables (row by row, cell by cell) and content controls."""
    for child in parent.iterchildren():
        tag = child.tag
        if tag == W + "p":
            yield child
        elif tag in (W + "tbl", W + "tr", W + "tc", W + "sdt", W + "sdtContent", W + "customXml",
                     W + "ins", W + "smartTag"):
            yield from _paragraphs(child)


def _text(p) -> str:
    """The paragraph's visible text: runs, hyperlinks, tracked insertions; not deletions, not text boxes."""
    parts: list[str] = []
    for el in p.iter(W + "t", W + "tab", W + "br", W + "cr", W + "noBreakHyphen"):
        if any(a.tag in HIDDEN for a in el.iterancestors()):
            continue
        if el.tag == W + "t":
            parts.append(el.text or "")
        elif el.tag == W + "tab":
            parts.append("\t")
        elif el.tag in (W + "br", W + "cr"):
            parts.append("\n" if el.get(W + "type") in (None, "textWrapping") else " ")
        elif el.tag == W + "noBreakHyphen":
            parts.append("-")
    return "".join(parts)


def _style_chain(style_id, styles):
    seen = 0
    style = styles.get(style_id) or styles.get(None)  # no style, or an unknown one: the default paragraph style
    while style is not None and seen < 20:
        yield style
        style = style.base_style
        seen += 1


def _val(el, path: str):
    found = el.find(path) if el is not None else None
    return found.get(W + "val") if found is not None else None


def _block(p, styles, numbering: "Numbering") -> Block | None:
    ppr = p.find(W + "pPr")
    style_id = _val(ppr, W + "pStyle")
    chain = list(_style_chain(style_id, styles))
    name = (chain[0].name if chain else "") or ""
    if name.lower().startswith("toc") or name.lower() in ("table of figures", "index 1", "index 2"):
        return None
    text = " ".join(_text(p).replace("\n", " ").split())

    # numbering: the paragraph's own numPr, else the nearest style's
    num_id, ilvl = _val(ppr, f"{W}numPr/{W}numId"), _val(ppr, f"{W}numPr/{W}ilvl")
    if num_id is None:
        for style in chain:
            spr = style.element.find(W + "pPr")
            num_id = _val(spr, f"{W}numPr/{W}numId")
            if num_id is not None:
                ilvl = ilvl if ilvl is not None else _val(spr, f"{W}numPr/{W}ilvl")
                break
    numbered = num_id not in (None, "0")
    level = int(ilvl) if ilvl and ilvl.isdigit() else 0
    prefix = numbering.label(num_id, level) if numbered else ""
    if not text:
        return None

    # outline level: the paragraph's, else its style's
    outline = _val(ppr, f"{W}outlineLvl")
    if outline is None:
        for style in chain:
            outline = _val(style.element.find(W + "pPr"), f"{W}outlineLvl")
            if outline is not None:
                break
    heading = HEADING.match(name) or HEADING.match(chain[0].style_id if chain else "")
    full = f"{prefix} {text}" if prefix else text
    if name.lower() in ("title",):
        return Block(text=full, style="heading", level=1)
    if heading:
        return Block(text=full, style="heading", level=int(heading.group(1)))
    if outline is not None and outline.isdigit() and int(outline) < 9:
        return Block(text=full, style="heading", level=int(outline) + 1)
    if numbered or LIST_STYLE.search(name):
        if not numbered:
            depth = re.search(r"(\d)$", name)
            level = int(depth.group(1)) - 1 if depth else 0
        return Block(text=full, style="list_item", level=level)
    return Block(text=full, style="paragraph")


class Numbering:
    """Word's automatic list numbers, counted as the document goes (per list, per level)."""

    def __init__(self, document):
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}  # numId -> (abstractNumId, start overrides)
        self.levels: dict[str, dict[int, tuple[int, str, str]]] = {}  # abstractNumId -> ilvl -> (start, fmt, text)
        self.counters: dict[str, dict[int, int]] = {}
        try:
            root = document.part.numbering_part.element
        except Exception:  # no numbering part
            return
        for abstract in root.findall(W + "abstractNum"):
            levels = {}
            for lvl in abstract.findall(W + "lvl"):
                start = _val(lvl, W + "start")
                levels[int(lvl.get(W + "ilvl", "0"))] = (
                    int(start) if start and start.lstrip("-").isdigit() else 1,
                    _val(lvl, W + "numFmt") or "decimal",
                    _val(lvl, W + "lvlText") or "",
                )
            self.levels[abstract.get(W + "abstractNumId")] = levels
        for num in root.findall(W + "num"):
            overrides = {}
            for override in num.findall(W + "lvlOverride"):
                start = _val(override, W + "startOverride")
                if start and start.isdigit():
                    overrides[int(override.get(W + "ilvl", "0"))] = int(start)
            self.nums[num.get(W + "numId")] = (_val(num, W + "abstractNumId"), overrides)

    def label(self, num_id: str, ilvl: int) -> str:
        abstract, overrides = self.nums.get(num_id, (None, {}))
        levels = self.levels.get(abstract or "", {})
        if ilvl not in levels:
            return ""
        counters = self.counters.setdefault(num_id, {})
        start = overrides.get(ilvl, levels[ilvl][0])
        counters[ilvl] = counters[ilvl] + 1 if ilvl in counters else start
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        fmt, text = levels[ilvl][1], levels[ilvl][2]
        if fmt in ("bullet", "none") or not text:
            return ""

        def number(match: re.Match) -> str:
            k = int(match.group(1)) - 1
            lvl = levels.get(k, (1, "decimal", ""))
            value = counters.get(k, overrides.get(k, lvl[0]))
            return _format(value, lvl[1] if k != ilvl else fmt)

        out = re.sub(r"%([1-9])", number, text)
        return out.strip() if re.search(r"[0-9A-Za-z]", out) else ""


def _format(n: int, fmt: str) -> str:
    if fmt in ("lowerLetter", "upperLetter"):
        s = ""
        while n > 0:
            n, r = divmod(n - 1, 26)
            s = chr(ord("a") + r) + s
        return s.upper() if fmt == "upperLetter" else s
    if fmt in ("lowerRoman", "upperRoman"):
        s = _roman(n)
        return s if fmt == "upperRoman" else s.lower()
    if fmt == "decimalZero":
        return f"{n:02d}"
    return str(n)


def _roman(n: int) -> str:
    out = ""
    for value, numeral in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                           (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out += numeral
            n -= value
    return out
