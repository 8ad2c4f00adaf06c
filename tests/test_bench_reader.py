"""bench/train_reader.py, the passage-reader experiment: its training data never overlaps what `python -m rag
fit` fits on or holds apart, and its near-topic negatives hold no answer (the experiment's scores are honest
only if both hold)."""
from bench.train_reader import pairs, split
from rag.fit import held_apart, sampled


def test_training_keeps_apart_what_the_fit_uses_and_its_negatives_hold_no_answer():
    rows = []
    for a in range(10):
        for p in range(3):
            context = f"Article {a} paragraph {p} says the harbour opened in {1900 + p} with {p + 2} piers."
            rows.append({"title": f"T{a}", "context": context, "question": f"When did harbour {a} open ({p})?",
                         "answers": [str(1900 + p)], "is_impossible": p == 2})
    train, test = split(rows, fit_questions=6)
    held = held_apart(rows)
    assert {r["title"] for r in test} == held and not {r["title"] for r in train} & held
    fitted_on = {rows[i]["question"] for i in sampled(len(rows), 6)}
    assert len(fitted_on) == 6 and not fitted_on & {r["question"] for r in train}
    every_question = {r["question"] for r in rows}
    assert {r["question"] for r in train} | fitted_on | {r["question"] for r in test} == every_question
    every = {}
    for r in rows:
        every.setdefault(r["title"], []).append(r["context"])
    made = pairs(train, every)
    row_of = {r["question"]: r for r in train}
    assert len(made) > len(train)
    for question, passage, label, kind in made:
        row = row_of[question]
        if kind == "near-topic":
            assert label == 0 and passage != row["context"] and row["answers"][0] not in passage
        else:
            assert passage == row["context"] and label == int(not row["is_impossible"])


def test_the_folds_split_the_fitting_articles_in_two_and_never_take_a_held_apart_one():
    rows = [{"title": f"T{a}", "context": f"Paragraph {a}.", "question": f"Question {a} {p}?", "answers": ["x"],
             "is_impossible": False} for a in range(10) for p in range(2)]
    held = held_apart(rows)
    a, _ = split(rows, fold="A")
    b, _ = split(rows, fold="B")
    titles_a, titles_b = {r["title"] for r in a}, {r["title"] for r in b}
    assert titles_a and titles_b and not titles_a & titles_b and not (titles_a | titles_b) & held
    assert titles_a | titles_b | held == {r["title"] for r in rows}
    assert len(a) == 2 * len(titles_a)  # every row of a fold's articles, the fit's sample included
