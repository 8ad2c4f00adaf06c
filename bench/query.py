"""Answer latency and memory.  python bench/query.py [--large 20000] [--rounds 3]

1. The bundled corpus: the evaluation questions, several rounds, through the whole pipeline (extractive).
2. A generated store of --large paragraphs (short ones, so it builds in minutes on 2 cores) plus the bundled
   corpus, same questions. Prints p50 / p95 per store and peak RSS. Goals: p95 <= 300 ms bundled, <= 800 ms at 20k.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import build_store  # noqa: E402
from bench.measure import peak_rss_mb  # noqa: E402
from rag.answer.chain import Assistant  # noqa: E402
from rag.config import get_settings  # noqa: E402
from rag.train.evaluate import load  # noqa: E402


def measure(store, questions: list[str], rounds: int) -> list[float]:
    assistant = Assistant(store.settings, store)
    assistant.ask(questions[0])  # warm: model loaded, lexical index built
    times = []
    for _ in range(rounds):
        for q in questions:
            t0 = time.perf_counter()
            assistant.ask(q)
            times.append((time.perf_counter() - t0) * 1000)
    return times


def row(name: str, paragraphs: int, times: list[float]) -> str:
    times = sorted(times)
    p95 = times[int(round(0.95 * (len(times) - 1)))]
    return f"| {name} | {paragraphs} | {len(times)} | {statistics.median(times):.0f} | {p95:.0f} |"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--large", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    questions = [r["q"] for r in load(None)]
    settings = get_settings()
    lines = ["| store | paragraphs | questions | p50 ms | p95 ms |", "|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        with build_store(settings, Path(tmp) / "small") as store:
            lines.append(row("bundled corpus", store.count(), measure(store, questions, args.rounds)))
        if args.large:
            with build_store(settings, Path(tmp) / "big", args.large) as store:
                lines.append(row("generated + bundled", store.count(), measure(store, questions, args.rounds)))
    rss = peak_rss_mb()
    print("\n".join(lines))
    print(f"\npeak RSS: {rss:.0f} MB")


if __name__ == "__main__":
    main()
