"""A conversation's answers as a briefing note (Markdown or DOCX).

`build()` does all the work once: it renumbers every answer's [n] markers onto one global source list (the same
paragraph cited by two answers gets one number), maps positions and quotes onto those numbers and neutralises
whatever Markdown/HTML came from the documents. `to_markdown()` and `to_docx()` only lay that structure out.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date as Date
from pathlib import Path

from rag.model import Answer, Citation
from rag.nlp.text import neutralise

__all__ = [
    "Briefing", "Section", "Source", "PositionLine", "QuoteLine",
    "build", "neutralise", "render_markdown", "render_docx", "to_markdown", "to_docx",
]

NOT_ANSWERED = "Not answered by the documents"
QUOTE_CHARS = 300

from rag.model import MARKER  # noqa: E402  [3] or [1, 2]

def _one_line(text: str | None) -> str:
    return " ".join(neutralise(text).split())


def _truncate(text: str, limit: int = QUOTE_CHARS) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:.")
    return (cut or text[:limit]) + "…"


# --- the intermediate structure --------------------------------------------------------------------------------


@dataclass
class Source:
    number: int
    doc: str
    title: str
    label: str
    page: int | None = None
    section: str | None = None

    def describe(self) -> str:
        parts = [self.title or self.doc, f"¶{self.label}"]
        if self.page is not None:
            parts.append(f"p. {self.page}")
        if self.section:
            parts.append(f"section: {self.section}")
        return ", ".join(parts)


@dataclass
class PositionLine:
    holder: str
    summary: str
    numbers: list[int]
    date: str | None = None
    says: str = ""  # what it says about the question

    def describe(self) -> str:
        who = self.holder + (f" ({self.date})" if self.date else "")
        if self.says and self.says != "answers":
            who += f" {self.says}"
        return f"{who}: {self.summary}" + _markers(self.numbers, lead=" ")


def positions_heading(section) -> str:
    return "Where the sources disagree" if section.disagreement else "What each source says"


@dataclass
class QuoteLine:
    number: int
    text: str


@dataclass
class Section:
    question: str
    paragraphs: list[str]  # the answer text, markers already global
    found: bool
    understood_as: str | None = None
    positions: list[PositionLine] = field(default_factory=list)  # what each source says, where two or more answer
    quotes: list[QuoteLine] = field(default_factory=list)
    disagreement: bool = False


@dataclass
class Briefing:
    title: str
    date: str
    sections: list[Section]
    sources: list[Source]


def _markers(numbers: list[int], lead: str = "") -> str:
    return (lead + "".join(f"[{n}]" for n in numbers)) if numbers else ""


def _key(c: Citation) -> tuple:
    return ("id", c.paragraph_id) if c.paragraph_id else ("doc", c.doc, c.label)


def _format_date(day: Date) -> str:
    return f"{day.day} {day:%B %Y}"


def build(answers: list[Answer], title: str = "Briefing note", today: Date | None = None) -> Briefing:
    """Renumber, neutralise and group once; both renderers work from this."""
    numbers: dict[tuple, int] = {}
    sources: list[Source] = []

    def number_of(c: Citation) -> int:
        key = _key(c)
        if key not in numbers:
            numbers[key] = len(sources) + 1
            sources.append(Source(len(sources) + 1, c.doc, _one_line(c.title), _one_line(c.label) or "?",
                                  c.page, _one_line(c.section) or None))
        return numbers[key]

    sections = []
    for a in answers:
        by_n = {c.n: c for c in a.citations}
        text = neutralise(a.answer)
        # numbers follow the order sources are first cited in the text, then any cited only in the list
        order = [n for group in MARKER.findall(text) for n in map(int, group.split(",")) if n in by_n]
        order += [c.n for c in a.citations]
        local = {n: number_of(by_n[n]) for n in dict.fromkeys(order)}

        def rewrite(m: re.Match) -> str:
            kept = [local[int(n)] for n in m.group(1).split(",") if int(n) in local]
            return _markers(list(dict.fromkeys(kept)))  # a marker naming no given citation is dropped

        text = MARKER.sub(rewrite, text)
        paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]

        positions = []
        for p in a.positions if len(a.positions) > 1 else []:
            nums = list(dict.fromkeys(local[n] for n in p.citations if n in local))
            positions.append(PositionLine(_one_line(p.holder), _one_line(p.summary), nums,
                                          _one_line(p.date) or None, _one_line(p.says)))

        quotes, seen = [], set()
        for c in a.citations:
            g = local[c.n]
            if g in seen:
                continue
            seen.add(g)
            words = _one_line(c.quote) or _truncate(_one_line(c.text))
            if words:
                quotes.append(QuoteLine(g, words))
        quotes.sort(key=lambda q: q.number)

        resolved = _one_line(a.resolved_question)
        question = _one_line(a.question)
        sections.append(Section(question, paragraphs, a.found, resolved if resolved and resolved != question else None,
                                positions, quotes, a.disagreement))

    return Briefing(_one_line(title) or "Briefing note", _format_date(today or Date.today()), sections, sources)


# --- Markdown --------------------------------------------------------------------------------------------------


def _md(text: str) -> str:
    """Text already neutralised, made inert for a Markdown renderer: no raw HTML, no structure at line start."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"^(\s*)([#>+\-*=|`~]|\d+[.)])", r"\1\\\2", text)


def render_markdown(b: Briefing) -> str:
    out = [f"# {_md(b.title)}", "", f"*{b.date}*", ""]
    for s in b.sections:
        out += [f"## {_md(s.question)}", ""]
        if s.understood_as:
            out += [f"*Understood as:* {_md(s.understood_as)}", ""]
        if not s.found:
            out += [f"**{NOT_ANSWERED}.**", ""]
        for p in s.paragraphs:
            out += [_md(p), ""]
        if s.positions:
            out += [f"### {positions_heading(s)}", ""]
            out += [f"- {_md(p.describe())}" for p in s.positions] + [""]
        if s.quotes:
            out += ["### Quoted passages", ""]
            for q in s.quotes:
                out += [f"> **[{q.number}]** {_md(q.text)}", ""]
    if b.sources:
        out += ["## Sources", ""]
        out += [f"- **[{src.number}]** {_md(src.describe())}" for src in b.sources] + [""]
    return "\n".join(out).rstrip() + "\n"


def to_markdown(answers: list[Answer], title: str = "Briefing note", today: Date | None = None) -> str:
    return render_markdown(build(answers, title, today))


# --- DOCX ------------------------------------------------------------------------------------------------------


def render_docx(b: Briefing, path: Path) -> Path:
    from docx import Document as DocxDocument

    doc = DocxDocument()
    styles = {s.name for s in doc.styles}

    def styled(name: str, fallback: str = "Normal") -> str:
        return name if name in styles else fallback

    doc.add_heading(b.title, level=0)
    doc.add_paragraph(b.date).runs[0].italic = True
    for s in b.sections:
        doc.add_heading(s.question, level=1)
        if s.understood_as:
            para = doc.add_paragraph()
            para.add_run("Understood as: ").italic = True
            para.add_run(s.understood_as)
        if not s.found:
            doc.add_paragraph().add_run(f"{NOT_ANSWERED}.").bold = True
        for p in s.paragraphs:
            doc.add_paragraph(p)
        if s.positions:
            doc.add_heading(positions_heading(s), level=2)
            for p in s.positions:
                doc.add_paragraph(p.describe(), style=styled("List Bullet"))
        if s.quotes:
            doc.add_heading("Quoted passages", level=2)
            for q in s.quotes:
                para = doc.add_paragraph(style=styled("Quote"))
                para.add_run(f"[{q.number}] ").bold = True
                para.add_run(q.text).italic = True
    if b.sources:
        doc.add_heading("Sources", level=1)
        for src in b.sources:
            para = doc.add_paragraph()
            para.add_run(f"[{src.number}] ").bold = True
            para.add_run(src.describe())
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path


def to_docx(answers: list[Answer], path: Path, title: str = "Briefing note", today: Date | None = None) -> Path:
    return render_docx(build(answers, title, today), path)
