"""What the training tests share: a few SQuAD 2.0-style rows, invented."""
from __future__ import annotations

import pytest

ROWS = [
    {"title": "Tarn_valley", "id": "q1", "question": "When was the Tarn footbridge opened?", "is_impossible": False,
     "context": "The Tarn footbridge is an iron structure over the river. It was opened in 1931 by the mayor. "
                "Walkers cross it every day.", "answers": ["1931"]},
    {"title": "Tarn_valley", "id": "q2", "question": "Who built the Tarn mill?", "is_impossible": False,
     "context": "The Tarn mill was built by Ann Ross in 1820. It ground corn for the valley until 1950.",
     "answers": ["Ann Ross"]},
    {"title": "Tarn_valley", "id": "q3", "question": "When was the Tarn mill demolished?", "is_impossible": True,
     "context": "The Tarn mill was built by Ann Ross in 1820. It ground corn for the valley until 1950.",
     "answers": [], "answer_start": []},
]
for _row in ROWS:
    _row.setdefault("answer_start", [_row["context"].index(a) for a in _row["answers"]])



@pytest.fixture
def rows() -> list[dict]:
    return [dict(r) for r in ROWS]
