"""A generated corpus for benchmarks: report-like text files of numbered paragraphs, deterministic."""
from __future__ import annotations

import random
import re
import time
from collections import Counter
from itertools import accumulate
from pathlib import Path

WORDS = ("government policy rights report detention surveillance law court council budget housing health "
         "education water energy migration labour election media freedom minority region city province ministry "
         "committee inquiry evidence data survey reform programme funding access protection security trade "
         "climate poverty income employment pension tax police prison judge lawyer journalist activist").split()


def vocabulary(folder: Path) -> tuple[list[str], list[int]]:
    """The words of the plain-text reports in `folder` with their counts: sampling from them gives paragraphs
    with the word frequencies of real reports (function words, a long tail of rare ones), not their sentences."""
    counts: Counter = Counter()
    for path in sorted(Path(folder).glob("*")):
        if path.suffix.lower() in (".txt", ".md"):
            counts.update(re.findall(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z]|\d+",
                                     path.read_text(encoding="utf-8", errors="replace")))
    for w in WORDS:
        counts[w] += 1
    words = sorted(counts)
    return words, [counts[w] for w in words]


def paragraph(rng: random.Random, words: int, sample: tuple[list[str], list[int]] | None = None) -> str:
    """Sentences of 8-18 words, each ending "in <year>.", until `words`; `sample`: (words, cumulative counts)."""
    out = []
    total = 0
    while total < words:
        n = rng.randint(8, 18)
        chosen = rng.choices(sample[0], cum_weights=sample[1], k=n) if sample else [rng.choice(WORDS) for _ in range(n)]
        sentence = " ".join(chosen)
        out.append(sentence[0].upper() + sentence[1:] + f" in {rng.randint(1990, 2025)}.")
        total += n + 2
    return " ".join(out)


def write_corpus(folder: Path, paragraphs: int, per_file: int = 100, words: int | tuple[int, int] = 80,
                 seed: int = 7, vocab: tuple[list[str], list[int]] | None = None) -> list[str]:
    """Write files of numbered paragraphs into folder; returns the paragraph texts (for the bare-model run).
    `words`: each paragraph's length, or a (shortest, longest) range drawn per paragraph; `vocab`: (words, counts)
    to sample from (`vocabulary()`), default the policy word list (word salad: every topic word, no meaning)."""
    rng = random.Random(seed)
    sample = (vocab[0], list(accumulate(vocab[1]))) if vocab else None
    folder.mkdir(parents=True, exist_ok=True)
    texts = []
    for f in range(0, paragraphs, per_file):
        body = []
        for i in range(1, min(per_file, paragraphs - f) + 1):
            length = rng.randint(*words) if isinstance(words, tuple) else words
            text = paragraph(rng, length, sample)
            texts.append(text)
            body.append(f"{i}. {text}")
        (folder / f"report-{f // per_file:04d}.txt").write_text("\n\n".join(body) + "\n", encoding="utf-8")
    return texts


def build_store(settings, folder: Path, generated: int = 0, *, words: int | tuple[int, int] = 25,
                realistic: bool = False, per_file: int = 500, embeddings=None, on_paragraphs=None,
                timings: dict | None = None):
    """A writable Store in `folder` holding the bundled corpus and, if asked, `generated` paragraphs: by default
    short word salad from a policy vocabulary (hard distractors: every topic word, no meaning); with `realistic`,
    sampled from the bundled reports' own word frequencies. `embeddings`, `on_paragraphs(n)`: passed to the Store
    and the ingest; `timings` (a dict) gets `write_s` (writing the files) and `ingest_s` (the ingest itself).
    The caller closes the store."""
    from rag.ingest.pipeline import ingest_paths
    from rag.store import Store

    paths = [settings.corpus]
    t0 = time.perf_counter()
    if generated:
        write_corpus(folder / "generated", generated, per_file=per_file, words=words,
                     vocab=vocabulary(settings.corpus) if realistic else None)
        paths.insert(0, folder / "generated")
    t1 = time.perf_counter()
    store = Store(settings.with_store(folder / "store"), write=True, embeddings=embeddings)
    ingest_paths(store, paths, on_paragraphs=on_paragraphs)
    if timings is not None:
        timings.update(write_s=t1 - t0, ingest_s=time.perf_counter() - t1)
    return store
