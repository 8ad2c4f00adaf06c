"""What each half of retrieval adds, and what the embedding backend changes.

    python bench/retrieval.py [--large 20000] [--sets] [--backend torch,onnx-int8] [--modes dense,lexical,hybrid]

For every evaluation question with a gold passage: the rank of the first retrieved paragraph holding it, with
dense search alone, BM25 alone, and the fused hybrid (RAG_RETRIEVAL), on the bundled corpus and on the bundled
corpus among --large generated distractor paragraphs. With --sets, also on every development set of
shared/eval (rag.train.evaluate.known_sets(): each set's documents in a store of their own); there a question with
`sides` (two documents that disagree) counts at the rank where its last side is first found. Prints
recall@1/@3/@12 and mean reciprocal rank, per embedding backend (--backend; default RAG_EMBED_BACKEND): each
backend embeds its own stores, its queries included.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import write_corpus  # noqa: E402
from rag.config import get_settings  # noqa: E402
from rag.train.evaluate import known_sets, load, norm  # noqa: E402
from rag.answer.retrieve import Retriever  # noqa: E402

MODES = ("dense", "lexical", "hybrid")


def first_rank(texts: list[str], phrases: list[str]) -> int | None:
    return next((i + 1 for i, text in enumerate(texts) if any(norm(g) in norm(text) for g in phrases)), None)


def gold_rank(retriever: Retriever, row: dict) -> int | None:
    texts = [e.paragraph.text for e in retriever.retrieve(row["q"])]
    if row.get("gold"):
        return first_rank(texts, row["gold"])
    ranks = [first_rank(texts, side) for side in row["sides"]]  # every side must be found
    return None if None in ranks else max(ranks)


def rows_for(name: str, store, questions: list[dict], backend: str, modes) -> list[str]:
    base = store.settings
    retriever = Retriever(store)  # reads the mode from store.settings at each question
    out = []
    for mode in modes:
        store.settings = base.model_copy(update={"retrieval": mode})
        ranks = [gold_rank(retriever, row) for row in questions]
        n = len(ranks)
        at = lambda k: sum(1 for r in ranks if r and r <= k)  # noqa: E731
        mrr = sum(1 / r for r in ranks if r) / n
        out.append(f"| {name} | {backend} | {store.count()} | {mode} | {at(1)}/{n} | {at(3)}/{n} | {at(12)}/{n} | "
                   f"{mrr:.2f} |")
        print(out[-1], file=sys.stderr, flush=True)
    store.settings = base
    return out


def open_store(settings, folder: Path, paths: list[Path], backend: str):
    """A writable store in `folder` with `paths` ingested, embedded by `backend`. The caller closes it."""
    from rag.embeddings import LocalEmbeddings
    from rag.ingest.pipeline import ingest_paths
    from rag.store import Store

    store = Store(settings.with_store(folder), write=True, embeddings=LocalEmbeddings(backend=backend))
    ingest_paths(store, paths)
    return store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--large", type=int, default=20000, help="generated distractor paragraphs (0: none)")
    parser.add_argument("--sets", action="store_true", help="also every development set of shared/eval")
    parser.add_argument("--backend", help="embedding backends, comma-separated (default RAG_EMBED_BACKEND)")
    parser.add_argument("--modes", default=",".join(MODES), help="retrieval modes, comma-separated")
    args = parser.parse_args()
    settings = get_settings()
    backends = [b.strip() for b in (args.backend or settings.embed_backend).split(",") if b.strip()]
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    bundled = [r for r in load(None) if r.get("gold")]
    lines = ["| store | backend | paragraphs | retrieval | recall@1 | recall@3 | recall@12 | MRR |",
             "|---|---|---|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        for backend in backends:
            root = Path(tmp) / backend
            with open_store(settings, root / "small", [settings.corpus], backend) as store:
                lines += rows_for("bundled corpus", store, bundled, backend, modes)
            if args.large:
                write_corpus(root / "generated", args.large, per_file=500, words=25)
                with open_store(settings, root / "big", [root / "generated", settings.corpus], backend) as store:
                    lines += rows_for("generated + bundled", store, bundled, backend, modes)
            if args.sets:
                for name, docs, files in known_sets():
                    if name == "bundled":
                        continue
                    questions = [r for r in load(files) if r.get("gold") or r.get("sides")]
                    if questions:
                        with open_store(settings, root / name, docs, backend) as store:
                            lines += rows_for(name, store, questions, backend, modes)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
