"""The reading path (rag/answer/reading.py): candidates, the shortlist the reader reads, the ranked reading."""
from rag.answer.reading import SHORTLIST_FEATURES, before_of, candidates_of, load_fitted, shortlist
from rag.model import Document, Evidence, Paragraph
from rag.nlp.question import read


def report(label: str, text: str, kind: str = "paragraph", context: str | None = None, n: int = 1) -> Evidence:
    doc = Document("d", "Harbour report", "0" * 64, "txt", 3)
    return Evidence(n, Paragraph(f"d:{n}", "d", n, label, kind, text, section="Harbour", context=context), doc,
                    score=0.5)


def test_every_sentence_is_a_candidate_but_a_recommendation_item_is_read_whole():
    q = read("When was the port built?")
    evidence = [report("1", "The port is old. It was built in 1870."),
                report("2(a)", "Rebuild the old pier. Dredge the channel (Norway).", "recommendation",
                       "The board recommends:", n=2)]
    cands = candidates_of(q, evidence, lambda t: 1.0)
    assert [c.sentence for c in cands] == ["The port is old.", "It was built in 1870.",
                                           "Rebuild the old pier. Dredge the channel (Norway)."]
    assert before_of(cands[1]) == "The port is old."
    assert before_of(cands[2]) == "The board recommends:"  # an item is read after what introduces it
    assert cands[1].features[SHORTLIST_FEATURES.index("typed_value")] == 1.0


def test_the_shortlist_reads_every_item_of_a_lookup_and_the_best_of_the_rest():
    q = read("When was the port built?")
    evidence = [report(str(i), f"Sentence {i} on the port. Another {i}.", n=i) for i in range(1, 6)]
    cands = candidates_of(q, evidence, lambda t: 1.0)
    model = load_fitted().shortlist
    chosen = shortlist(cands, model, 3, must=cands[-2:])
    assert len(chosen) == 3 and cands[-1] in chosen and cands[-2] in chosen
    assert len(shortlist(cands, model, 2, must=cands[:4])) == 4  # every item, however few pairs


def test_reading_ranks_read_sentences_by_the_reader_and_judges_the_whole(corpus_assistant):
    reading = corpus_assistant.reading("What does the submission say about the Great Firewall?",
                                       corpus_assistant.retriever.retrieve("What is the Great Firewall?"))
    read_ = reading.read
    assert len(read_) == min(corpus_assistant.settings.reader_pairs, len(reading.candidates))
    assert [c.logit for c in read_] == sorted((c.logit for c in read_), reverse=True)
    assert reading.candidates[:len(read_)] == read_  # the read ones first
    assert abs(sum(c.prob for c in read_) - 1) < 1e-6
    assert reading.found and 0 <= reading.answerable <= 1 and reading.reader_ms > 0


