"""python -m rag ask | eval | docs   (thin: parses arguments, calls the pipeline).

`ask` and `docs` also work while app.py serves the same embedded store: the app holds the store's one writer lock
(Chroma's embedded client must not be opened by a second process), so they ask the running app through its API
(/answer, /documents; the address is in the store's lock file) and print exactly what they would have printed.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rag.config import get_settings
from rag.answer.reader import ReaderMissing, check_models
from rag.store import Store, StoreBusy, document_row


def open_assistant(args):
    """The pipeline on the chosen store; says so on stderr when the store holds no documents yet (otherwise every
    answer would be a puzzling 'the documents do not answer'). -> (assistant, whether it holds documents)."""
    from rag.answer.chain import Assistant

    settings = get_settings().with_store(args.store)
    store = Store(settings)
    if not store.list_documents():
        where = settings.chroma_url or settings.store
        print(f"note: the store {where} holds no documents yet. Ingest some first, e.g. "
              f"`.venv/bin/python ingest.py data/corpus` (the bundled reports), or start app.py, which does that "
              f"on an empty store.", file=sys.stderr)
        return Assistant(settings, store), False
    return Assistant(settings, store), True


class RunningApp:
    """The app that holds the store, asked through its API (gradio_client). Same answers, same JSON: the app
    runs the same pipeline on the same store, and lists or searches complete documents only (a document's
    record is written after all its paragraphs), so an upload in progress is never seen half-done."""

    def __init__(self, busy: StoreBusy):
        from gradio_client import Client

        self.url = busy.url
        auth = None
        if get_settings().auth:
            user, _, password = get_settings().auth.partition(":")
            auth = (user, password)
        print(f"note: the store is held by {busy.holder}: asking that app at {self.url}",
              file=sys.stderr, flush=True)
        try:
            self.client = Client(self.url, auth=auth, verbose=False, download_files=False, analytics_enabled=False)
        except Exception as exc:  # noqa: BLE001 - connection refused, login refused, not a Gradio app ...
            raise AppUnreachable(self.url, exc) from None

    def call(self, api_name: str, *args):
        try:
            return self.client.predict(*args, api_name=api_name)
        except Exception as exc:  # noqa: BLE001
            raise AppUnreachable(self.url, exc) from None

    def ask(self, question: str, history: list[tuple[str, str]] | None, doc_ids: list[str] | None) -> dict:
        return self.call("/answer", question, [list(h) for h in history or []], doc_ids or [])

    def documents(self) -> list[dict]:
        return self.call("/documents")


def not_serving(busy: StoreBusy) -> StoreBusy:
    """The store is held by a process that serves no API: ingest.py, or an app still starting up."""
    if "app.py" in busy.holder:
        return StoreBusy(f"{busy} The app is still starting up (it writes its address into the lock once it "
                         "serves): try again when it says 'Serving on ...'.", busy.holder, busy.url)
    return busy


class AppUnreachable(RuntimeError):
    def __init__(self, url: str, exc: Exception):
        detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        login = " If the app asks for a login, set RAG_AUTH=user:password as for the app." \
            if "auth" in detail.lower() or "login" in detail.lower() or "401" in detail else ""
        super().__init__(f"the app holding the store did not answer at {url} ({detail}).{login}")


def cmd_ask(args) -> int:
    questions = [args.question] if args.question else []
    if args.file:
        with open(args.file, encoding="utf-8") as fh:
            questions += [line.strip() for line in fh if line.strip()]
    if not questions:
        print("error: give a QUESTION or --file QUESTIONS.txt", file=sys.stderr)
        return 2
    try:
        assistant, _ = open_assistant(args)
        ask = lambda q, h, d: assistant.ask(q, h, d).to_json()  # noqa: E731
    except StoreBusy as busy:
        if not busy.url:
            raise not_serving(busy) from None
        ask = RunningApp(busy).ask
    doc_ids = args.doc or None
    history: list[tuple[str, str]] = []
    for question in questions:
        answer = ask(question, history if args.follow_up else None, doc_ids)
        history.append((question, answer["answer"]))
        if args.json:
            print(json.dumps(answer, ensure_ascii=False), flush=True)
        else:
            print(format_answer(answer), flush=True)
    return 0


def format_answer(answer: dict) -> str:
    """An answer's JSON (Answer.to_json()) as text for a terminal."""
    from rag.answer.cite import describe_support
    from rag.app.ui import WEAK_EVIDENCE

    lines = [f"Q: {answer['question']}", ""]
    if answer.get("weak_evidence"):
        lines += [f"({WEAK_EVIDENCE}.)", ""]
    lines += [answer["answer"], ""]
    for c in answer["citations"]:
        where = f"¶{c['label']}" + (f", p. {c['page']}" if c.get("page") else "") + \
            (f", {c['section']}" if c.get("section") else "")
        support = describe_support(c.get("support"))
        lines.append(f"  [{c['n']}] {c['title']} ({where})" + (f" [{support}]" if support else ""))
        if c.get("quote"):
            lines.append(f"      “{c['quote']}”")
    if answer.get("follow_ups"):
        lines += ["", "  You could ask next:"] + [f"    - {q}" for q in answer["follow_ups"]]
    lines.append(f"  ({(answer.get('timings_ms') or {}).get('total', 0):.0f} ms)")
    return "\n".join(lines) + "\n"


def cmd_docs(args) -> int:
    settings = get_settings().with_store(args.store)
    try:
        with Store(settings) as store:
            rows = [document_row(doc) for doc in store.list_documents()]
    except StoreBusy as busy:
        if not busy.url:
            raise not_serving(busy) from None
        rows = RunningApp(busy).documents()
    for row in rows:
        if args.json:
            print(json.dumps(row, ensure_ascii=False))
        else:
            print(f"{row['doc']}  {row['paragraphs']:5d} ¶  {row['title']}  ({', '.join(row['sources'])})")
    return 0


