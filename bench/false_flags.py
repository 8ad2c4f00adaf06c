"""False flags on plain questions (not part of the product's tests): questions a new user asks of the development
sets' documents whose answer is one thing, or a description, so a "the sources disagree" on them is a false flag.

python bench/false_flags.py            (after `python -m rag eval`, which builds store/eval/NAME for each set)

bench/plain_questions/NAME.txt holds one question a line for the set NAME, written by reading the documents as a
user would (what a thing is, where, who): none of them is in a development set, and none asks about a matter
the documents dispute. Prints each set's count of flagged answers, and each flagged question with the values it
was shown.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag.answer.chain import Assistant  # noqa: E402
from rag.config import ROOT, get_settings  # noqa: E402
from rag.store import Store  # noqa: E402

QUESTIONS = Path(__file__).with_name("plain_questions")


def main() -> int:
    rows = []
    for path in sorted(QUESTIONS.glob("*.txt")):
        folder = ROOT / "store" / "eval" / path.stem
        if not folder.is_dir():
            print(f"{path.stem}: no store at {folder} (run `python -m rag eval` first)", file=sys.stderr)
            continue
        questions = [q.strip() for q in path.read_text(encoding="utf-8").splitlines() if q.strip()]
        store = Store(get_settings().with_store(folder))
        try:
            assistant = Assistant(store.settings, store)
            answers = [assistant.ask(q) for q in questions]
        finally:
            store.close()
        flagged = [a for a in answers if a.disagreement]
        rows.append((path.stem, len(questions), len(flagged)))
        for a in flagged:
            print(f"  {path.stem}: {a.question} -> {' / '.join(p.value or p.holder for p in a.positions)}")
    print("| set | plain questions | flagged |")
    print("|---|---|---|")
    for name, n, flagged in rows:
        print(f"| {name} | {n} | {flagged} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
