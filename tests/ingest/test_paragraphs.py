"""Paragraph rebuilding (rag.ingest.paragraphs.build_paragraphs) on the bundled reports, on generated text, and on the
blocks of formats that mark paragraphs (DOCX/HTML/Markdown) and paged raw text."""
from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rag.model import FOOTNOTE, HEADING, PARAGRAPH, RECOMMENDATION, Block
from rag.ingest.paragraphs import build_paragraphs
from rag.ingest.readers.text import read_text

from conftest import BRIEFING, UPR

ONGOING = "The Ongoing Disputes on China’s Human Rights"


def paragraphs_of(path, doc_id="doc"):
    return build_paragraphs(read_text(path.read_bytes()), doc_id)


@pytest.fixture(scope="module")
def upr():
    return paragraphs_of(UPR)


@pytest.fixture(scope="module")
def briefing():
    return paragraphs_of(BRIEFING)


# ------------------------------------------------------------------------------------------- the 2018 UPR submission

def test_upr_numbered_paragraphs_are_1_to_28_in_order_each_once(upr):
    numbered = [p.label for p in upr if re.fullmatch(r"\d+", p.label)]
    assert numbered == [str(n) for n in range(1, 29)]
    assert all(p.kind == PARAGRAPH for p in upr if re.fullmatch(r"\d+", p.label))


def test_upr_paragraph_3_is_whole_across_page_break_and_footnotes(upr):
    (p3,) = [p for p in upr if p.label == "3"]
    assert p3.text.startswith("The system has already been implemented in 43 test sites in China by 2017.")
    assert ("or even minor transgression such as dispute with neighbours. People with low ranking are barred"
            in p3.text)
    assert p3.text.endswith("are published publicly with personal details for all to see.")
    # the footnotes printed under the first part are not inside it
    assert "http" not in p3.text and "社会信用" not in p3.text


def test_upr_footnotes_are_set_apart(upr):
    footnotes = [p for p in upr if p.kind == FOOTNOTE]
    assert [p.label for p in footnotes] == [f"fn{n}" for n in range(1, len(footnotes) + 1)]
    assert len(footnotes) >= 6
    (apple,) = [p for p in footnotes if "iCloud" in p.text]
    assert "Apple Will Hand Over Chinese iCloud Data" in apple.text
    body = [p for p in upr if p.kind != FOOTNOTE]
    assert not any("iCloud" in p.text for p in body)
    assert not any("http://" in p.text or "https://" in p.text for p in body)
    assert not any(p.text in apple.text or apple.text in p.text for p in body)


def test_upr_recommendation_items_are_labelled_with_their_introduction(upr):
    by_label = {p.label: p for p in upr}
    for item, parent in (("9(6)", "9"), ("19(2)", "19"), ("28(11)", "28")):
        p = by_label[item]
        assert p.kind == RECOMMENDATION, item
        assert p.context == by_label[parent].text, item
        assert p.ordinal > by_label[parent].ordinal
    assert by_label["9(6)"].text.startswith("Repeal the need for real name registration")
    assert by_label["19(2)"].text == "Restrict power of supervision bodies to detain to no more than 48 hours"
    assert by_label["28(11)"].text == "Ratify ICCPR"
    assert by_label["9"].text.endswith("As such we recommend:")
    # the items of one list are consecutive: 9(1)..9(9), 14(1)..14(6), 19(1)..19(4), 28(1)..28(12)
    for parent, n in (("9", 9), ("14", 6), ("19", 4), ("28", 12)):
        items = [p.label for p in upr if p.label.startswith(f"{parent}(")]
        assert items == [f"{parent}({k})" for k in range(1, n + 1)]


def test_upr_no_footnote_markers_glued_to_words(upr):
    body = [p for p in upr if p.kind != FOOTNOTE]
    text = " ".join(p.text for p in body)
    assert "find work." in text and "find work.1" not in text
    assert "by 2017. For example" in text and "2017.2" not in text
    assert "Apple and Airbnb." in text
    glued = re.findall(r"[A-Za-z][.,;:’”)]?\d{1,2}(?=\s|$)", text)
    assert glued == []


def test_upr_sections_follow_headings(upr):
    by_label = {p.label: p for p in upr}
    assert by_label["2"].section == "Social Credit system and high-tech surveillance"
    assert by_label["15"].section == "The Supervision Law"
    assert by_label["19(2)"].section == "The Supervision Law"
    assert all(p.section is None for p in upr if p.kind == HEADING)


def test_ids_are_stable_and_unique(upr):
    again = paragraphs_of(UPR)
    assert [p.id for p in again] == [p.id for p in upr]
    assert [p.text for p in again] == [p.text for p in upr]
    assert len({p.id for p in upr}) == len(upr)
    assert [p.ordinal for p in upr] == list(range(len(upr)))
    other = paragraphs_of(UPR, doc_id="other")
    assert not {p.id for p in other} & {p.id for p in upr}


# ------------------------------------------------------------------------------------------- the 2022 briefing

def test_briefing_paragraphs_get_positional_labels(briefing):
    body = [p for p in briefing if p.kind not in (HEADING, FOOTNOTE)]
    assert len(body) > 50
    assert [p.label for p in body] == [str(n) for n in range(1, len(body) + 1)]


