"""What a PDF page's fonts say about its text: bold and italic by name, and the width of each character (a simple
font's /Widths, a composite font's /W with its /ToUnicode map, the standard fonts' average), read through pypdf's
public objects, so a line's right edge is known."""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass

log = logging.getLogger(__name__)


BOLD_NAME = re.compile(r"bold|black|heavy|semibold|demi", re.I)
ITALIC_NAME = re.compile(r"italic|oblique|slant", re.I)


@dataclass
class FontMetrics:
    """What the reader needs of a font: how wide its text runs, and whether it is bold or italic. Read from the
    font dictionary through pypdf's public objects (widths by character code, the descriptor's flags)."""

    widths: dict[int, float]  # character code -> width in em
    average: float  # em, for characters the table does not cover
    bold: bool = False
    italic: bool = False

    def width(self, text: str) -> float:
        return sum(self.widths.get(ord(ch), self.average) for ch in text)


CORE_WIDTHS = (("courier", 0.6), ("helvetica", 0.52), ("arial", 0.52), ("times", 0.47))  # em, standard fonts


def font_metrics(font_dict, cache: dict) -> FontMetrics:
    if font_dict is None:
        return FontMetrics({}, 0.5)
    key = id(font_dict)
    if key not in cache:
        try:
            metrics = _read_font(font_dict)
        except Exception as exc:  # a damaged font dictionary: estimate
            log.debug("font metrics unreadable: %s", exc)
            metrics = FontMetrics({}, 0.5)
        cache[key] = (font_dict, metrics)  # the dictionary is kept alive so its id is not reused
    return cache[key][1]


def _read_font(font) -> FontMetrics:
    font = font.get_object()
    name = str(font.get("/BaseFont", ""))
    descriptor = font.get("/FontDescriptor")
    widths: dict[int, float] = {}
    average = 0.0
    if font.get("/Subtype") == "/Type0" and font.get("/DescendantFonts"):
        # composite font: widths are by character id; the /ToUnicode map says which id each character has
        child = font["/DescendantFonts"][0].get_object()
        descriptor = child.get("/FontDescriptor", descriptor)
        by_id = _cid_widths(child.get("/W"))
        default = float(child.get("/DW", 1000))
        if font.get("/ToUnicode") is not None:
            ids = _unicode_ids(font["/ToUnicode"])
            widths = {ord(ch): by_id.get(cid, default) / 1000.0 for ch, cid in ids.items()}
        known = [w for w in widths.values() if w > 0] or [w / 1000.0 for w in by_id.values() if w > 0]
        average = sum(known) / len(known) if known else default / 1000.0
    elif font.get("/Widths") is not None:
        # simple font: codes from /FirstChar on; for text in the Latin range the code is the character
        first = int(font.get("/FirstChar", 0))
        raw = [float(w) for w in font["/Widths"]]
        widths = {first + i: w / 1000.0 for i, w in enumerate(raw) if w > 0}
        if widths:
            average = sum(widths.values()) / len(widths)
    if not average:
        average = next((w for key, w in CORE_WIDTHS if key in name.lower()), 0.5)
    bold = BOLD_NAME.search(name) is not None
    italic = ITALIC_NAME.search(name) is not None
    if descriptor is not None:
        descriptor = descriptor.get_object()
        flags = int(descriptor.get("/Flags", 0))
        bold = bold or float(descriptor.get("/FontWeight", 400)) >= 600 or bool(flags & (1 << 18))
        italic = italic or float(descriptor.get("/ItalicAngle", 0)) != 0 or bool(flags & (1 << 6))
    return FontMetrics(widths, average, bold, italic)


def _cid_widths(w) -> dict[int, float]:
    """Widths by character id from a composite font's /W array: runs "c [w1 w2 ...]", ranges "c_first c_last w"."""
    out: dict[int, float] = {}
    items = list(w.get_object()) if w is not None else []
    i = 0
    while i + 1 < len(items):
        first, nxt = int(items[i]), items[i + 1].get_object()
        if isinstance(nxt, (list, tuple)):
            out.update((first + k, float(v)) for k, v in enumerate(nxt))
            i += 2
        elif i + 2 < len(items):
            out.update((cid, float(items[i + 2])) for cid in range(first, min(int(nxt), first + 65535) + 1))
            i += 3
        else:
            break
    return out


HEX = re.compile(rb"<([0-9A-Fa-f]+)>")


def _unicode_ids(to_unicode) -> dict[str, int]:
    """Character -> character id, read back from a font's /ToUnicode map (bfchar and bfrange entries)."""
    out: dict[str, int] = {}
    data = to_unicode.get_object().get_data()
    for section in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        pairs = HEX.findall(section)
        for code, uni in zip(pairs[::2], pairs[1::2]):
            text = bytes.fromhex(uni.decode()).decode("utf-16-be", "ignore")
            if len(text) == 1:
                out.setdefault(text, int(code, 16))
    for section in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for lo, hi, start in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", section):
            base = bytes.fromhex(start.decode()).decode("utf-16-be", "ignore")
            if len(base) == 1:
                for k in range(min(int(hi, 16) - int(lo, 16) + 1, 65536)):
                    out.setdefault(chr(ord(base) + k), int(lo, 16) + k)
    return out
