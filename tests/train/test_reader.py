"""Training the reader (rag/train/reader.py): the encoding of its examples, and real (tiny) training runs exported,
served, stopped and resumed."""
from __future__ import annotations

import json

import numpy as np
import pytest

from rag.answer.reader import MANIFEST, PairEncoder, Reader, Window, check_model
from rag.train.reader import Config, encode_examples, export, tokenizer_file, train
from rag.train.reader_data import TRAIN_DIR, Example, answer_examples


def test_encoding_keeps_the_span_on_the_answers_pieces(rows):
    encoder = PairEncoder(tokenizer_file(), Window())
    examples = answer_examples(rows[:1], np.random.default_rng(0), "test")
    items = encode_examples(examples, encoder)
    (positive,) = [it for it, e in zip(items, examples) if e.label == 1]
    assert encoder.tokenizer.decode(positive.ids[positive.start:positive.end + 1]) == "1931"
    assert all(it.start == it.end == 0 for it, e in zip(items, examples) if e.label == 0)  # "nowhere": [CLS]


def test_a_tiny_training_run_is_exported_and_served(rows, tmp_path):
    """The whole path on a few examples: train (two steps, seeded), export int8 ONNX with its manifest, load it as
    the app does, read a pair."""
    examples = answer_examples(rows, np.random.default_rng(0), "test")
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


def test_a_run_stopped_at_a_step_keeps_a_checkpoint_there_and_goes_on_from_it(rows, tmp_path):
    """`--stop-at`: the weights of the step it stopped at, a checkpoint there; the same command without it goes on
    from that step to the end of the schedule (seeded: the same batches)."""
    import torch

    examples = answer_examples(rows, np.random.default_rng(0), "test")
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
