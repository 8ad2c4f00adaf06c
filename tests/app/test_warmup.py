"""The app's warm-up (rag/app/warmup.py): what a first question would pay, paid at start."""


def test_warm_up_pays_the_first_question_at_start(corpus_store):
    from rag.answer.chain import Assistant
    from rag.app.warmup import warm_up

    assistant = Assistant(corpus_store.settings.model_copy(update={"follow_ups": 0}), corpus_store)
    lines: list[str] = []
    took = warm_up(assistant, say=lines.append)
    assert [line.split(":")[0] for line in lines[:-1]] == [f"Warming up [{i}/{len(took)}]"
                                                            for i in range(1, len(took) + 1)]
    assert lines[-1].startswith("Warm in ")
    assert any("lexical index" in what for what in took) and any("question" in what for what in took)
    assert "loading the embedding model" in took
    lexicon = assistant.retriever._lexicon
    assert lexicon is not None and assistant.retriever.lexicon() is lexicon  # built, and kept
    assert assistant._spellings[0] is lexicon  # and what is computed from it
    from rag.answer import reader
    from rag.nlp import text
    assert text.parser.cache_info().currsize == 1
    # the reader is loaded once per process and model folder (the sides model is the same one here), and kept
    threads = assistant.settings.reader_threads or None
    assert reader.load_reader(assistant.settings.reader_model, threads) is assistant.reader is assistant.sides
