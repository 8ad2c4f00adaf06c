"""The recommendation items (rag/app/recommendations.py): search by words and document, and the question to ask."""
from __future__ import annotations

from rag.app import recommendations
from rag.model import Paragraph
from test_ui import paragraphs


def test_recommendation_rows_search_and_filter():
    ps = paragraphs(4)
    ps[1].kind, ps[1].text, ps[1].context = "recommendation", "Dismantle the Great Firewall", "Intro to internet"
    ps[2].kind, ps[2].text = "recommendation", "Release all detainees"
    other = Paragraph(id="d2:00001", doc_id="d2", ordinal=1, label="3(1)", kind="recommendation",
                      text="Ratify the ICCPR")
    rows, ids = recommendations.search(ps + [other], {"d1": "UPR", "d2": "Other"})
    assert ids == ["d1:00001", "d1:00002", "d2:00001"] and rows[0][0] == "UPR"
    assert recommendations.search(ps + [other], {}, "internet firewall")[1] == ["d1:00001"]  # context counts
    assert recommendations.search(ps + [other], {}, "", "d2")[1] == ["d2:00001"]
    assert "“Dismantle the Great Firewall”" in recommendations.question_about(ps[1])
