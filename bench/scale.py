"""The product at a library's size, in one run.  python bench/scale.py --paragraphs N [--json]

1. Ingest: N generated report-like paragraphs (60-90 words, sampled from the bundled reports' own word
   frequencies, 500 to a file) plus the bundled corpus, through the real ingest path (read, rebuild paragraphs,
   embed, write to Chroma), against the bare embedding model (rag.embeddings.load_model().encode, same batch size)
   on exactly the texts the ingest embedded. Above --bare-max texts the bare model is timed on an evenly spaced
   sample of that many and scaled to all of them (so N=100,000 fits in an hour on 2 cores; --bare-max 0: all).
   Then the lexical index is made and kept, as ingest.py does after an ingest (timed apart: `index_s`).
2. Answers: the evaluation questions (rag.train.evaluate.load) through the whole pipeline (Assistant.ask, extractive,
   no follow-ups), --rounds rounds after the warm-up, in a fresh process that serves only that store: p50, p95 and
   its peak RSS; the same on a store of the bundled corpus alone (bundled p95).
3. Cold start: `python app.py` on the ready store (RAG_STORE, a free port) until its first answer through
   gradio_client, as a user would see it.

With --dir the work folder is kept, and the ingest's figures are written beside the store (big/ingest.json); with
--reuse as well, a folder that already holds a store of N generated paragraphs is measured again without ingesting
it again (steps 2 and 3 only, the ingest figures read from that file): for changes that do not touch ingest.

Prints a Markdown table, progress on stderr, and with --json one JSON object as the last line of stdout.
Goals (at N=100,000): p95 <= 800 ms, bundled p95 <= 300 ms, RSS <= 1,500 MB, cold start <= 8 s, ingest
within 1.2x of the bare model.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.measure import peak_rss_mb, percentile  # noqa: E402
from rag.config import get_settings  # noqa: E402


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class Progress:
    """'<what> done/total (rate/s, eta)' on stderr, at most every few seconds."""

    def __init__(self, what: str, total: int, unit: str = "", every: float = 5.0):
        self.what, self.total, self.unit, self.every = what, total, unit, every
        self.done = 0
        self.t0 = self.last = time.perf_counter()

    def __call__(self, n: int) -> None:
        self.done += n
        now = time.perf_counter()
        if now - self.last >= self.every or self.done >= self.total:
            self.last = now
            rate = self.done / max(now - self.t0, 1e-9)
            eta = (self.total - self.done) / rate if rate and self.total > self.done else 0
            say(f"{self.what} {self.done}/{self.total}{self.unit} ({rate:.0f}/s, {eta / 60:.1f} min left)")


# ------------------------------------------------------------------------------------------ 1. ingest vs bare
def ingest(folder: Path, paragraphs: int, bare_max: int) -> dict:
    from bench.corpus import build_store
    from rag.embeddings import LocalEmbeddings, load_model

    class Recorded(LocalEmbeddings):
        """The product's embeddings, keeping the texts they were given (the bare model gets the same ones)."""

        def __init__(self):
            super().__init__()
            self.texts: list[str] = []

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            self.texts.extend(texts)
            return super().embed_documents(texts)

    settings = get_settings()
    t0 = time.perf_counter()
    embeddings = Recorded()
    embeddings.embed_query("warm up")  # the model loaded before any clock starts
    model_s = time.perf_counter() - t0
    embeddings.texts = []
    say(f"model loaded in {model_s:.1f} s (backend {backend()}); writing and ingesting {paragraphs} paragraphs ...")
    timings: dict = {}
    progress = Progress("embedding", paragraphs, " pieces")
    with build_store(settings, folder, paragraphs, words=(60, 90), realistic=True, embeddings=embeddings,
                     on_paragraphs=progress, timings=timings) as store:
        stored = store.count()
        paragraphs_in_store = sum(d.paragraphs for d in store.list_documents())
        say("making and keeping the lexical index, as ingest.py does after an ingest ...")
        from rag.answer.retrieve import Retriever

        t_index = time.perf_counter()
        Retriever(store).lexicon()
        index_s = time.perf_counter() - t_index
    texts = embeddings.texts
    say(f"ingest: {stored} pieces in {timings['ingest_s']:.1f} s; the bare model on the same texts ...")

    sample = texts
    if bare_max and len(texts) > bare_max:
        step = len(texts) / bare_max
        sample = [texts[int(i * step)] for i in range(bare_max)]
    model = load_model()
    progress = Progress("bare model", len(sample), " texts")
    t0 = time.perf_counter()
    for start in range(0, len(sample), 1024):  # chunks of whole batches: the same work, with progress
        chunk = sample[start:start + 1024]
        model.encode(chunk, batch_size=settings.embed_batch, normalize_embeddings=True, show_progress_bar=False,
                     convert_to_numpy=True)
        progress(len(chunk))
    bare_s = (time.perf_counter() - t0) * len(texts) / len(sample)
    return {"paragraphs": paragraphs_in_store, "pieces": stored, "texts": len(texts), "bare_texts": len(sample), "model_load_s": model_s,
            "write_s": timings["write_s"], "ingest_s": timings["ingest_s"], "bare_s": bare_s, "index_s": index_s}


