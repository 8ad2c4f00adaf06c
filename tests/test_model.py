"""The shared types (rag/model.py): what a paragraph keeps in the store, who speaks in a paragraph, blocks that cross
the reader's process boundary as JSON, and the answer as the JSON contract gives it."""
from __future__ import annotations

from rag.model import (FOOTNOTE, Answer, Block, Citation, Document, Evidence, PageLine, Paragraph, Position,
                       RECOMMENDATION)


def paragraph(**kw) -> Paragraph:
    base = dict(id="d1:00007", doc_id="d1", ordinal=7, label="19(3)", kind=RECOMMENDATION,
                text="Provide for the right to legal representation.", page=4, section="The Harbour Act",
                context="We recommend:", notes="12,13")
    base.update(kw)
    return Paragraph(**base)


def document(title: str = "Harbour Review 2031") -> Document:
    return Document(doc_id="d1", title=title, sha256="0" * 64, format="pdf", paragraphs=40)


def test_a_paragraph_comes_back_from_the_store_as_it_went_in():
    p = paragraph()
    meta = p.to_metadata()
    assert "id" not in meta and "text" not in meta  # the store keeps those as the record's id and document
    assert Paragraph.from_metadata(p.id, p.text, meta) == p


def test_what_a_paragraph_lacks_is_not_stored():
    p = paragraph(kind=FOOTNOTE, label="fn12", page=None, section=None, context=None, notes=None)
    meta = p.to_metadata()
    assert set(meta) == {"doc_id", "ordinal", "label", "kind"}  # the store refuses None values
    assert Paragraph.from_metadata(p.id, p.text, meta) == p


def test_the_holder_is_the_document_and_its_article_where_the_file_holds_several():
    assert Evidence(1, paragraph(section="Harbour Review 2031"), document()).holder == "Harbour Review 2031"
    assert Evidence(1, paragraph(section=None), document()).holder == "Harbour Review 2031"
    assert Evidence(1, paragraph(), document()).holder == "Harbour Review 2031: The Harbour Act"


def test_a_blocks_page_lines_come_back_from_json_as_lines():
    line = {"text": "Annual report", "x": 50.0, "y": 700.0, "size": 14.0, "bold": True, "marks": [[3, 5]]}
    block = Block("Annual report", page=1, lines=[line])
    assert isinstance(block.lines[0], PageLine) and block.lines[0].bold and block.lines[0].marks == [(3, 5)]
    assert block == Block("Annual report", page=1)  # the layout is not part of a block's identity


def answer(**kw) -> Answer:
    cited = Citation(n=1, doc="d1", title="Harbour Review 2031", label="12", page=3, section=None,
                     text="The harbour opened in 1871.", quote="The harbour opened in 1871.")
    positions = [Position("Harbour Review 2031", "The harbour opened in 1871. [1]", [1], value="1871"),
                 Position("Port Authority notes", "It opened in 1873. [2]", [2], value="1873")]
    base = dict(question="When did the harbour open?", answer="It opened in 1871 [1].", found=True,
                citations=[cited], positions=positions, short_answer={"text": "1871", "citation": 1})
    base.update(kw)
    return Answer(**base)


def test_the_json_answer_gives_positions_only_where_the_sources_disagree_and_voices_wherever_two_answer():
    agreeing = answer().to_json()
    assert agreeing["positions"] == [] and [v["value"] for v in agreeing["voices"]] == ["1871", "1873"]
    disagreeing = answer(disagreement=True).to_json()
    assert disagreeing["positions"] == disagreeing["voices"] and disagreeing["disagreement"] is True
    assert agreeing["short_answer"] == {"text": "1871", "citation": 1}
    assert agreeing["citations"][0]["quote"] == "The harbour opened in 1871."


def test_the_json_answer_names_the_resolved_question_only_where_it_differs():
    assert "resolved_question" not in answer(resolved_question="When did the harbour open?").to_json()
    follow_up = answer(question="And the railway?", resolved_question="When did the railway open?").to_json()
    assert follow_up["resolved_question"] == "When did the railway open?"
    assert answer(short_answer=None).to_json()["short_answer"] is None
