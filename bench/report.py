"""Runs the benchmarks and writes their tables to docs/performance.md, each under the command that made it.

    python bench/report.py [--only query,reader,ingest,embed,load,scale] [--scale 100000] [--out docs/performance.md]

Every bench prints a table; this runs each as its own process (RAG_FOLLOW_UPS=0 where answers are timed: suggested
questions are checked after an answer, outside its time) and keeps what it printed. `--scale N` builds a store of N
generated paragraphs (100,000: ~25 minutes of ingest on 2 cores) in store/scaleN, reused when it is there.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.config import machine  # noqa: E402

BENCHES = {
    "query": ("Answer latency on the bundled corpus", ["bench/query.py", "--large", "0"]),
    "reader": ("The reader model's speed", ["bench/reader.py"]),
    "ingest": ("Ingest against the bare embedding model", ["bench/ingest.py"]),
    "embed": ("Embedding backends", ["bench/embed.py"]),
    "load": ("The web app under load", ["bench/load.py", "--start", "--users", "1,5,20"]),
    "scale": ("Scale", ["bench/scale.py"]),
}


def run(args: list[str]) -> str:
    env = {**os.environ, "RAG_FOLLOW_UPS": "0", "HF_HUB_OFFLINE": "1"}
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True)
    took = time.perf_counter() - t0
    text = out.stdout.strip() if out.returncode == 0 else f"(failed, exit {out.returncode})\n\n    " + \
        "\n    ".join(out.stderr.strip().splitlines()[-8:])
    return f"{text}\n\n({took / 60:.1f} min)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default=",".join(BENCHES))
    parser.add_argument("--scale", type=int, default=100000)
    parser.add_argument("--out", default=str(ROOT / "docs" / "performance.md"))
    args = parser.parse_args(argv)
    sections = [f"# Performance\n\nWritten by `python bench/report.py --only {args.only} --scale {args.scale}` on "
                f"{time.strftime('%Y-%m-%d')} ({machine()}). Goals: answer p95 <= "
                "300 ms on the bundled corpus and <= 800 ms at 100,000 paragraphs; under load (20 users) 0 errors "
                "and p95 <= 3 s; ingest within 1.2x of the bare embedding model."]
    for name in args.only.split(","):
        title, command = BENCHES[name]
        if name == "scale":
            folder = f"store/scale{args.scale}"
            command = command + ["--paragraphs", str(args.scale), "--dir", folder] + \
                (["--reuse"] if (ROOT / folder).exists() else [])
            title = f"{title}: {args.scale:,} paragraphs"
        print(f"running {name}: {' '.join(command)}", file=sys.stderr, flush=True)
        sections.append(f"## {title}\n\n`{' '.join(['python', *command])}`\n\n{run(command)}")
    Path(args.out).write_text("\n\n".join(sections) + "\n", encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
