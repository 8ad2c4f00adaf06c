"""Lines of raw page text (rag/ingest/lines.py): hyphens joined where the document spells the word whole, sentence
ends, title case, pages of plain-text exports, double-spaced files closed up, and a report that numbers its
paragraphs."""
from __future__ import annotations

from rag.ingest.lines import (Unit, close_double_spacing, ends_sentence, is_title_case, join_hyphen, numbered_report,
                              raw_lines)
from rag.model import Block


def test_a_hyphen_at_a_line_end_goes_only_where_the_document_spells_the_word_whole():
    assert join_hyphen("the re-", "education centres", {"reeducation"}) == "the reeducation centres"
    assert join_hyphen("the re-", "education centres", {"reeducation", "re-education"}) == "the re-education centres"
    assert join_hyphen("a long-", "term plan", set()) == "a long-term plan"
    unit = Unit("paragraph")
    unit.add("The govern-", {"government"})
    unit.add("ment met.", {"government"})
    assert unit.text == "The government met."


def test_a_sentence_ends_at_its_stop_even_with_a_note_marker_after_it():
    assert ends_sentence("The council met.") and ends_sentence("It asked: “Why?”")
    assert ends_sentence("The council met in May.12")
    assert ends_sentence("as follows:")
    assert not ends_sentence("The council met in")


def test_title_case_ignores_small_words():
    assert is_title_case("The Right to a Fair Trial")
    assert is_title_case("Article 9 of the Covenant")
    assert not is_title_case("The right to a fair trial")


def test_lines_carry_their_pages_and_a_single_leading_space_marks_a_page_in_plain_exports():
    paged = raw_lines([Block("First line.\nSecond line.", page=1), Block("Third line.", page=2)])
    assert [(ln.text, ln.page, ln.page_start) for ln in paged] == [
        ("First line.", 1, True), ("Second line.", 1, False), ("Third line.", 2, True)]
    body = "\n".join(f"Line {i} of the report." for i in range(30))
    export = raw_lines([Block(" Page one starts.\n" + body + "\n Page two starts.\n" + body)])
    assert {ln.page for ln in export} == {1, 2}
    assert [ln.text for ln in export if ln.page_start] == ["Page one starts.", "Page two starts."]


def test_a_double_spaced_file_is_closed_up_and_two_empty_lines_still_break():
    text = ("The council met in May and\n\nagreed on the plan for\n\nthe harbour and the pier.\n\n\n"
            "A second paragraph follows\n\nwith more words than\n\nthe first one had.")
    lines = raw_lines([Block(text)])
    assert [ln.raw for ln in lines] == ["The council met in May and", "agreed on the plan for",
                                        "the harbour and the pier.", "", "A second paragraph follows",
                                        "with more words than", "the first one had."]


def test_one_paragraph_a_line_with_empty_lines_between_is_left_as_it_is():
    text = "\n\n".join(f"Paragraph {i} ends here." for i in range(8))
    lines = raw_lines([Block(text)])
    assert lines == close_double_spacing(lines) and sum(ln.blank for ln in lines) == 7


def test_a_report_numbers_its_paragraphs_when_1_2_3_open_lines_in_order():
    numbered = raw_lines([Block("1. The council met.\nIt agreed.\n2. The plan.\n3. The pier.")])
    assert numbered_report(numbered)
    assert not numbered_report(raw_lines([Block("1. The council met.\n3. The pier.\n2. The plan.")]))
