"""Paragraph structure from formats that mark paragraphs (DOCX/HTML/Markdown blocks) and from paged raw text."""
from rag.model import Block
from rag.ingest.paragraphs import build_paragraphs


def labels(blocks):
    return [(p.label, p.kind) for p in build_paragraphs(blocks, "d")]


def test_word_numbering_becomes_the_reports_own_numbers_with_items_under_them():
    b = [Block("Introduction", style="heading", level=1),
         Block("1. Since the last review the situation got worse.", style="list_item"),
         Block("2. We recommend:", style="list_item"),
         Block("(a) Abolish the scoring system;", style="list_item", level=1),
         Block("(b) Stop publishing black lists.", style="list_item", level=1),
         Block("3. A further paragraph.", style="list_item"),
         Block("An unnumbered paragraph.", style="paragraph")]
    assert labels(b) == [("h1", "heading"), ("1", "paragraph"), ("2", "paragraph"), ("2(a)", "recommendation"),
                         ("2(b)", "recommendation"), ("3", "paragraph"), ("3+1", "paragraph")]


def test_items_after_an_introduction_are_items_even_when_numbered_like_paragraphs():
    b = [Block("The committee urges the government to:", style="paragraph"),
         Block("1. release all detainees", style="list_item"),
         Block("2. ratify the convention", style="list_item")]
    got = build_paragraphs(b, "d")
    assert [(p.label, p.kind) for p in got] == [("1", "paragraph"), ("1(1)", "recommendation"),
                                                ("1(2)", "recommendation")]
    assert got[1].context == "The committee urges the government to:"


def test_running_heads_and_page_numbers_are_dropped():
    words = ["housing", "water", "schools", "clinics"]
    pages = [Block(f"Annual Report 2023 — Public Services\n{i}. The {w} budget rose by {i * 10} percent this "
                   f"year, the report says, and\nthe council expects {w} demand to grow.\nPage {i} of 4", i)
             for i, w in enumerate(words, 1)]
    got = build_paragraphs(pages, "d")
    assert [p.label for p in got] == ["1", "2", "3", "4"]
    assert all("Annual Report" not in p.text and "Page" not in p.text for p in got)
    assert got[0].text.endswith("the council expects housing demand to grow.")
    assert [p.page for p in got] == [1, 2, 3, 4]
