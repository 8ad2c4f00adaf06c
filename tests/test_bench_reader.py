"""bench/train_reader.py, the reader experiments (passage and sentence level): its training data never overlaps what `python -m rag
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
    both, _ = split(rows, fold="all")
    assert sorted(r["question"] for r in both) == sorted(r["question"] for r in a + b)


def test_sentence_pairs_label_the_answers_sentence_and_take_negatives_that_hold_no_answer():
    from bench.train_reader import sentence_pairs

    rows = [{"title": "Port", "question": "When did the harbour open?", "answers": ["1901"], "answer_start": [43],
             "context": "The harbour was planned for a decade. It opened in 1901 with two piers. Fishing grew.",
             "is_impossible": False},
            {"title": "Port", "question": "Who closed the harbour?", "answers": [], "answer_start": [],
             "context": "The harbour lost trade after the war. Its piers were rebuilt.", "is_impossible": True}]
    rows[0]["answer_start"] = [rows[0]["context"].index("1901")]
    every = {"Port": [r["context"] for r in rows] + ["The harbour opened a museum in 1950. Ferries left daily."]}
    made = sentence_pairs(rows, every)
    answer = [(s, kind) for q, s, label, kind in made if label == 1]
    assert answer == [("It opened in 1901 with two piers.", "answer")]
    for question, sentence, label, kind in made:
        if kind in ("same-paragraph", "other-paragraph"):
            assert label == 0 and "1901" not in sentence
    others = [s for _, s, _, kind in made if kind == "other-paragraph"]
    assert len(others) == 2 and "The harbour opened a museum in 1950." in others  # most words shared first
    assert sum(kind == "unanswerable" for *_, kind in made) == 2 and all(
        label == 0 for q, _, label, kind in made if kind == "unanswerable")


def test_swapped_questions_change_one_name_or_figure_to_one_their_paragraph_does_not_hold():
    from bench.train_reader import SWAPPABLE, shape, swapped

    own = "The Grand Harbour opened in 1901 under Mayor Alice Brown with two piers."
    other = "In 1950 Mayor Tom Green added a museum; the Old Dock closed in 1962."
    rows = [{"title": "Port", "question": "When did the Grand Harbour open under Alice Brown?", "context": own,
             "answers": ["1901"], "is_impossible": False},
            {"title": "Port", "question": "Who closed the Old Dock in 1962?", "context": other, "answers": [],
             "is_impossible": True}]
    made = swapped(rows, {"Port": [own, other]})
    assert len(made) == 1  # the unanswerable row gives none
    question, passage, label, kind = made[0]
    assert (passage, label, kind) == (own, 0, "swapped") and question != rows[0]["question"]
    before = [m.group(0) for m in SWAPPABLE.finditer(rows[0]["question"])]
    after = [m.group(0) for m in SWAPPABLE.finditer(question)]
    changed = [(a, b) for a, b in zip(before, after) if a != b]
    assert len(before) == len(after) and len(changed) == 1
    old, new = changed[0]
    assert shape(old) == shape(new) and new.lower() not in own.lower() and new in other
