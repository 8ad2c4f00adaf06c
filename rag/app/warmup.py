"""Everything a first question would pay, paid before the first question: the app calls `warm_up` at start
(one line per stage on stderr) and `index` after each upload or deletion, so no user waits for a model to load
or for the lexical index of the library to be built.

Stages: the embedding model (loaded, and one text through it), the lexical index (BM25 and every paragraph's
vectors, rag/answer/retrieve.py) and what is computed from it (the collection's spellings), the reader model
(models/reader/) and what is fitted for it (models/fitted.json), spaCy (questions and speakers are parsed), then one
whole question through the pipeline (the code paths the stages above do not reach).
"""
from __future__ import annotations

import sys
import time
from collections.abc import Callable

QUESTION = "What do the documents recommend?"  # app.py asks its first example question instead


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def index(assistant) -> int:
    """Build the lexical index of the store as it is now, and what is computed from it (the collection's
    spellings). -> citable paragraphs indexed."""
    lexicon = assistant.retriever.lexicon()
    assistant.spellings(lexicon)
    return len(lexicon.paragraphs)


def warm_up(assistant, say: Callable[[str], None] = _stderr, question: str = QUESTION) -> dict[str, float]:
    """Pay every first-question cost now, saying each stage as it starts. -> seconds per stage."""
    from rag.nlp.text import parsed
    from rag.answer.reading import load_fitted

    stages: list[tuple[str, Callable[[], object]]] = [
        ("loading the embedding model", lambda: assistant.store.embeddings.embed_query(question)),
        (f"building the lexical index of {assistant.store.count():,} paragraph pieces", lambda: index(assistant)),
        ("loading the reader model", lambda: (load_fitted(), assistant.reader.read(
            [question], ["The warm-up sentence was read without trouble."]))),
        ("loading spaCy", lambda: parsed("The warm-up sentence was read without trouble.")),
    ]
    if assistant.store.list_documents():
        stages.append(("answering a first question", lambda: assistant.ask(question)))
    took: dict[str, float] = {}
    t_all = time.perf_counter()
    for i, (what, run) in enumerate(stages, 1):
        say(f"Warming up [{i}/{len(stages)}]: {what} ...")
        t0 = time.perf_counter()
        run()
        took[what] = time.perf_counter() - t0
    say(f"Warm in {time.perf_counter() - t_all:.1f} s ("
        + ", ".join(f"{what.split(' of ')[0]} {s:.1f} s" for what, s in took.items()) + ")")
    return took
