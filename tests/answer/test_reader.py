"""Our reader model (rag/answer/reader.py, models/reader/): how a pair is cut to the window, the shipped model's checks
at start, and what the shipped model reads."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from rag.answer.reader import (MANIFEST, MODEL_DIR, PairEncoder, ReaderMissing, Window, check_model,
                               exact_on_this_cpu, load_reader)

from conftest import run_cli

TOKENIZER = MODEL_DIR / "tokenizer.json"


@pytest.fixture(scope="module")
def encoder():
    return PairEncoder(TOKENIZER, Window(length=48, question=10, heading=4, stride=8))


def decode(encoder, ids):
    return encoder.tokenizer.decode(ids, skip_special_tokens=False)


def test_a_pair_is_question_sentence_then_context(encoder):
    (e,) = encoder.encode(["When was the bridge opened?"], ["The bridge was opened in 1931."], ["Harbour"],
                          ["The town grew around the river."])
    text = decode(encoder, e.ids)
    assert text.startswith("[CLS] when was the bridge opened? [SEP] the bridge was opened in 1931. [SEP] harbour :")
    assert text.endswith("river. [SEP]")
    assert e.types[:e.first] == [0] * e.first and set(e.types[e.first:]) == {1}
    # the second text's pieces map back to its characters
    sentence = "The bridge was opened in 1931."
    a, b = e.spans[5]
    assert sentence[a:b] == "1931"
    assert decode(encoder, e.ids[e.first:e.last + 1]) == "the bridge was opened in 1931."


def test_a_long_question_is_cut_to_its_first_pieces(encoder):
    question = "Which of the many bridges over the wide river in the old town was opened first and by whom?"
    (e,) = encoder.encode([question], ["The bridge was opened in 1931."])
    assert e.first == 1 + 10 + 1  # [CLS], the question's first 10 pieces, [SEP]
    assert decode(encoder, e.ids[1:11]) == "which of the many bridges over the wide river in"


def test_context_gets_what_room_is_left_heading_first_then_the_end_of_the_sentence_before(encoder):
    before = " ".join(f"word{i}" for i in range(40))
    (e,) = encoder.encode(["When?"], ["It opened in 1931."], ["A very long heading of many words indeed"], [before])
    assert len(e.ids) == 48
    context = decode(encoder, e.ids[e.last + 2:-1])
    assert context.startswith("a very long heading")  # the heading's first 4 pieces
    assert context.endswith("word39")  # and the end of the sentence before, nearest the sentence


def test_a_sentence_longer_than_its_room_is_read_in_overlapping_windows(encoder):
    sentence = " ".join(f"item{i}" for i in range(30)) + " and the bridge opened in 1931."
    windows = encoder.encode(["When did the bridge open?"], [sentence])
    assert len(windows) > 1 and all(len(w.ids) <= 48 for w in windows)
    assert {w.pair for w in windows} == {0}
    covered = set()
    for w in windows:
        covered |= {a for a, _ in w.spans}
    assert covered == {a for a, _ in encoder.pieces([sentence])[0].offsets}  # every piece is read in some window
    assert "1931" in decode(encoder, windows[-1].ids)


# ------------------------------------------------------------------------------------------ the shipped model
def broken_copy(tmp_path, damage) -> "Path":
    folder = tmp_path / "reader"
    shutil.copytree(MODEL_DIR, folder)
    damage(folder)
    return folder


def test_the_shipped_model_is_the_one_its_manifest_describes():
    manifest = check_model()
    assert (MODEL_DIR / manifest["model"]).stat().st_size == manifest["bytes"] <= 32 * 1024 * 1024
    assert (MODEL_DIR / "README.md").is_file()  # the model card


@pytest.mark.parametrize("damage, says", [
    (lambda f: (f / "reader.int8.onnx").unlink(), "is missing"),
    (lambda f: (f / "reader.int8.onnx").write_bytes((f / "reader.int8.onnx").read_bytes()[:1000]), "bytes"),
    (lambda f: (f / "reader.int8.onnx").write_bytes(b"\0" + (f / "reader.int8.onnx").read_bytes()[1:]), "SHA-256"),
    (lambda f: (f / MANIFEST).unlink(), "manifest"),
])
def test_a_damaged_model_stops_with_the_file_named_and_how_to_restore_it(tmp_path, damage, says):
    folder = broken_copy(tmp_path, damage)
    with pytest.raises(ReaderMissing) as info:
        check_model(folder)
    assert says in str(info.value) and str(folder) in str(info.value)
    assert "git checkout -- models/reader" in str(info.value) and "python -m rag train reader" in str(info.value)


@pytest.mark.parametrize("command", [["-m", "rag", "ask", "When?"], ["-m", "rag", "docs"], ["ingest.py", "README.md"],
                                     ["app.py", "--no-warmup"], ["-m", "rag", "fit", "--questions", "5"]])
def test_every_program_stops_at_start_on_a_damaged_model(tmp_path, command):
    folder = broken_copy(tmp_path, lambda f: (f / "reader.int8.onnx").unlink())
    out = run_cli(command, timeout=120, env={"RAG_READER_MODEL": str(folder), "RAG_STORE": str(tmp_path / "s")})
    assert out.returncode == 2, out.stderr
    assert "reader model file" in out.stderr and "reader.int8.onnx" in out.stderr
    assert not (tmp_path / "s").exists() or not any((tmp_path / "s").iterdir())  # nothing was written first


@pytest.fixture(scope="module")
def reader():
    return load_reader()


def test_the_reader_prefers_the_sentence_that_answers_and_marks_the_value(reader):
    question = "When was the Tarn footbridge opened?"
    sentences = ["The Tarn footbridge is an iron structure over the river.",
                 "The Tarn footbridge was opened in 1931 by the mayor.",
                 "The river floods most winters."]
    read = reader.read([question] * 3, sentences, ["Tarn valley"] * 3, ["", sentences[0], sentences[1]])
    assert int(np.argmax([r.answer for r in read])) == 1
    a, b = read[1].span
    assert sentences[1][a:b] == "1931"
    assert read[1].span_score > read[2].span_score


NLI_PAIRS = [  # (premise, hypothesis, 0 entailment / 2 contradiction), invented
    ("The bridge was opened in 1931 by the mayor.", "The bridge was opened in 1936.", 2),
    ("The bridge was opened in 1931 by the mayor.", "The mayor opened the bridge.", 0),
    ("The museum is closed on Mondays.", "The museum is open every day of the week.", 2),
    ("The museum is closed on Mondays.", "On Mondays the museum does not open.", 0),
    ("Three ministers resigned after the vote.", "No minister resigned after the vote.", 2),
    ("Three ministers resigned after the vote.", "Ministers resigned after the vote.", 0),
    ("The town's population grew during the decade.", "The town's population fell during the decade.", 2),
    ("The town's population grew during the decade.", "More people lived in the town at the end of the decade.", 0),
    ("The report was written by two lawyers.", "The report was written by a single journalist.", 2),
    ("The report was written by two lawyers.", "Lawyers wrote the report.", 0),
]


def test_the_nli_head_tells_contradiction_from_entailment(reader):
    read = reader.read([p for p, _, _ in NLI_PAIRS], [h for _, h, _ in NLI_PAIRS])
    contradiction = [r.nli[2] for r, (_, _, label) in zip(read, NLI_PAIRS) if label == 2]
    entailment = [r.nli[2] for r, (_, _, label) in zip(read, NLI_PAIRS) if label == 0]
    assert np.mean(contradiction) > np.mean(entailment) + 0.3
    right = sum(int(np.argmax(r.nli)) == label for r, (_, _, label) in zip(read, NLI_PAIRS))
    assert right >= 6  # held apart, MNLI: 0.68 (the model card)


def test_a_pair_scores_the_same_whatever_it_is_read_with(reader):
    """Pairs are read one at a time: int8 activations are quantised per call, so a batch padded to a longer pair
    would move a pair's scores (measured: P(contradiction) of the first pair above, 0.18 alone, 0.81 in a batch)."""
    alone = reader.read([NLI_PAIRS[0][0]], [NLI_PAIRS[0][1]])[0]
    among = reader.read([p for p, _, _ in NLI_PAIRS], [h for _, h, _ in NLI_PAIRS])[0]
    assert np.allclose(alone.nli, among.nli) and alone.answer == among.answer


