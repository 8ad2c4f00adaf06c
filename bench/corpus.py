"""A generated corpus for benchmarks: report-like text files of numbered paragraphs, deterministic."""
from __future__ import annotations

import random
from pathlib import Path

WORDS = ("government policy rights report detention surveillance law court council budget housing health "
         "education water energy migration labour election media freedom minority region city province ministry "
         "committee inquiry evidence data survey reform programme funding access protection security trade "
         "climate poverty income employment pension tax police prison judge lawyer journalist activist").split()


def paragraph(rng: random.Random, words: int) -> str:
    out = []
    while sum(len(s.split()) for s in out) < words:
        n = rng.randint(8, 18)
        sentence = " ".join(rng.choice(WORDS) for _ in range(n))
        out.append(sentence[0].upper() + sentence[1:] + f" in {rng.randint(1990, 2025)}.")
    return " ".join(out)


def write_corpus(folder: Path, paragraphs: int, per_file: int = 100, words: int = 80, seed: int = 7) -> list[str]:
    """Write files of numbered paragraphs into folder; returns the paragraph texts (for the bare-model run)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    texts = []
    for f in range(0, paragraphs, per_file):
        body = []
        for i in range(1, min(per_file, paragraphs - f) + 1):
            text = paragraph(rng, words)
            texts.append(text)
            body.append(f"{i}. {text}")
        (folder / f"report-{f // per_file:04d}.txt").write_text("\n\n".join(body) + "\n", encoding="utf-8")
    return texts


def build_store(settings, folder: Path, generated: int = 0):
    """A writable Store in `folder` holding the bundled corpus and, if asked, `generated` short paragraphs of
    word salad from a policy vocabulary (hard distractors: every topic word, no meaning). The caller closes it."""
    from rag.ingest import ingest_paths
    from rag.store import Store

    paths = [settings.corpus]
    if generated:
        write_corpus(folder / "generated", generated, per_file=500, words=25)
        paths.insert(0, folder / "generated")
    store = Store(settings.with_store(folder / "store"), write=True)
    ingest_paths(store, paths)
    return store
