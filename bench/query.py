"""Answer latency and memory.  python bench/query.py [--large 20000] [--rounds 3]

1. The bundled corpus: the evaluation questions, several rounds, through the whole pipeline (extractive).
2. A generated store of --large paragraphs (short ones, so it builds in minutes on 2 cores) plus the bundled
   corpus, same questions. Prints p50 / p95 per store of the whole answer and of the reader model's share of it
   (`timings_ms.reader`), and peak RSS. Goals: p95 <= 300 ms bundled, <= 800 ms at 100k (bench/scale.py).
Suggested follow-up questions are checked after an answer, outside its time: run with RAG_FOLLOW_UPS=0 to leave
them out of these figures too.
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


def measure(store, questions: list[str], rounds: int) -> tuple[list[float], list[float]]:
    """(each answer's time, the reader model's time within it), in ms."""
    assistant = Assistant(store.settings, store)
    assistant.ask(questions[0])  # warm: model loaded, lexical index built
    times, reader = [], []
    for _ in range(rounds):
        for q in questions:
            t0 = time.perf_counter()
            answer = assistant.ask(q)
            times.append((time.perf_counter() - t0) * 1000)
            reader.append(answer.timings_ms.get("reader", 0.0))
    return times, reader


def percentiles(values: list[float]) -> tuple[float, float]:
    values = sorted(values)
    return statistics.median(values), values[int(round(0.95 * (len(values) - 1)))]


def row(name: str, paragraphs: int, measured: tuple[list[float], list[float]]) -> str:
    times, reader = measured
    (p50, p95), (r50, r95) = percentiles(times), percentiles(reader)
    return f"| {name} | {paragraphs} | {len(times)} | {p50:.0f} | {p95:.0f} | {r50:.0f} | {r95:.0f} |"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--large", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    questions = [r["q"] for r in load(None)]
    settings = get_settings()
    lines = ["| store | paragraphs | questions | p50 ms | p95 ms | reader p50 ms | reader p95 ms |",
             "|---|---|---|---|---|---|---|"]
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
