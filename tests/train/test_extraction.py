"""The questions the answer path is fitted on (rag/train/extraction.py): which sentence holds a SQuAD answer, and the
near-topic copy of a question's evidence without the paragraph that answers."""
from rag.model import Document, Evidence, Paragraph
from rag.train.extraction import gold_sentences, without_answer


def test_gold_sentence_is_the_one_holding_the_answer():
    context = "The bridge is old. It opened in 1931 after a long delay. It was repaired in 1990."
    row = {"context": context, "answers": ["1931"], "answer_start": [context.index("1931")]}
    assert gold_sentences(row) == {"it opened in 1931 after a long delay."}


def test_near_topic_copy_leaves_out_the_answering_paragraph_and_renumbers():
    """rag/train/fit.py's near-topic questions: the evidence without the paragraph that answers; none where another
    paragraph holds the answer too."""
    doc = Document("d", "Bridges", "0" * 64, "txt", 3)
    answering = "The bridge is old. It opened in 1931 after a long delay."

    def evidence(*texts):
        return [Evidence(i + 1, Paragraph(f"d:{i}", "d", i, str(i + 1), "paragraph", t), doc)
                for i, t in enumerate(texts)]

    row = {"context": answering, "answers": ["1931"], "answer_start": [answering.index("1931")]}
    rest = without_answer(evidence("Bridges cross the river.", answering, "The tunnel was dug later."), row, 2)
    assert [e.paragraph.text for e in rest] == ["Bridges cross the river.", "The tunnel was dug later."]
    assert [e.n for e in rest] == [1, 2]
    assert without_answer(evidence(answering, "A second bridge also opened in 1931."), row, 2) is None
    assert without_answer(evidence(answering, "It was repaired in 19310 years."), row, 2) is not None
