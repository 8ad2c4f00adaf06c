"""The language of the whole system: plain dataclasses, no behaviour beyond (de)serialising (and an Answer absorbing
the text streamed before it, for LCEL)."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from enum import Enum

# How every stage writes a citation: "[3]" or "[1, 2]", n = Evidence.n (or the model's own block numbers).
MARKER = re.compile(r"\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]")
# What the user is told when a model's answer is replaced by the extractive one.
EXTRACTIVE_FALLBACK = "this answer was written from the documents' own sentences."

# Paragraph kinds
PARAGRAPH, RECOMMENDATION, HEADING, FOOTNOTE = "paragraph", "recommendation", "heading", "footnote"
# A note (footnote or endnote) is stored with the footnote kind: retrieval already leaves that kind out, so a note is
# never answer evidence; the paragraphs citing it name it in their `notes` field.
NOTE = FOOTNOTE


# What a question asks for: rag/nlp/question.py reads it from the question's own wording
PERSON, ORG, PLACE, DATE, NUMBER, REC, REASON, MANNER, YESNO, THING = (
    "person", "organisation", "place", "date", "number", "recommendation", "reason", "manner", "yes/no", "thing")


@dataclass
class Question:
    text: str
    answer_type: str
    topics: list[str]  # topic stems, in order, no repeats
    proper: list[str] = field(default_factory=list)  # stems of the capitalised / numeric words it names
    negated: bool = False
    evaluative: bool = False  # a yes/no question about a proposition ("Should X?", "Is X fair?")
    counted: str | None = None  # the stem of what "how many" counts ("How many seats ...?" -> seat)
    subject: str | None = None  # the stem of its verb's subject, where that is a noun ("What must residents do?")
    recommending: bool = False  # it asks who recommended ("Which states recommended that X ratify Y?")

    @property
    def asks_recommendations(self) -> bool:
        """A recommendation lookup: what was recommended, or who recommended it (the items name their states)."""
        return self.answer_type == REC or self.recommending


@dataclass
class PageLine:
    """One line of a PDF page as laid out: where it sits and how it is set, for telling layout from text.

    marks: spans (start, end) of the line's text set as superscripts (smaller and raised): note markers where a
    note of that number exists, otherwise plain text (a squared unit stays "m2").
    """

    text: str
    x: float  # left edge, points from the page's left
    y: float  # baseline, points from the page's bottom
    size: float  # the font size most of the line is set in
    bold: bool = False
    italic: bool = False
    marks: list[tuple[int, int]] = field(default_factory=list)
    right: float = 0.0  # right edge, from the font's widths
    measured: bool = True  # the fonts carry width tables (else `right` is a rough estimate)

    def __post_init__(self):
        self.marks = [tuple(m) for m in self.marks]


@dataclass
class Block:
    """What a reader gives: a piece of text in reading order.

    style "raw": text as laid out on a page (hard-wrapped lines, page furniture); paragraphs.py rebuilds it.
    style "paragraph" | "heading" | "list_item": a paragraph the format already marks (DOCX, HTML, Markdown).
    """

    text: str
    page: int | None = None
    style: str = "raw"
    level: int = 0  # heading level (1 = top) or list nesting depth
    # PDF pages only: the page's lines with their layout (text == "\n".join(line.text for line in lines)) and the
    # page height. Not part of a Block's identity: two Blocks with the same text are the same Block.
    lines: list[PageLine] | None = field(default=None, compare=False, repr=False)
    height: float | None = field(default=None, compare=False, repr=False)
    # the notes this block cites, by number; for a block of style "note", its own number (DOCX notes)
    notes: list[str] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self):
        if self.lines is not None:  # Blocks cross the reader's process boundary as JSON
            self.lines = [ln if isinstance(ln, PageLine) else PageLine(**ln) for ln in self.lines]


@dataclass
class Paragraph:
    id: str  # stable: document hash + ordinal
    doc_id: str
    ordinal: int  # position in the document, 0-based
    label: str  # the report's own number ("12", "19(3)") or its position ("p7")
    kind: str  # paragraph | recommendation | heading | footnote
    text: str
    page: int | None = None
    section: str | None = None  # nearest heading (the article title in a multi-article file)
    context: str | None = None  # for a recommendation item: the paragraph that introduces it
    notes: str | None = None  # the notes this paragraph cites, by number, comma-separated ("12,13"); each is stored
    #                           as a footnote-kind paragraph labelled "fn12"

    def to_metadata(self) -> dict:
        meta = {k: v for k, v in asdict(self).items() if k not in ("id", "text") and v is not None}
        return meta

    @classmethod
    def from_metadata(cls, pid: str, text: str, meta: dict) -> "Paragraph":
        return cls(
            id=pid,
            doc_id=meta["doc_id"],
            ordinal=int(meta["ordinal"]),
            label=str(meta["label"]),
            kind=meta["kind"],
            text=text,
            page=meta.get("page"),
            section=meta.get("section"),
            context=meta.get("context"),
            notes=meta.get("notes"),
        )


@dataclass
class Document:
    doc_id: str
    title: str
    sha256: str
    format: str
    paragraphs: int
    sources: list[str] = field(default_factory=list)
    date: str | None = None  # the year the document speaks from, where it says
    added: str | None = None  # ISO time it was first ingested
    symbol: str | None = None  # the document's own reference ("A/HRC/43/15"), where it prints one on every page
    doc_title: str | None = None  # the title printed on its first page (title stays the short name it is cited by)
    issued: str | None = None  # the date printed on its first page, as printed ("19 December 2019")

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class Evidence:
    """One retrieved paragraph, numbered for the composer (n starts at 1)."""

    n: int
    paragraph: Paragraph
    document: Document
    score: float = 0.0  # dense similarity of the paragraph to the question (its best piece)

    @property
    def holder(self) -> str:
        """Who speaks in this paragraph: the document title, and the article title where the file holds several."""
        if self.paragraph.section and self.paragraph.section != self.document.title:
            return f"{self.document.title}: {self.paragraph.section}"
        return self.document.title


@dataclass
class Draft:
    """A composer's answer before the citation check: Markdown with [n] markers, n = Evidence.n."""

    text: str
    quotes: dict[int, str] = field(default_factory=dict)  # n -> the sentence used from that evidence
    found: bool = True
    composer: str = "extractive"
    notes: list[str] = field(default_factory=list)
    # A model's draft before the citation check (rag/answer/cite.py `finalize`, run once by the chain for every draft):
    # the evidence as numbered for the model, those numbers -> Evidence.n, a line shown above the checked text, and
    # the draft to answer with instead if too little of the model's survives the check.
    unchecked: list["Evidence"] | None = None
    numbering: dict[int, int] = field(default_factory=dict)
    heading: str = ""
    fallback: "Draft | None" = None


