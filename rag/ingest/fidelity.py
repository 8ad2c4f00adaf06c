"""Ingest fidelity: does what is stored say what the document says?

`check(blocks, built)` compares a document as read (the reader's text: for a PDF, pypdf's text layer, page by page)
with what ingest would store, and reports what a careful reader would check first:

- the body paragraphs and their own numbers: range, gaps, duplicates;
- recommendation items ("121.7") and replies under item numbers ("122.14–15");
- notes: how many, their numbers, markers taken out of the body, markers citing no note;
- layout taken out (running heads and feet, page numbers, masthead), by reason;
- figures: every number in the text that is not layout must come back, unchanged, in a stored paragraph (body,
  heading or note) or as a paragraph's own number. Each missing or new one is listed: zero is the only good count;
- running heads or feet left in a stored paragraph or section.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from rag.model import FOOTNOTE, HEADING, Block
from rag.ingest.paragraphs import Built

NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
DOTTED = re.compile(r"^(\d{1,3})\.(\d{1,3})$")


@dataclass
class Check:
    name: str
    numbered: list[int] = field(default_factory=list)  # body paragraph numbers, in order
    unnumbered: int = 0
    gaps: list[int] = field(default_factory=list)
    duplicates: list[int] = field(default_factory=list)
    items: dict[str, list[int]] = field(default_factory=dict)  # parent number -> item numbers, in order
    replies: int = 0  # paragraphs labelled by an item reference
    listed: int = 0  # list items ("9(3)", "(a)")
    notes: list[str] = field(default_factory=list)
    markers: int = 0
    uncited: list[str] = field(default_factory=list)  # notes no marker cites
    layout: Counter = field(default_factory=Counter)  # reason -> lines
    figures: int = 0  # numbers checked
    missing: list[str] = field(default_factory=list)  # numbers of the text not found in what is stored
    added: list[str] = field(default_factory=list)  # numbers stored that the text does not have
    furniture: list[str] = field(default_factory=list)  # stored paragraphs/sections holding a running head/foot
    symbol: str | None = None
    title: str | None = None
    issued: str | None = None

    @property
    def ok(self) -> bool:
        return not (self.gaps or self.duplicates or self.missing or self.added or self.furniture
                    or any(_gaps(v) for v in self.items.values()))


def numbers(text: str) -> list[str]:
    return NUMBER.findall(text)


def _gaps(seq: list[int]) -> list[int]:
    return sorted(set(range(min(seq), max(seq) + 1)) - set(seq)) if seq else []


def check(name: str, blocks: list[Block], built: Built) -> Check:
    out = Check(name, symbol=built.symbol, title=built.title, issued=built.issued)
    paragraphs = built.paragraphs
    body = [p for p in paragraphs if p.kind not in (HEADING, FOOTNOTE)]
    for p in body:
        dotted = DOTTED.match(p.label)
        if p.label.isdigit() and built.numbered:  # else digit labels are positions
            out.numbered.append(int(p.label))
        elif dotted and p.context is not None:
            out.items.setdefault(dotted.group(1), []).append(int(dotted.group(2)))
        elif re.match(r"^\d{1,3}\.\d{1,3}", p.label):
            out.replies += 1
        elif p.context is not None:
            out.listed += 1
        else:
            out.unnumbered += 1
    out.gaps = _gaps(out.numbered)
    out.duplicates = sorted(n for n, k in Counter(out.numbered).items() if k > 1)
    out.notes = [p.label[2:] for p in paragraphs if p.kind == FOOTNOTE]
    cited = {n for p in paragraphs for n in (p.notes or "").split(",") if n}
    out.uncited = [n for n in out.notes if n not in cited]
    out.markers = len(built.markers)
    for _, _, reason in built.removed:
        out.layout[reason] += 1

    # the text as read, less layout lines and the markers taken out
    removed = Counter(text for _, text, _ in built.removed)
    cuts: dict[str, list] = {}
    for m in built.markers:
        cuts.setdefault(m.line, []).append((m.start, m.end))
    expected: Counter = Counter()
    for block in blocks:
        for raw in block.text.split("\n"):
            text = raw.strip()
            if removed[text] > 0:
                removed[text] -= 1
                continue
            for start, end in sorted(set(cuts.get(text, [])), reverse=True):
                text = text[:start] + " " + text[end:]
            expected.update(numbers(text))
    stored: Counter = Counter()
    for p in paragraphs:
        stored.update(numbers(p.text))
    stored.update(n for number in built.numbers for n in numbers(number))
    out.figures = sum(expected.values())
    out.missing = sorted((expected - stored).elements())
    out.added = sorted((stored - expected).elements())

    heads = {" ".join(w for w in text.split() if not w.isdigit()) for _, text, reason in built.removed
             if reason != "page number"}
    # a symbol or a job number is never text; a running title may well be named in the text
    heads = {h for h in heads if len(h) >= 4 and (" " not in h or re.search(r"\d", h))}
    for p in paragraphs:
        for where in (p.text, p.section or ""):
            if any(re.search(rf"(?<!\S){re.escape(h)}(?!\S)", where) for h in heads):
                out.furniture.append(f"{p.label}: {where[:80]}")
    return out


def _ranges(seq: list[int]) -> str:
    if not seq:
        return "none"
    return f"{seq[0]}–{seq[-1]}" if len(seq) > 1 else str(seq[0])


def report(c: Check) -> str:
    """The per-document lines printed by `ingest.py --check`."""
    lines = [c.name]
    if c.symbol or c.issued or c.title:
        lines.append(f"  document:       {c.symbol or '-'}, {c.issued or 'no date'}: {c.title or 'no title'}")
    lines.append(f"  body:           {len(c.numbered)} numbered {_ranges(c.numbered)}"
                 f"{', ' + str(c.unnumbered) + ' unnumbered' if c.unnumbered else ''}"
                 f"; gaps: {', '.join(map(str, c.gaps)) or 'none'}"
                 f"; duplicates: {', '.join(map(str, c.duplicates)) or 'none'}")
    items = "; ".join(f"{k}.{_ranges(v)} ({len(v)}{', gaps ' + ','.join(map(str, _gaps(v))) if _gaps(v) else ''})"
                      for k, v in c.items.items()) or "none"
    lines.append(f"  items:          {items}{f'; {c.replies} replies under item numbers' if c.replies else ''}"
                 f"{f'; {c.listed} list items' if c.listed else ''}")
    numeric = [int(n) for n in c.notes if n.isdigit()]
    other = [n for n in c.notes if not n.isdigit()]
    shown = ", ".join(([_ranges(numeric)] if numeric else []) + other) or "none"
    lines.append(f"  notes:          {len(c.notes)} ({shown}"
                 f"{', gaps ' + ','.join(map(str, _gaps(numeric))) if _gaps(numeric) else ''})"
                 f"; markers taken out: {c.markers}; notes no marker cites: {', '.join(c.uncited) or 'none'}")
    layout = ", ".join(f"{k} {v}" for k, v in sorted(c.layout.items())) or "none"
    lines.append(f"  layout removed: {sum(c.layout.values())} lines ({layout})")
    lines.append(f"  figures:        {c.figures} checked; missing or altered: {len(c.missing)}"
                 f"{' ' + ' '.join(c.missing[:12]) if c.missing else ''}; new: {len(c.added)}"
                 f"{' ' + ' '.join(c.added[:12]) if c.added else ''}")
    lines.append(f"  running heads/feet in stored text: {len(c.furniture)}"
                 + "".join(f"\n    {f}" for f in c.furniture[:5]))
    return "\n".join(lines)


def table(checks: list[Check]) -> str:
    """One row per document: the numbers a reader checks first."""
    rows = [("document", "body ¶", "numbered", "gaps/dups", "items", "notes", "layout", "figures", "altered")]
    for c in checks:
        rows.append((c.name[-48:], str(len(c.numbered) + c.unnumbered), _ranges(c.numbered),
                     f"{len(c.gaps)}/{len(c.duplicates)}", str(sum(len(v) for v in c.items.values()) + c.replies),
                     str(len(c.notes)), str(sum(c.layout.values())), str(c.figures),
                     str(len(c.missing) + len(c.added))))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in rows)
