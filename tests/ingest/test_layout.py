"""Page layout that is not the text (rag/ingest/layout.py), on plain-text pages: running heads and feet and page
numbers dropped from each page's outermost lines, and nothing from the body. (PDF pages, laid out, are tested through
the readers and the paragraphs they make: tests/ingest/readers/test_pdf.py, tests/ingest/test_fidelity.py.)"""
from __future__ import annotations

from rag.ingest.layout import PAGE_NUMBER, RUNNING, inked, key, text_furniture
from rag.model import Block


BODY = ["The harbour opened in the spring, after two years of work on the breakwater.",
        "Its first master kept a log of every ship that came in.",
        "Trade grew quickly, and the town with it.",
        "By the end of the century the quays had doubled in length.",
        "Fishing boats moved to the new basin on the north side.",
        "The old pier was kept for visitors and is still used.",
        "A railway line reached the quays within ten years.",
        "Storms in the winters that followed damaged the outer wall."]


def pages(n: int = 4) -> list[Block]:
    """Plain-text pages: a running head (its year varying), two lines of body text, a page number."""
    return [Block(f"Harbour Review {2030 + i % 2}\n{BODY[2 * i]}\n{BODY[2 * i + 1]}\nPage {i + 1} of {n}", page=i + 1)
            for i in range(n)]


def test_a_repeated_head_and_the_page_numbers_are_dropped_and_listed():
    kept, removed = text_furniture(pages())
    assert [b.text for b in kept] == [f"{BODY[2 * i]}\n{BODY[2 * i + 1]}" for i in range(4)]
    assert {why for _, _, why in removed} == {RUNNING, PAGE_NUMBER}
    assert (1, "Page 1 of 4", PAGE_NUMBER) in removed and (2, "Harbour Review 2031", RUNNING) in removed


def test_a_line_that_comes_back_on_few_pages_is_text():
    blocks = pages()
    blocks[0] = Block(f"Preface\n{BODY[0]}\n{BODY[1]}", page=1)
    kept, removed = text_furniture(blocks)
    assert kept[0].text.startswith("Preface\n") and not [r for r in removed if r[0] == 1]


def test_only_the_outermost_lines_are_looked_at():
    blocks = pages(3)
    blocks[0] = Block(f"Harbour Review 2030\n{BODY[0]}\nHarbour Review 2030\n{BODY[1]}\nPage 1 of 3", page=1)
    kept, _ = text_furniture(blocks)
    assert kept[0].text == f"{BODY[0]}\nHarbour Review 2030\n{BODY[1]}"  # the head inside the page stays


def test_a_single_page_or_unpaged_text_is_left_alone():
    block = Block("Harbour Review\nThe harbour opened in 1871.\n1", page=None)
    assert text_furniture([block]) == ([block], [])


def test_a_line_is_compared_digits_and_case_aside():
    assert key("GE.20-02535  7") == key("ge.20-02535 12") == "ge.#-# #"
    assert inked("A/HRC/43/15") and not inked("▌▌ ▌▌▌ ▌")
