"""Ingest speed vs the bare embedding model, on a generated corpus.  python bench/ingest.py [--paragraphs 5000]

Prints a table: paragraphs/s for the bare model (same texts, same batch size), for a full ingest (read, rebuild
paragraphs, embed, write to Chroma), their ratio (goal: ingest within 1.2x of the bare model) and peak RSS.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import write_corpus  # noqa: E402
from bench.measure import peak_rss_mb  # noqa: E402
from rag.config import get_settings  # noqa: E402
from rag.embeddings import LocalEmbeddings  # noqa: E402
from rag.ingest.pipeline import ingest_paths  # noqa: E402
from rag.store import Store  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--paragraphs", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        texts = write_corpus(corpus, args.paragraphs)
        embeddings = LocalEmbeddings()
        embeddings.embed_query("warm up")
        t0 = time.perf_counter()
        embeddings.embed_documents(texts)
        bare = len(texts) / (time.perf_counter() - t0)

        settings = get_settings().with_store(Path(tmp) / "store")
        with Store(settings, write=True, embeddings=embeddings) as store:
            t0 = time.perf_counter()
            reports = ingest_paths(store, [corpus])
            elapsed = time.perf_counter() - t0
            stored = sum(r.paragraphs for r in reports)
        ingest = stored / elapsed
        rss = peak_rss_mb()
    rows = [("paragraphs", f"{stored}"), ("bare model ¶/s", f"{bare:.1f}"), ("ingest ¶/s", f"{ingest:.1f}"),
            ("bare / ingest", f"{bare / ingest:.2f}x (goal <= 1.2x)"), ("peak RSS MB", f"{rss:.0f}")]
    width = max(len(k) for k, _ in rows)
    print("| measure | value |\n|---|---|")
    for k, v in rows:
        print(f"| {k.ljust(width)} | {v} |")


if __name__ == "__main__":
    main()
