"""The embedding backends side by side.  python bench/embed.py [--texts 2000] [--rounds 2]

Texts per second of the packaged MiniLM with fp32 torch (sentence-transformers), and run by ONNX Runtime: its
fp32 ONNX export (RAG_EMBED_BACKEND=onnx) and its int8 one (RAG_EMBED_BACKEND=onnx-int8), on the bundled corpus's
paragraphs (as ingest embeds them: with their heading) topped up to --texts with generated report-like paragraphs
(bench/corpus.py, 40-120 words), batch RAG_EMBED_BATCH, on every core this machine has. Rounds alternate the
backends (on a shared machine, a disturbance hits both) and the best round counts. Also: one short query's
latency, and how close each backend's vectors are to torch's.
Prints a Markdown table. (The ONNX exports are made first if they are not cached yet, outside the timing.)
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import paragraph  # noqa: E402
from rag.config import get_settings  # noqa: E402

QUERY = "What is recommended regarding the Great Firewall?"


def texts_for(n: int) -> list[str]:
    """The bundled corpus's paragraphs, then generated ones up to n."""
    from rag.ingest.pipeline import expand
    from rag.ingest.paragraphs import build_document
    from rag.ingest.readers.safe import read_file
    from rag.store import embed_text

    settings = get_settings()
    texts = []
    for path in expand([settings.corpus]):
        _, blocks = read_file(path, settings)
        texts += [embed_text(p) for p in build_document(blocks, path.stem).paragraphs]
    texts = texts[:n]
    rng = random.Random(7)
    texts += [paragraph(rng, rng.randint(40, 120)) for _ in range(n - len(texts))]
    return texts


def main(argv: list[str] | None = None) -> int:
    import numpy as np
    import torch

    from rag.embeddings import BACKENDS, _load

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    settings = get_settings()
    batch = settings.embed_batch
    texts = texts_for(args.texts)
    words = sum(len(t.split()) for t in texts) / len(texts)
    models = {backend: _load(backend, "cpu", settings.model_cache) for backend in BACKENDS}
    for model in models.values():  # warm-up: first batches pay for allocations
        model.encode(texts[:2 * batch], batch_size=batch, normalize_embeddings=True, show_progress_bar=False)
    rates: dict[str, list[float]] = {b: [] for b in models}
    vectors: dict[str, np.ndarray] = {}
    for r in range(args.rounds):
        for backend, model in models.items():
            t0 = time.perf_counter()
            vectors[backend] = np.asarray(model.encode(texts, batch_size=batch, normalize_embeddings=True,
                                                       show_progress_bar=False))
            rates[backend].append(len(texts) / (time.perf_counter() - t0))
            print(f"  round {r + 1} {backend}: {rates[backend][-1]:.1f} texts/s", file=sys.stderr, flush=True)
    query_ms = {}
    for backend, model in models.items():
        times = []
        for _ in range(20):
            t0 = time.perf_counter()
            model.encode([QUERY], batch_size=1, normalize_embeddings=True, show_progress_bar=False)
            times.append((time.perf_counter() - t0) * 1000)
        query_ms[backend] = sorted(times)[len(times) // 2]
    cosine = {b: (vectors["torch"] * v).sum(axis=1) for b, v in vectors.items()}
    best = {b: max(v) for b, v in rates.items()}

    print(f"{len(texts)} texts (mean {words:.0f} words), batch {batch}, {os.cpu_count()} cores, "
          f"torch threads {torch.get_num_threads()}, best of {args.rounds} rounds")
    print()
    print("| backend | texts/s | rounds | speed-up | one query (ms, median) | cosine to fp32 (mean / min) |")
    print("|---|---|---|---|---|---|")
    for backend in models:
        spread = " / ".join(f"{x:.1f}" for x in rates[backend])
        close = "1 / 1" if backend == "torch" else f"{cosine[backend].mean():.6f} / {cosine[backend].min():.6f}"
        print(f"| {backend} | {best[backend]:.1f} | {spread} | {best[backend] / best['torch']:.2f}x | "
              f"{query_ms[backend]:.1f} | {close} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