def backend() -> str:
    return str(getattr(get_settings(), "embed_backend", "torch"))


# ------------------------------------------------------------------------------------------ 2. answers
def serve(store_dir: str, rounds: int) -> dict:
    """In its own process: the store opened as the app opens it, warmed up, then every question `rounds` times."""
    from rag.answer.chain import Assistant
    from rag.train.evaluate import load
    from rag.store import Store

    questions = [r["q"] for r in load(None)]
    settings = get_settings().with_store(store_dir).model_copy(update={"follow_ups": 0})
    t0 = time.perf_counter()
    store = Store(settings)
    assistant = Assistant(settings, store)
    from rag.app.warmup import warm_up

    warm_up(assistant, say=lambda line: say(f"  {line}"))
    warm_s = time.perf_counter() - t0
    times, reader = [], []
    progress = Progress("  questions", rounds * len(questions), every=10)
    for _ in range(rounds):
        for q in questions:
            t = time.perf_counter()
            answer = assistant.ask(q)
            times.append((time.perf_counter() - t) * 1000)
            reader.append(answer.timings_ms.get("reader", 0.0))
            progress(1)
    store.close()
    return {"questions": len(times),
            "p50_ms": percentile(times, .5), "p95_ms": percentile(times, .95), "max_ms": max(times),
            "reader_p50_ms": percentile(reader, .5), "reader_p95_ms": percentile(reader, .95),
            "first_round_p95_ms": percentile(times[:len(questions)], .95), "warm_s": warm_s,
            "rss_mb": peak_rss_mb()}


