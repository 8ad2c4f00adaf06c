"""Concurrent chat users against a running app, through gradio_client (the same queue a browser uses).

    python bench/load.py [--url http://127.0.0.1:7860] [--users 1,5,20] [--questions 4] [--auth user:pass]
    python bench/load.py --url http://127.0.0.1:7861,http://127.0.0.1:7862   # replicas: users round-robin
    python bench/load.py --start [--users 1,5,20]     # starts app.py on a copy-free temp store first

Each user is its own client session (its own conversation) asking --questions questions one after another
(follow-ups included: the app passes the conversation as history). Several --url (app replicas on one Chroma
server): user k talks to URL k mod n, so the users are spread evenly. Prints, per number of users: requests,
errors, p50 / p95 / max latency (ms) of one question as the user sees it (queue wait included), and
throughput. The app's queue runs RAG_CONCURRENCY questions at a time; the rest wait in line.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.measure import percentile  # noqa: E402

QUESTIONS = [
    "What is recommended regarding the Great Firewall?",
    "And what about censorship?",
    "How many defence lawyers were penalised between 2017 and 2021?",
    "Is Western criticism of China's human rights record fair?",
    "What does the briefing say about Bachelet's visit to China?",
    "What is recommended about police detention powers?",
    "What is the unemployment rate in Xinjiang?",
    "For how long can supervision bodies detain a person without charge?",
]


def one_user(url: str, auth, count: int, offset: int, times: list[float], errors: list[str],
             lock: threading.Lock, start: threading.Barrier) -> None:
    from gradio_client import Client

    try:
        client = Client(url, auth=auth, verbose=False)
    except Exception as exc:  # noqa: BLE001
        with lock:
            errors.extend([f"connect: {exc}"] * count)
        start.wait()
        return
    start.wait()
    for i in range(count):
        question = QUESTIONS[(offset + i) % len(QUESTIONS)]
        t0 = time.perf_counter()
        try:
            result = client.predict(question, [], api_name="/ask")
            data = result[4]
            if not isinstance(data, dict) or "answer" not in data:
                raise ValueError("no answer in the reply")
            with lock:
                times.append((time.perf_counter() - t0) * 1000)
        except Exception as exc:  # noqa: BLE001
            with lock:
                errors.append(f"{type(exc).__name__}: {str(exc)[:120]}")


def run(url: str | list[str], users: int, per_user: int, auth) -> dict:
    urls = [url] if isinstance(url, str) else list(url)
    times: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(users + 1)
    threads = [threading.Thread(target=one_user, args=(urls[u % len(urls)], auth, per_user, u, times, errors, lock,
                                                       start), daemon=True) for u in range(users)]
    for t in threads:
        t.start()
    start.wait()  # every client connected: the clock starts for all at once
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    return {"users": users, "requests": len(times) + len(errors), "errors": len(errors), "times": times,
            "wall": wall, "samples": errors[:3]}


def start_app(store: str | None) -> tuple[subprocess.Popen, str]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    store = store or tempfile.mkdtemp(prefix="load-store-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port), "--store", store], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 600
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"app.py exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                time.sleep(1)
                return proc, url
        except OSError:
            time.sleep(1)
    proc.kill()
    raise SystemExit("app.py did not start in 10 minutes")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:7860",
                        help="the app's address; several, comma-separated, for replicas (users round-robin)")
    parser.add_argument("--users", default="1,5,20", help="comma-separated numbers of concurrent users")
    parser.add_argument("--questions", type=int, default=4, help="questions each user asks, one after another")
    parser.add_argument("--auth", help="user:password when the app runs with --auth")
    parser.add_argument("--start", action="store_true", help="start app.py on a temp store (or --store) first")
    parser.add_argument("--store", help="with --start: the store folder to use")
    args = parser.parse_args(argv)
    auth = tuple(args.auth.split(":", 1)) if args.auth else None
    proc = None
    urls = [u.strip() for u in args.url.split(",") if u.strip()]
    if args.start:
        print("starting app.py (a new store ingests the bundled corpus first) ...", flush=True)
        proc, url = start_app(args.store)
        urls = [url]
    try:
        print(f"app: {', '.join(urls)}   questions per user: {args.questions}", flush=True)
        header = f"{'users':>5} {'requests':>8} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'q/s':>6}"
        print(header)
        print("-" * len(header))
        for users in [int(u) for u in args.users.split(",") if u.strip()]:
            r = run(urls, users, args.questions, auth)
            t = r["times"]
            print(f"{users:>5} {r['requests']:>8} {r['errors']:>6} {percentile(t, .5):>8.0f} {percentile(t, .95):>8.0f} "
                  f"{(max(t) if t else float('nan')):>8.0f} {len(t) / r['wall']:>6.2f}", flush=True)
            for sample in r["samples"]:
                print(f"      error: {sample}")
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
