"""The reader model's speed: pairs a second by length and batch, on this machine's cores (ONNX Runtime, int8).

    python bench/reader.py [--pairs 256] [--model DIR]

Question-and-sentence pairs of about 48, 96 and 128 word pieces (the model's window), read in batches of 8 and 32
(the answer path batches one question's shortlist, `RAG_READER_PAIRS`, 24 by default): pairs a second and the time
of one question's 24 pairs.
"""
from __future__ import annotations

import argparse
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
        for batch in (8, 32):
            reader.read([QUESTION] * batch, [s] * batch, batch_size=batch)  # warm
            t0 = time.perf_counter()
            for at in range(0, args.pairs, batch):
                reader.read([QUESTION] * batch, [s] * batch, batch_size=batch)
            rate = args.pairs / (time.perf_counter() - t0)
            length = len(reader.encoder.encode([QUESTION], [s])[0].ids)
            print(f"| {length} | {batch} | {rate:.0f} | {24 / rate * 1000:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
