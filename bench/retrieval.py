"""What each half of retrieval adds.  python bench/retrieval.py [--large 20000]

For every evaluation question with a gold passage: the rank of the first retrieved paragraph holding it, with
dense search alone, BM25 alone, and the fused hybrid (RAG_RETRIEVAL), on the bundled corpus and on the bundled
corpus among --large generated distractor paragraphs. Prints recall@1/@3/@12 and mean reciprocal rank.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import build_store  # noqa: E402
from rag.config import get_settings  # noqa: E402
from rag.evaluate import load, norm  # noqa: E402
from rag.retrieve import Retriever  # noqa: E402

MODES = ("dense", "lexical", "hybrid")


def gold_rank(retriever: Retriever, row: dict) -> int | None:
    evidence = retriever.retrieve(row["q"])
    return next((i + 1 for i, e in enumerate(evidence)
                 if any(norm(g) in norm(e.paragraph.text) for g in row["gold"])), None)


def rows_for(name: str, store, questions: list[dict]) -> list[str]:
    base = store.settings
    out = []
    for mode in MODES:
        store.settings = base.model_copy(update={"retrieval": mode})
        ranks = [gold_rank(Retriever(store), row) for row in questions]
        n = len(ranks)
        at = lambda k: sum(1 for r in ranks if r and r <= k)  # noqa: E731
        mrr = sum(1 / r for r in ranks if r) / n
        out.append(f"| {name} | {store.count()} | {mode} | {at(1)}/{n} | {at(3)}/{n} | {at(12)}/{n} | {mrr:.2f} |")
    store.settings = base
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--large", type=int, default=20000)
    args = parser.parse_args()
    questions = [r for r in load(None) if r.get("gold")]
    settings = get_settings()
    lines = ["| store | paragraphs | retrieval | recall@1 | recall@3 | recall@12 | MRR |", "|---|---|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        with build_store(settings, Path(tmp) / "small") as store:
            lines += rows_for("bundled corpus", store, questions)
        if args.large:
            with build_store(settings, Path(tmp) / "big", args.large) as store:
                lines += rows_for("generated + bundled", store, questions)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
