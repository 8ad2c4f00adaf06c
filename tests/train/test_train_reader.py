"""Training the reader (rag/train/): its examples, its splits, and a real (tiny) training run exported and served."""
from __future__ import annotations

import json

import numpy as np
import pytest

from rag.answer.reader import MANIFEST, PairEncoder, Reader, Window, check_model
from rag.train.reader import Config, encode_examples, export, tokenizer_file, train
from rag.train.reader_data import (TRAIN_DIR, Example, answer_examples, as_question, every_nth, squad2_part,
                                   stance_examples)

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


def test_an_answerable_question_gives_its_sentence_with_the_span_and_negatives_users_meet():
    out = answer_examples(ROWS[:2], np.random.default_rng(0), "test")
    q1 = [e for e in out if e.group == "q1"]
    (positive,) = [e for e in q1 if e.label == 1]
    assert positive.second == "It was opened in 1931 by the mayor."
    assert positive.second[slice(*positive.span)] == "1931"
    assert positive.heading == "Tarn valley" and positive.before.startswith("The Tarn footbridge is")
    kinds = {e.kind for e in q1 if e.label == 0}
    assert kinds == {"same-paragraph", "other-paragraph"}  # its paragraph's other sentences, and another paragraph's
    assert all("1931" not in e.second for e in q1 if e.label == 0)


def test_an_unanswerable_question_gives_only_negatives_from_its_own_paragraph():
    out = answer_examples(ROWS[2:], np.random.default_rng(0), "test", unanswerable_weight=2)
    assert out and all(e.label == 0 and e.kind == "unanswerable" for e in out)
    assert len(out) == 2 * 2  # both sentences of its paragraph, twice


def test_encoding_keeps_the_span_on_the_answers_pieces():
    encoder = PairEncoder(tokenizer_file(), Window())
    examples = answer_examples(ROWS[:1], np.random.default_rng(0), "test")
    items = encode_examples(examples, encoder)
    (positive,) = [it for it, e in zip(items, examples) if e.label == 1]
    assert encoder.tokenizer.decode(positive.ids[positive.start:positive.end + 1]) == "1931"
    assert all(it.start == it.end == 0 for it, e in zip(items, examples) if e.label == 0)  # "nowhere": [CLS]


@pytest.mark.parametrize("claim, question", [
    ("Vaccination must be made compulsory", "Must vaccination be made compulsory?"),
    ("The penny should stay in circulation.", "Should the penny stay in circulation?"),
    ("UK should ban smoking in cars", "Should UK ban smoking in cars?"),
    ("Students, parents and teachers all agree", None),
])
def test_claims_are_also_asked_as_questions(claim, question):
    assert as_question(claim) == question


def test_stance_examples_include_neither_from_another_claims_perspective():
    rows = [{"claim": f"Claim {i} should pass", "perspective": f"Perspective {i}{j}", "label": "support" if j else
             "undermine", "claim_id": str(i), "split": "train", "source": "t"} for i in range(20) for j in range(2)]
    out = stance_examples(rows, np.random.default_rng(0))
    neither = [e for e in out if e.kind == "neither"]
    assert neither and all(e.second[len("Perspective "):].rstrip("01")[:2] != e.group for e in neither)
    assert any(e.first.endswith("?") for e in out) and any(not e.first.endswith("?") for e in out)


@pytest.mark.skipif(not (TRAIN_DIR / "squad2_train_subset.jsonl.gz").exists(), reason="no ../shared/eval/train")
def test_squad2_articles_are_split_three_ways_and_fit_holds_the_same_articles_apart():
    from rag.train.reader_data import read_rows

    rows = read_rows("squad2_train_subset")
    part = squad2_part(rows)
    held = {t for t, p in part.items() if p == "held"}
    assert held == set(sorted({r["title"] for r in rows})[4::5])  # rag/train/fit.py's held-apart articles
    calibrate = {t for t, p in part.items() if p == "calibrate"}
    both = {r["title"] for r in rows if r["is_impossible"]} & {r["title"] for r in rows if not r["is_impossible"]}
    assert calibrate and calibrate <= both and not calibrate & held


def test_every_nth_is_by_name():
    assert every_nth({"d", "a", "c", "b", "e"}, 2) == {"a", "c", "e"}


def test_a_tiny_training_run_is_exported_and_served(tmp_path):
    """The whole path on a few examples: train (two steps, seeded), export int8 ONNX with its manifest, load it as
    the app does, read a pair."""
    examples = answer_examples(ROWS, np.random.default_rng(0), "test")
    examples += [Example("nli", "A man sleeps.", "A man is awake.", 2), Example("nli", "A man sleeps.", "A man rests.", 0),
                 Example("stance", "Uniforms should be compulsory", "Uniforms help students focus.", 0)]
    config = Config(preset="test", batch=4, epochs=1.0)
    weights = train(config, tmp_path / "work", fresh=True, log=lambda *a, **k: None, examples=examples)
    out = tmp_path / "model"
    export(weights, config, out, log=lambda *a, **k: None)
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["model"] == "reader.int8.onnx" and manifest["window"]["length"] == 128
    assert check_model(out) == manifest
    (read,) = Reader(out).read(["When was the footbridge opened?"], ["It was opened in 1931."])
    assert read.nli.shape == (3,) and read.stance.shape == (3,) and np.isfinite(read.answer)
    # resumable: a second run with the same configuration finds the finished weights' checkpoint state
    assert (tmp_path / "work" / "reader.pt").exists()


def test_a_run_stopped_at_a_step_keeps_a_checkpoint_there_and_goes_on_from_it(tmp_path):
    """`--stop-at`: the weights of the step it stopped at, a checkpoint there; the same command without it goes on
    from that step to the end of the schedule (seeded: the same batches)."""
    import torch

    examples = answer_examples(ROWS, np.random.default_rng(0), "test")
    config = Config(preset="test", batch=2, epochs=1.0)
    work, logged = tmp_path / "work", []
    weights = train(config, work, fresh=True, log=lambda *a, **k: logged.append(" ".join(map(str, a))),
                    examples=examples, stop_at=1)
    stopped = torch.load(weights, weights_only=False)
    assert stopped["step"] == 1 and stopped["of"] > 1
    assert torch.load(work / "checkpoint.pt", weights_only=False)["step"] == 1
    weights = train(config, work, log=lambda *a, **k: logged.append(" ".join(map(str, a))), examples=examples)
    finished = torch.load(weights, weights_only=False)
    assert finished["step"] == finished["of"] == stopped["of"]
    assert any(line.strip().startswith("resuming at step 1 ") for line in logged)


@pytest.mark.skipif(not TRAIN_DIR.exists(), reason="needs ../shared/eval/train")
def test_the_sides_preset_trains_on_from_the_reader_with_nli_and_stance_only():
    from rag.train.reader_data import NLI_CAPS, Sizes, training_examples

    config = Config.preset_named("sides")
    assert config.init.endswith("reader.pt") and not config.sizes.answer and not config.sizes.nli_caps
    capped = training_examples(Sizes(answer=False, stance_scale=0.02), log=lambda *a: None)
    uncapped = training_examples(Sizes(answer=False, nli_caps=False, stance_scale=0.02), log=lambda *a: None)
    assert {e.task for e in capped} == {e.task for e in uncapped} == {"nli", "stance"}
    assert any(NLI_CAPS.values())  # some files are capped by default: lifting the caps reads more of them
    assert sum(e.task == "nli" for e in uncapped) > sum(e.task == "nli" for e in capped)