@dataclass
class Citation:
    n: int
    doc: str
    title: str
    label: str
    page: int | None
    section: str | None
    text: str  # the whole paragraph
    quote: str | None  # the sentence the answer uses
    kind: str = PARAGRAPH
    date: str | None = None
    paragraph_id: str = ""
    # how well the paragraph supports the sentence(s) citing it, 0..1 (rag.answer.cite.support): 1.0 a verbatim quote
    support: float | None = None


class Stance(str, Enum):
    """Where a source stands on a question of judgement, read as a claim (the app colours positions by it)."""

    NONE = ""
    SUPPORTS = "supports"
    UNDERMINES = "undermines"
    DISPUTES = "disputes"  # rejects or denies what another source asserts


@dataclass
class Position:
    """What one source says on the question."""

    holder: str
    summary: str
    citations: list[int]
    date: str | None = None
    stance: str = ""  # a Stance value, for a question of judgement
    value: str | None = None  # for a question answered by a value: the value this holder gives (a date, a figure)
    says: str = ""  # what it says about the question, in words ("says the old harbour should stay open")


@dataclass
class Answer:
    question: str
    answer: str
    found: bool
    citations: list[Citation] = field(default_factory=list)
    disagreement: bool = False
    positions: list[Position] = field(default_factory=list)  # what each source says, where two or more answer
    timings_ms: dict = field(default_factory=dict)
    composer: str = "extractive"
    notes: list[str] = field(default_factory=list)  # e.g. "model unavailable", dropped sentences
    resolved_question: str | None = None  # the question after follow-up resolution
    weak_evidence: bool = False  # found, but the best evidence only touches the question
    follow_ups: list[str] = field(default_factory=list)  # next questions the documents answer (rag.answer.follow_ups)
    # the value itself where the answer is one (a figure, date or name: "4.6 million"), as the reader marks it in
    # the sentence of citation `citation`; None where the answer is a passage
    short_answer: dict | None = None  # {"text": str, "citation": int}

    def __radd__(self, streamed_text):
        """Text chunks streamed before an Answer add up to the Answer: LCEL's `invoke` of a streaming step adds its
        chunks together, and the chain streams the answer's text, then the Answer (rag/answer/chain.py)."""
        return self

    def to_json(self) -> dict:
        out = {
            "question": self.question,
            "answer": self.answer,
            "found": self.found,
            "disagreement": self.disagreement,
            # positions: as the contract has it, present when the sources disagree; voices: what each source says,
            # wherever two or more answer
            "positions": [asdict(p) for p in self.positions] if self.disagreement else [],
            "voices": [asdict(p) for p in self.positions],
            "citations": [asdict(c) for c in self.citations],
            "timings_ms": self.timings_ms,
            "composer": self.composer,
            "notes": self.notes,
            "weak_evidence": self.weak_evidence,
            "follow_ups": list(self.follow_ups),
            "short_answer": dict(self.short_answer) if self.short_answer else None,
        }
        if self.resolved_question and self.resolved_question != self.question:
            out["resolved_question"] = self.resolved_question
        return out


@dataclass
class Cited:
    """A draft after the citation check: what the user is shown."""

    draft: Draft  # the draft checked: the composer's, or its fallback when a model's answer did not pass
    text: str  # markers renumbered 1..m in order of first use
    citations: list[Citation]
    positions: list[Position]  # their markers renumbered the same way
    notes: list[str]
