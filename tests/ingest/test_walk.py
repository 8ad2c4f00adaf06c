"""The line walk (rag/ingest/walk.py) on plain-text pages: headings, the report's numbered paragraphs, list items
under the paragraph that introduces them, wrapped lines joined; and paragraphs cut by a page break mended."""
from __future__ import annotations

from rag.ingest.lines import raw_lines
from rag.ingest.walk import Builder, mend_page_breaks
from rag.model import HEADING, PARAGRAPH, Block

REPORT = """Harbour Policy

1. The council met in May to discuss the harbour and agreed on a plan for the
coming years, after a long debate.

2. The council recommends that the state:
(a) fund the repair of the outer wall;
(b) keep the old pier open to visitors.

Fishing

The fishing fleet moved to the new basin on the north side of the harbour in the
spring."""


def walk(blocks: list[Block]):
    return Builder(set(), 80).feed(raw_lines(blocks))


def test_headings_numbered_paragraphs_and_items_under_their_paragraph():
    units = walk([Block(REPORT, page=1)])
    assert [(u.kind, u.number, u.item) for u in units] == [
        (HEADING, None, None), (PARAGRAPH, "1", None), (PARAGRAPH, "2", None), ("item", None, "a"),
        ("item", None, "b"), (HEADING, None, None), (PARAGRAPH, None, None)]
    assert units[1].text == ("The council met in May to discuss the harbour and agreed on a plan for the coming years, "
                             "after a long debate.")  # its wrapped lines joined, its number taken off
    assert units[3].parent is units[2] and units[4].parent is units[2]
    assert units[3].text == "fund the repair of the outer wall;"
    assert units[6].text.endswith("north side of the harbour in the spring.")


def test_a_paragraph_cut_by_a_page_break_is_mended_with_its_continuation():
    units = walk([Block("The council met in May to discuss the harbour and agreed that the\nold pier", page=1),
                  Block("Harbour Policy\n\nshould stay open to visitors for another ten years.\n\n"
                        "The fleet moved north.", page=2)])
    assert units[0].page_end and [u.text for u in units][2] == "should stay open to visitors for another ten years."
    mended = mend_page_breaks(units)
    assert [u.text for u in mended] == [
        "The council met in May to discuss the harbour and agreed that the old pier should stay open to visitors for "
        "another ten years.", "Harbour Policy", "The fleet moved north."]
    assert mended[0].page == 1


def test_paragraphs_that_end_their_sentences_are_not_joined():
    units = walk([Block("The council met in May.", page=1), Block("The fleet moved north.", page=2)])
    assert [u.text for u in mend_page_breaks(units)] == ["The council met in May.", "The fleet moved north."]
