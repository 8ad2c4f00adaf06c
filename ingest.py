#!/usr/bin/env python
"""Ingest files or folders into the store:  python ingest.py PATHS... [--store DIR]

Shows a progress bar, then a table per file (added / updated / unchanged / failed, with the reason and what to
do). Exits 1 if any file failed (after ingesting the rest), 2 if the store is busy.

python ingest.py --check PATHS...  reads and rebuilds the files as ingest would, stores nothing, and prints per
document its body paragraphs (number range, gaps, duplicates), recommendation items, notes, layout lines removed
and figures checked (any altered or missing listed). Exits 1 if a file failed or a check found a fault.
"""
from __future__ import annotations

import argparse
import sys

from rag.config import get_settings
from rag.ingest.pipeline import ADDED, UPDATED, format_reports, ingest_paths
from rag.store import Store, StoreBusy


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", help="files or folders (searched recursively)")
    parser.add_argument("--store", help="store folder (default: RAG_STORE or ./store)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--check", action="store_true",
                        help="fidelity report only: read and rebuild the files, store nothing")
    args = parser.parse_args(argv)
    if args.check:
        return check(args.paths)

    from tqdm import tqdm

    from rag.answer.reader import ReaderMissing, check_models

    settings = get_settings().with_store(args.store)
    try:
        check_models(settings)  # a store is no use without the reader that answers from it
        store = Store(settings, write=True)
    except (StoreBusy, ReaderMissing) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with store, tqdm(unit="file", disable=args.quiet or None, file=sys.stderr) as files, \
            tqdm(unit="¶", desc="embedding", disable=args.quiet or None, file=sys.stderr) as paragraphs:
        def on_file(index, total, path):
            files.total = total
            files.n = index
            files.set_postfix_str(path.name[-40:])

        reports = ingest_paths(store, args.paths, on_file=on_file, on_paragraphs=paragraphs.update)
        files.n = files.total or 0
        if any(r.status in (ADDED, UPDATED) for r in reports):
            # made now and kept in the store folder, so the app's next start reads it instead of making it
            from rag.answer.retrieve import Retriever

            if not args.quiet:
                print(f"building the lexical index of {store.count():,} paragraph pieces ...", file=sys.stderr)
            Retriever(store).lexicon()
    print(format_reports(reports))
    return 0 if all(r.ok for r in reports) else 1


def check(paths: list[str]) -> int:
    from rag.ingest.fidelity import report, table
    from rag.ingest.pipeline import check_paths

    checks, failed = check_paths(paths, get_settings())
    for c in checks:
        print(report(c))
    if checks:
        print()
        print(table(checks))
    for r in failed:
        print(f"failed: {r.path}: {r.reason}. {r.hint}".rstrip(". "))
    return 0 if not failed and all(c.ok for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