def test_briefing_sections(briefing):
    headings = [p for p in briefing if p.kind == HEADING]
    assert ONGOING in [h.text for h in headings]
    start = next(h.ordinal for h in headings if h.text == ONGOING)
    before = [p for p in briefing if p.ordinal < start and p.kind != HEADING]
    after = [p for p in briefing if p.ordinal > start and p.kind != HEADING]
    assert before and after
    assert all(p.section != ONGOING for p in before)
    assert all(p.section is None for p in before)  # the first article has no heading of its own
    following = [h.ordinal for h in headings if h.ordinal > start]
    until = following[0] if following else len(briefing)
    assert all(p.section == ONGOING for p in after if p.ordinal < until)
    assert all(p.section is not None for p in after)


def test_briefing_page_break_mended_across_out_of_order_text(briefing):
    hits = [p for p in briefing if "assessment of the human rights" in p.text]
    assert len(hits) == 1
    assert "an assessment of the human rights situation in Xinjiang that validated many concerns" in hits[0].text
    assert not any(p.text.startswith("situation in Xinjiang that validated") for p in briefing)


def test_corpus_text_is_neither_lost_nor_duplicated():
    """Every word of the raw files comes back exactly as often (a word split by a hyphen at a line end may come
    back joined, with or without its hyphen)."""
    def words(text):
        text = re.sub(r"(\w)-\s+(?=\w)", r"\1", text).replace("-", "")
        return sorted(re.findall(r"[A-Za-z]{3,}", text))

    for path in (UPR, BRIEFING):
        rebuilt = " ".join(p.text for p in paragraphs_of(path))
        assert words(rebuilt) == words(path.read_text(encoding="utf-8")), path.name


def test_one_unwrapped_paragraph_a_line_is_not_mistaken_for_double_spacing():
    """The commonest plain-text shape (Word's 'save as text'): each paragraph one long line, blank lines between.
    Nearly every line is followed by one empty line, as in a double-spaced export, but here the lines end
    sentences: every paragraph must come back on its own."""
    paragraphs = [
        "The council agreed to fund new housing near the river, subject to a flood survey. " * k
        + f"Item {k} closes here." for k in (1, 4, 2, 6, 3, 5, 7, 2)]
    text = "Housing Plan\n\n" + "\n\n".join(paragraphs[:4]) + "\n\nParks\n\n" + "\n\n".join(paragraphs[4:]) + "\n"
    built = build_paragraphs(read_text(text.encode()), "doc")
    assert [(p.kind, p.text) for p in built] == (
        [(HEADING, "Housing Plan")] + [(PARAGRAPH, t.strip()) for t in paragraphs[:4]]
        + [(HEADING, "Parks")] + [(PARAGRAPH, t.strip()) for t in paragraphs[4:]])
    assert [p.section for p in built if p.kind == PARAGRAPH] == ["Housing Plan"] * 4 + ["Parks"] * 4


# ------------------------------------------------------------------------------------------- generated text

WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=12)
SENTENCE = st.lists(WORD, min_size=1, max_size=18)
PARAGRAPH_WORDS = st.lists(SENTENCE, min_size=1, max_size=6)


def wrap(words: list[str], width: int) -> list[str]:
    """Greedy hard wrap: as many words on a line as fit in `width` (a longer word gets a line of its own)."""
    lines, line = [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}" if line else w
    if line:
        lines.append(line)
    return lines


def render(paragraphs: list[list[list[str]]], width: int, double: bool, capitals: bool) -> tuple[str, list[list[str]]]:
    """-> (file text, each paragraph's words as they appear in the text)."""
    out_words, blocks = [], []
    for sentences in paragraphs:
        words = []
        for sentence in sentences:
            sentence = list(sentence)
            if capitals:
                sentence[0] = sentence[0].capitalize()
            sentence[-1] += "."
            words += sentence
        out_words.append(words)
        lines = wrap(words, width)
        blocks.append(("\n\n" if double else "\n").join(lines))
    return ("\n\n\n" if double else "\n\n").join(blocks) + "\n", out_words


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(paragraphs=st.lists(PARAGRAPH_WORDS, min_size=1, max_size=8), width=st.integers(20, 110),
       double=st.booleans(), capitals=st.booleans())
def test_generated_text_comes_back_word_for_word(paragraphs, width, double, capitals):
    text, expected = render(paragraphs, width, double, capitals)
    data = text.encode("utf-8")
    built = build_paragraphs(read_text(data), "gen")

    got = [w for p in built for w in p.text.split()]
    assert got == [w for ws in expected for w in ws]  # nothing lost, nothing duplicated, nothing moved

    # no rebuilt paragraph runs across a paragraph break of the input
    owner = [i for i, ws in enumerate(expected) for _ in ws]
    at = 0
    for p in built:
        n = len(p.text.split())
        assert len(set(owner[at:at + n])) == 1, (p.text, text)
        at += n

    # ids: unique, and the same input gives the same ids
    assert len({p.id for p in built}) == len(built)
    again = build_paragraphs(read_text(data), "gen")
    assert [(p.id, p.label, p.text) for p in again] == [(p.id, p.label, p.text) for p in built]


# ------------------------------------------ formats that mark paragraphs (DOCX/HTML/Markdown blocks), paged raw text

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