def test_the_stance_head_reads_a_claim_against_a_sentence(reader):
    claim = "school uniforms should be compulsory"
    read = reader.read([claim] * 2, ["Uniforms reduce bullying and help students focus on learning.",
                                     "Uniforms restrict students' freedom of expression."])
    assert read[0].stance[0] > read[0].stance[1]  # supports
    assert read[1].stance[1] > read[1].stance[0]  # undermines


def test_a_damaged_sides_model_stops_the_programs_too(tmp_path):
    folder = broken_copy(tmp_path, lambda f: (f / "reader.int8.onnx").write_bytes(b"not a model"))
    out = run_cli(["-m", "rag", "docs"], timeout=120, env={"RAG_SIDES_MODEL": str(folder),
                                                           "RAG_STORE": str(tmp_path / "s")})
    assert out.returncode == 2, out.stderr
    assert "reader model file" in out.stderr and str(folder) in out.stderr


def integer_model(path, weights: np.ndarray) -> None:
    """The smallest model that multiplies as the reader's layers do: unsigned 8-bit activations by signed 8-bit
    weights (MatMulInteger), the products summed in 32 bits."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    graph = helper.make_graph(
        [helper.make_node("MatMulInteger", ["a", "b", "a_zero", "b_zero"], ["y"])], "integer",
        [helper.make_tensor_value_info("a", TensorProto.UINT8, [1, weights.shape[0]])],
        [helper.make_tensor_value_info("y", TensorProto.INT32, [1, weights.shape[1]])],
        [numpy_helper.from_array(weights, "b"), numpy_helper.from_array(np.zeros(weights.shape[1], np.int8), "b_zero"),
         numpy_helper.from_array(np.array(0, np.uint8), "a_zero")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))


@pytest.mark.parametrize("vnni", [None, False], ids=["this CPU", "a CPU without VNNI"])
def test_products_are_exact_on_every_cpu(tmp_path, vnni):
    """Large activations by large weights: a CPU without AVX-512 VNNI saturates the running sums of such products
    at 16 bits when the weights are signed; as served (`exact_on_this_cpu`) they are exact on this CPU, and the form
    served where VNNI is missing is exact here too."""
    import onnxruntime as ort

    rng = np.random.default_rng(0)
    weights = np.where(rng.random((64, 16)) < 0.9, 127, rng.integers(-127, 128, (64, 16))).astype(np.int8)
    activations = np.full((1, 64), 255, np.uint8)
    integer_model(tmp_path / "m.onnx", weights)
    session = ort.InferenceSession(exact_on_this_cpu(tmp_path / "m.onnx", vnni), providers=["CPUExecutionProvider"])
    got = session.run(None, {"a": activations})[0]
    assert np.array_equal(got, activations.astype(np.int64) @ weights.astype(np.int64))


def test_the_unsigned_form_holds_the_same_weights():
    import onnx
    from onnx import numpy_helper

    shipped = onnx.load(str(MODEL_DIR / "reader.int8.onnx"))
    signed = {i.name: numpy_helper.to_array(i) for i in shipped.graph.initializer}
    unsigned = onnx.load_from_string(exact_on_this_cpu(MODEL_DIR / "reader.int8.onnx", vnni=False))
    moved = 0
    for i in unsigned.graph.initializer:
        value = numpy_helper.to_array(i)
        if value.dtype == np.uint8 and signed[i.name].dtype == np.int8:
            assert np.array_equal(value.astype(np.int16) - 128, signed[i.name])
            moved += 1
    assert moved == 2 * 40  # every MatMulInteger's weights and zero points
