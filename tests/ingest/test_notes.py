"""Notes and their markers (rag/ingest/notes.py): which number a line opens a note with, and which digits in the body
are note markers (taken out, their places kept) rather than figures, years or names."""
from __future__ import annotations

from rag.ingest.lines import Line
from rag.ingest.notes import note_start, take_markers
from rag.model import PageLine


def line(text: str, page: int = 1, marks: list[tuple[int, int]] | None = None) -> Line:
    geo = PageLine(text, 50.0, 700.0, 10.0, marks=marks or []) if marks is not None else None
    return Line(text, text, page, False, False, geo=geo)


def test_a_note_opens_with_its_number_a_superscript_or_a_symbol():
    assert note_start(line("12 See the annual report.")) == "12"
    assert note_start(line("* Figures are provisional.")) == "*"
    assert note_start(line("3see the report", marks=[(0, 1)])) == "3"  # set raised at its start
    assert note_start(line("12. The second heading")) is None  # a numbered paragraph, not a note
    assert note_start(line("The council met.")) is None


def test_markers_glued_to_words_are_taken_out_and_their_places_kept():
    body = [line("The council met in May.1 It adopted the plan,2 and the budget.")]
    taken = take_markers(body, {"1": [1], "2": [1]}, raised=False)
    assert body[0].text == "The council met in May. It adopted the plan, and the budget."
    assert [(m.number, m.page) for m in taken] == [("1", 1), ("2", 1)]
    assert [(body[0].text[:at][-4:], n) for at, n in body[0].refs] == [("May.", "1"), ("lan,", "2")]


def test_digits_that_are_figures_names_or_unknown_notes_stay():
    body = [line("The G20 met in 2019.1 Turnout rose 13.3%.2 Model A4 was sold.")]
    take_markers(body, {"1": [1], "2": [1], "4": [1]}, raised=False)
    assert body[0].text == "The G20 met in 2019. Turnout rose 13.3%. Model A4 was sold."
    stays = [line("It cost 45 dollars in total.7")]
    take_markers(stays, {"1": [1]}, raised=False)  # there is no note 7
    assert stays[0].text == "It cost 45 dollars in total.7" and stays[0].refs == []


def test_markers_come_in_the_order_of_their_notes():
    body = [line("First point.1 Second point.2"), line("A later point.9 Then.3 And a total of 25.25")]
    take_markers(body, {str(n): [1] for n in range(1, 30)}, raised=False)
    assert body[0].text == "First point. Second point."
    # 9 follows 2 closely enough to be the next note cited; 3 does not come after 9; 25 jumps too far ahead
    assert body[1].text == "A later point. Then.3 And a total of 25.25"
