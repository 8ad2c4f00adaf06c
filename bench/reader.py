"""The reader model's speed: pairs a second by length and batch, on this machine's cores (ONNX Runtime, int8).

    python bench/reader.py [--pairs 256] [--model DIR]

1. Question-and-sentence pairs of about 48, 96 and 128 word pieces (the model's window), all of one length, read
   one at a time and in batches of 8 and 32: pairs a second and the time of one question's 24 pairs
   (`RAG_READER_PAIRS`).
2. A question's shortlist as the answer path meets it: 24 pairs of mixed lengths (48 to 128 pieces, seeded), read
   one at a time (the answer path's way) and in batches, each batch padded to its longest pair.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag.answer.reader import MODEL_DIR, Reader  # noqa: E402

QUESTION = "How many people were detained in the camps in the region according to the report?"
WORDS = ("the report found that detention without charge remained common in the region and that families were "
         "not told where relatives were held while lawyers were refused access to them for months").split()


def sentence(pieces: int) -> str:
    """A sentence of about that many word pieces, less the question's and the markers'."""
    n = max(4, pieces - 22)
    return " ".join((WORDS * (n // len(WORDS) + 1))[:n]).capitalize() + "."


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=256)
    parser.add_argument("--model", default=str(MODEL_DIR))
    args = parser.parse_args(argv)
    reader = Reader(Path(args.model))
    print("| pieces | batch | pairs/s | 24 pairs, ms |")
    print("|---|---|---|---|")
    for pieces in (48, 96, 128):
        s = sentence(pieces)
        for batch in (1, 8, 32):
            pieces_read = len(reader.encoder.encode([QUESTION], [s])[0].ids)
            per_question = 24 / rate(reader, [s] * 24, batch, 96) * 1000
            print(f"| {pieces_read} | {batch} | {rate(reader, [s] * 32, batch, args.pairs):.0f} | {per_question:.0f} |")
    mixed = [sentence(random.Random(seed).randint(48, 128)) for seed in range(24)]
    print("\n| a shortlist of 24 mixed lengths | batch | pairs/s | 24 pairs, ms |")
    print("|---|---|---|---|")
    for batch in (1, 8, 24):
        r = rate(reader, mixed, batch, args.pairs)
        print(f"| 48-128 pieces | {batch} | {r:.0f} | {24 / r * 1000:.0f} |")
    return 0


def rate(reader: Reader, sentences: list[str], batch: int, pairs: int) -> float:
    """Pairs a second reading `sentences` (repeated to `pairs` pairs) against the question in batches of `batch`."""
    reader.read([QUESTION] * len(sentences), sentences, batch_size=batch)  # warm
    t0 = time.perf_counter()
    read = 0
    while read < pairs:
        reader.read([QUESTION] * len(sentences), sentences, batch_size=batch)
        read += len(sentences)
    return read / (time.perf_counter() - t0)


if __name__ == "__main__":
    sys.exit(main())