def serve_in_process(store_dir: Path, rounds: int) -> dict:
    env = {**os.environ, "RAG_FOLLOW_UPS": "0"}
    env.pop("RAG_CHROMA_URL", None)
    proc = subprocess.run([sys.executable, __file__, "--serve", str(store_dir), "--rounds", str(rounds)],
                          cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    if proc.returncode:
        raise SystemExit(f"serving {store_dir} failed (exit {proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------------------------------ 3. cold start
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cold_start(store_dir: Path, question: str, timeout: float = 900) -> dict:
    """`python app.py` on the ready store until its first answer through gradio_client (connect included)."""
    from gradio_client import Client

    port = free_port()
    env = {**os.environ, "RAG_STORE": str(store_dir), "RAG_PORT": str(port), "RAG_FOLLOW_UPS": "0",
           "PYTHONUNBUFFERED": "1"}
    for key in ("RAG_CHROMA_URL", "RAG_AUTH", "RAG_ROOT_PATH", "RAG_HOST"):
        env.pop(key, None)
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    lines: list[tuple[float, str]] = []

    def relay():
        for line in proc.stdout:
            lines.append((time.perf_counter() - t0, line.rstrip()))
            say(f"  app {time.perf_counter() - t0:5.1f}s: {line.rstrip()}")

    threading.Thread(target=relay, daemon=True).start()
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"app.py exited with {proc.returncode}")
            if time.perf_counter() - t0 > timeout:
                raise SystemExit(f"app.py gave no answer in {timeout:.0f} s")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    pass
            except OSError:
                time.sleep(0.05)
                continue
            try:
                client = Client(url, verbose=False)
                break
            except Exception:  # noqa: BLE001 - up but not ready yet
                time.sleep(0.1)
        ready_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        result = client.predict(question, [], api_name="/ask")
        if not isinstance(result[4], dict) or "answer" not in result[4]:
            raise SystemExit(f"app.py gave no answer: {str(result)[:200]}")
        done = time.perf_counter()
        return {"cold_start_s": done - t0, "app_ready_s": ready_s, "first_answer_ms": (done - t1) * 1000,
                "app_rss_mb": peak_rss_mb(proc.pid)}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


# ------------------------------------------------------------------------------------------ the table
def table(r: dict) -> str:
    rows = [
        ("paragraphs in the store", f"{r['paragraphs']:,} ({r['generated']:,} generated + the bundled corpus; "
                                    f"{r['pieces']:,} embedded pieces)"),
        ("embedding backend", r["embed_backend"]),
        ("ingest", f"{r['ingest_s']:.0f} s ({r['texts'] / r['ingest_s']:.1f} pieces/s)"),
        ("bare model, same texts", f"{r['bare_s']:.0f} s ({r['texts'] / r['bare_s']:.1f} texts/s"
                                   + (f"; timed on {r['bare_texts']:,} of them)"
                                      if r['bare_texts'] < r['texts'] else ")")),
        ("ingest / bare", f"{r['ingest_vs_bare']:.2f}x (goal <= 1.2x)"),
        ("lexical index made and kept", f"{r['index_s']:.0f} s after the ingest, as ingest.py does (not in the ratio)"
                                        if r.get("index_s") is not None else "not measured in this run"),
        ("answer p50 / p95", f"{r['p50_ms']:.0f} / {r['p95_ms']:.0f} ms over {r['questions']} answers "
                             f"(goal p95 <= 800 ms)"),
        ("the reader model's share p50 / p95", f"{r['reader_p50_ms']:.0f} / {r['reader_p95_ms']:.0f} ms"),
        ("bundled corpus alone p50 / p95", f"{r['bundled_p50_ms']:.0f} / {r['bundled_p95_ms']:.0f} ms "
                                           f"(goal p95 <= 300 ms)"),
        ("peak RSS while serving", f"{r['rss_mb']:.0f} MB (app after its first answer: "
                                   f"{r['app_rss_mb'] or 0:.0f} MB; goal <= 1,500 MB)"),
        ("app cold start to first answer", f"{r['cold_start_s']:.1f} s (serving after {r['app_ready_s']:.1f} s; "
                                           f"first answer {r['first_answer_ms']:.0f} ms; goal <= 8 s)"),
        ("bench wall time", f"{r['wall_s'] / 60:.1f} min"),
    ]
    width = max(len(k) for k, _ in rows)
    return "\n".join(["| measure | value |", "|---|---|"] + [f"| {k.ljust(width)} | {v} |" for k, v in rows])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--paragraphs", type=int, default=20000, help="generated paragraphs (default 20000)")
    parser.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    parser.add_argument("--rounds", type=int, default=3, help="times each question is asked (default 3)")
    parser.add_argument("--bare-max", type=int, default=5000,
                        help="time the bare model on at most this many of the texts (0: all; default 5000)")
    parser.add_argument("--dir", help="work folder (kept); default a temporary one, removed")
    parser.add_argument("--reuse", action="store_true",
                        help="with --dir: measure the store a previous run left there, without ingesting it again")
    parser.add_argument("--serve", help=argparse.SUPPRESS)  # internal: measure answers on this store
    args = parser.parse_args(argv)
    if args.serve:
        print(json.dumps(serve(args.serve, args.rounds)))
        return 0

    from rag.train.evaluate import load

    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="scale-") as tmp:
        work = Path(args.dir) if args.dir else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        kept = work / "big" / "ingest.json"
        previous = json.loads(kept.read_text()) if args.reuse and args.dir and kept.is_file() else None
        if previous and previous.get("generated") == args.paragraphs:
            built = previous
            say(f"[1/5] ingest: reusing the store of {args.paragraphs} generated paragraphs in {work} (its ingest "
                f"figures from {kept})")
        else:
            if args.reuse:
                say(f"  --reuse: no store of {args.paragraphs} generated paragraphs in {work}; building one")
            say(f"[1/5] ingest: {args.paragraphs} generated paragraphs + the bundled corpus, in {work}")
            built = {**ingest(work / "big", args.paragraphs, args.bare_max), "generated": args.paragraphs}
            kept.write_text(json.dumps(built))
        say("[2/5] answers on the large store (its own process) ...")
        big = serve_in_process(work / "big" / "store", args.rounds)
        say(f"  p50 {big['p50_ms']:.0f} ms, p95 {big['p95_ms']:.0f} ms, peak RSS {big['rss_mb']:.0f} MB")
        say("[3/5] a store of the bundled corpus alone ...")
        from bench.corpus import build_store

        if not (previous and (work / "bundled" / "store").is_dir()):
            build_store(get_settings(), work / "bundled").close()
        say("[4/5] answers on the bundled corpus alone ...")
        small = serve_in_process(work / "bundled" / "store", args.rounds)
        say(f"  p50 {small['p50_ms']:.0f} ms, p95 {small['p95_ms']:.0f} ms")
        say("[5/5] app.py cold start on the large store ...")
        question = next(r["q"] for r in load(None))
        cold = cold_start(work / "big" / "store", question)
        say(f"  first answer {cold['cold_start_s']:.1f} s after start")
    result = {
        "paragraphs": built["paragraphs"], "generated": args.paragraphs, "pieces": built["pieces"],
        "texts": built["texts"], "bare_texts": built["bare_texts"],
        "ingest_s": round(built["ingest_s"], 1), "bare_s": round(built["bare_s"], 1),
        "ingest_vs_bare": round(built["ingest_s"] / built["bare_s"], 3),
        "model_load_s": round(built["model_load_s"], 2), "write_s": round(built["write_s"], 1),
        "index_s": round(built["index_s"], 1) if built.get("index_s") is not None else None,
        "questions": big["questions"], "p50_ms": round(big["p50_ms"], 1), "p95_ms": round(big["p95_ms"], 1),
        "max_ms": round(big["max_ms"], 1), "first_round_p95_ms": round(big["first_round_p95_ms"], 1),
        "reader_p50_ms": round(big["reader_p50_ms"], 1), "reader_p95_ms": round(big["reader_p95_ms"], 1),
        "bundled_p50_ms": round(small["p50_ms"], 1), "bundled_p95_ms": round(small["p95_ms"], 1),
        "rss_mb": round(big["rss_mb"], 1), "serve_warm_s": round(big["warm_s"], 2),
        "cold_start_s": round(cold["cold_start_s"], 2), "app_ready_s": round(cold["app_ready_s"], 2),
        "first_answer_ms": round(cold["first_answer_ms"], 1),
        "app_rss_mb": round(cold["app_rss_mb"], 1) if cold["app_rss_mb"] else None,
        "embed_backend": backend(), "embed_batch": get_settings().embed_batch, "cpus": os.cpu_count(),
        "wall_s": round(time.perf_counter() - t_start, 1), "reused_store": bool(previous),
    }
    print(table(result))
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