def cmd_eval(args) -> int:
    """Score on question files against one store (--questions), or on whole sets, each in a store of its own
    (--set DIR, repeatable; with neither, every set this checkout knows)."""
    from rag.train.evaluate import evaluate, format_report, known_sets, set_from_folder

    if (args.questions or args.store) and not args.set:
        try:
            assistant, has_documents = open_assistant(args)
        except StoreBusy as busy:
            if busy.url:  # ask and docs can go through the app; scoring needs the retriever itself
                raise StoreBusy(f"{busy} (ask and docs work beside the running app; eval needs the store itself)",
                                busy.holder, busy.url) from None
            raise
        if not has_documents:
            return 1  # scores on an empty store would only mislead
        report = evaluate(assistant, args.questions)
        print(format_report(report))
        if args.details:
            for row in report["rows"]:
                print(json.dumps(row, ensure_ascii=False))
        return 0
    try:
        sets = [set_from_folder(f) for f in args.set] if args.set else known_sets()
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    reports = []
    for name, docs, questions in sets:
        assistant = set_assistant(name, docs)
        report = evaluate(assistant, questions)
        reports.append((name, report))
        print(f"\n## {name} ({', '.join(str(q) for q in questions)})\n")
        print(format_report(report), flush=True)
        if args.details:
            for row in report["rows"]:
                print(json.dumps(row, ensure_ascii=False))
        assistant.store.close()
    if args.write:
        from rag.train.evaluate import write_markdown

        write_markdown(Path(args.write), reports, "python -m rag eval --write " + args.write)
        print(f"wrote {args.write}", file=sys.stderr)
    return 0


def cmd_settings(args) -> int:
    from rag.config import describe

    for env, value, description in describe(get_settings()):
        if args.json:
            print(json.dumps({"env": env, "value": value, "description": description}, ensure_ascii=False))
        else:
            print(f"{env:26s} {value or '-'}\n{'':26s} {description}")
    return 0


def set_assistant(name: str, docs):
    """The pipeline on the set's own store (RAG_STORE/eval/NAME), ingesting its documents first (unchanged files are
    recognised and skipped, so a second run reuses the store)."""
    from pathlib import Path

    from rag.answer.chain import Assistant
    from rag.ingest.pipeline import ingest_paths

    base = get_settings()
    folder = Path(base.store) / "eval" / name
    settings = base.with_store(folder)
    with Store(settings, write=True) as store:
        reports = ingest_paths(store, docs)
    failed = [r for r in reports if not r.ok]
    for r in failed:
        print(f"warning: {r.path}: {r.reason}", file=sys.stderr)
    store = Store(settings)
    return Assistant(settings, store)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rag", description="Cited answers over policy documents.")
    sub = parser.add_subparsers(dest="command", required=True)

    ask = sub.add_parser("ask", help="answer questions with paragraph citations")
    ask.add_argument("question", nargs="?")
    ask.add_argument("--file", help="one question a line")
    ask.add_argument("--json", action="store_true", help="one JSON object per question")
    ask.add_argument("--store")
    ask.add_argument("--doc", action="append", help="search only this document id (repeatable)")
    ask.add_argument("--follow-up", action="store_true", help="treat --file questions as one conversation")
    ask.set_defaults(run=cmd_ask)

    docs = sub.add_parser("docs", help="list the indexed documents")
    docs.add_argument("--json", action="store_true")
    docs.add_argument("--store")
    docs.set_defaults(run=cmd_docs)

    ev = sub.add_parser("eval", help="score answers on a question file")
    ev.add_argument("--questions", nargs="+", help="JSONL files, asked of --store (default: the dev questions)")
    ev.add_argument("--set", action="append", metavar="DIR",
                    help="a folder with docs/ and questions.jsonl, asked of a store of its own (repeatable); "
                         "default: every known set (the bundled corpus and shared/eval/*)")
    ev.add_argument("--store", help="score the dev questions (or --questions) on this store instead of the sets")
    ev.add_argument("--details", action="store_true", help="print one JSON line per question too")
    ev.add_argument("--write", metavar="FILE", help="also write the tables as Markdown (docs/evaluation.md), keeping "
                                                    "its hand-written part")
    ev.set_defaults(run=cmd_eval)

    listing = sub.add_parser("settings", help="every setting: its environment variable, value and meaning")
    listing.add_argument("--json", action="store_true", help="one JSON object per setting")
    listing.set_defaults(run=cmd_settings)

    fit = sub.add_parser("fit", help="fit the sentence ranker and refusal threshold (rag/train/fit.py)", add_help=False)
    fit.set_defaults(run=None)
    train = sub.add_parser("train", help="train our reader model (rag/train/reader.py): train reader --help",
                           add_help=False)
    train.set_defaults(run=None)

    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["fit"]:  # its own options: python -m rag fit --help
        from rag.train.fit import main as fit_main

        try:
            check_models(get_settings())
        except ReaderMissing as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        if argv[1:2] == ["sides"]:
            from rag.train.sides import main_sides

            return main_sides(argv[2:])
        return fit_main(argv[1:])
    if argv[:2] == ["train", "reader"]:
        from rag.train.reader import main as train_main

        return train_main(argv[2:])
    args = parser.parse_args(argv)
    try:
        if args.run is not cmd_settings:  # every command answers with the reader, or fits it
            check_models(get_settings())
        return args.run(args)
    except ReaderMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except StoreBusy as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except AppUnreachable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
