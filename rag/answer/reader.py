"""Our own reader model (models/reader/): one MiniLM cross-encoder, trained here (rag/train/reader.py), that reads a
pair of texts and answers, from one pass, four questions about it:

- `answer`: the first text is a question, the second a sentence (with its heading and the sentence before it as
  context): does this sentence hold the answer? (a logit)
- `span`: where in that sentence the answer's words are (start and end logits over its word pieces; the [CLS]
  piece stands for "nowhere": SQuAD 2.0's convention);
- `nli`: the first text a premise, the second a hypothesis: entailment / neutral / contradiction;
- `stance`: the first text a claim (or a yes/no question), the second a sentence: supports / undermines / neither.

Every head reads the same word pieces: [CLS] first [SEP] second [SEP] context [SEP]. `PairEncoder` makes them, for
training and serving alike, so the model is always fed as it was trained. Long texts are cut to the model's window
in a stated way (`Window`): the first text to its first `question` pieces; the second whole where it fits, else
in overlapping windows (each scored; a sentence's score is its best window's); the context gets what room is left
(the heading's first pieces and the end of the sentence before, which is the part nearest the sentence).

Served as int8 ONNX with ONNX Runtime (no torch at run time), computed exactly on every CPU (`exact_on_this_cpu`).
The model folder holds the model, its tokenizer and `reader.json` (what it is, its window, the file's size and
SHA-256): a model file that is missing, cut short or not the one `reader.json` describes stops the program at start
with a message saying how to restore it (`ReaderMissing`); nothing falls back to another way of answering.
"""
from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from rag.config import ROOT, has_vnni

MODEL_DIR = ROOT / "models" / "reader"
MANIFEST = "reader.json"
HEADS = ("answer", "start", "end", "nli", "stance")
NLI_LABELS = ("entailment", "neutral", "contradiction")
STANCE_LABELS = ("support", "undermine", "neither")
RESTORE = ("restore it with `git checkout -- models/reader` (the model is committed with the code), or train it "
           "again with `python -m rag train reader` (README)")


class ReaderMissing(RuntimeError):
    """The reader model can't be used as shipped: the message names the file and how to restore it."""


@dataclass(frozen=True)
class Window:
    """How a pair is cut to the model's window, in word pieces."""

    length: int = 128  # the whole input, [CLS] and [SEP]s included
    question: int = 40  # the first text is cut to its first this many pieces
    heading: int = 12  # of the context, the heading's first this many pieces ...
    stride: int = 32  # a second text longer than its room is read in windows this many pieces apart

    @classmethod
    def from_json(cls, d: dict) -> "Window":
        return cls(**{k: int(v) for k, v in d.items() if k in cls.__dataclass_fields__})


@dataclass
class Encoded:
    """One pair as the model reads it: word-piece ids and segment ids, and where the second text's pieces are
    (`first`..`last`, inclusive, in the ids) with their character spans in that text."""

    ids: list[int]
    types: list[int]
    first: int
    last: int
    spans: list[tuple[int, int]] = field(default_factory=list)  # (start, end) in the second text, per piece
    pair: int = 0  # which pair of the batch this window belongs to


class PairEncoder:
    """[CLS] first [SEP] second [SEP] context [SEP], cut as `Window` says. Pieces come from the model's own
    tokenizer.json (the `tokenizers` library)."""

    def __init__(self, tokenizer_file: Path, window: Window = Window()):
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self.tokenizer.no_truncation()
        self.tokenizer.no_padding()
        self.window = window
        self.cls = self.tokenizer.token_to_id("[CLS]")
        self.sep = self.tokenizer.token_to_id("[SEP]")
        self.pad = self.tokenizer.token_to_id("[PAD]") or 0
        self.colon = self.tokenizer.token_to_id(":")
        self._lock = threading.Lock()

    def pieces(self, texts: list[str]):
        with self._lock:
            return self.tokenizer.encode_batch([t or "" for t in texts], add_special_tokens=False)

    def encode(self, firsts: list[str], seconds: list[str], headings: list[str] | None = None,
               befores: list[str] | None = None) -> list[Encoded]:
        """Every pair's windows (one for a second text that fits, several for a longer one), in pair order."""
        n = len(firsts)
        headings = headings or [""] * n
        befores = befores or [""] * n
        q_all = self.pieces(firsts)
        s_all = self.pieces(seconds)
        h_all = self.pieces(headings)
        b_all = self.pieces(befores)
        w = self.window
        out: list[Encoded] = []
        for i in range(n):
            q = q_all[i].ids[:w.question]
            s_ids, s_spans = s_all[i].ids, s_all[i].offsets
            head = [self.cls, *q, self.sep]
            room = w.length - len(head) - 1  # the second text's room, with its closing [SEP]
            if len(s_ids) <= room:
                starts = [0]
            else:
                starts = list(range(0, max(1, len(s_ids) - room) + w.stride, w.stride))
                starts = sorted({min(s, len(s_ids) - room) for s in starts})
            for start in starts:
                part = s_ids[start:start + room]
                ids = head + part + [self.sep]
                context = self.context(h_all[i].ids, b_all[i].ids, w.length - len(ids) - 1) if len(starts) == 1 else []
                if context:
                    ids += context + [self.sep]
                types = [0] * len(head) + [1] * (len(ids) - len(head))
                out.append(Encoded(ids, types, len(head), len(head) + len(part) - 1,
                                   list(s_spans[start:start + room]), i))
        return out

    def context(self, heading: list[int], before: list[int], room: int) -> list[int]:
        """The heading's first pieces, then the end of the sentence before: as much as `room` allows."""
        if room <= 0 or not (heading or before):
            return []
        head = heading[:min(self.window.heading, room)]
        if head and before:
            head = head + [self.colon]
        left = room - len(head)
        tail = before[-left:] if left > 0 and before else []
        return (head + tail)[:room]

    def batch(self, encoded: list[Encoded]) -> dict[str, np.ndarray]:
        width = max(len(e.ids) for e in encoded)
        ids = np.full((len(encoded), width), self.pad, dtype=np.int64)
        mask = np.zeros((len(encoded), width), dtype=np.int64)
        types = np.zeros((len(encoded), width), dtype=np.int64)
        for r, e in enumerate(encoded):
            ids[r, :len(e.ids)] = e.ids
            mask[r, :len(e.ids)] = 1
            types[r, :len(e.types)] = e.types
        return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}


@dataclass
class PairReading:
    """What the model says of one pair (its best window's, for a long second text)."""

    answer: float  # logit: the second text holds the answer to the first
    span: tuple[int, int] | None  # the answer's characters in the second text, where the span head finds one
    span_score: float  # best span's start + end logits, less the [CLS] ("nowhere") score
    nli: np.ndarray  # probabilities of entailment, neutral, contradiction
    stance: np.ndarray  # probabilities of support, undermine, neither

    @property
    def p_answer(self) -> float:
        return 1.0 / (1.0 + float(np.exp(-self.answer)))


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_models(settings) -> None:
    """Both model folders a run reads with (`RAG_READER_MODEL`, `RAG_SIDES_MODEL`; often one folder), checked."""
    for folder in dict.fromkeys([Path(settings.reader_model), Path(settings.sides_model)]):
        check_model(folder)


def check_model(folder: Path = MODEL_DIR) -> dict:
    """The manifest of a usable model in `folder`; ReaderMissing (naming the file and how to restore it) if the
    manifest, the model or the tokenizer is missing, or the model is not the file the manifest describes."""
    manifest_file = Path(folder) / MANIFEST
    try:
        manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReaderMissing(f"The reader model's manifest {manifest_file} is missing or unreadable ({exc}); "
                            f"{RESTORE}.") from None
    for key in ("model", "tokenizer"):
        path = Path(folder) / manifest.get(key, "")
        if not manifest.get(key) or not path.is_file():
            raise ReaderMissing(f"The reader model file {path} is missing; {RESTORE}.")
    model = Path(folder) / manifest["model"]
    size = model.stat().st_size
    if size != manifest.get("bytes"):
        raise ReaderMissing(f"The reader model file {model} is {size:,} bytes, not the {manifest.get('bytes', 0):,} "
                            f"its manifest {manifest_file.name} describes (cut short, or from another version); "
                            f"{RESTORE}.")
    if sha256(model) != manifest.get("sha256"):
        raise ReaderMissing(f"The reader model file {model} is not the one its manifest {manifest_file.name} "
                            f"describes (its SHA-256 differs: another version, or damaged); {RESTORE}.")
    return manifest


def exact_on_this_cpu(model_file: Path, vnni: bool | None = None) -> str | bytes:
    """The model file as ONNX Runtime computes it exactly on this CPU, so that every machine reads alike. Its
    weights are signed int8 and its activations unsigned; x86 CPUs without AVX-512 VNNI multiply such pairs with an
    instruction that saturates sums at 16 bits (vpmaddubsw), which changed answers from one machine to another. There
    the weights are moved to unsigned bytes (w + 128, zero point 128: the same values), which ONNX Runtime multiplies
    without saturating; a CPU with AVX-512 VNNI runs the file as it is (the same figures, faster). `vnni`: whether
    to take the CPU as having it (default: this CPU, `has_vnni`)."""
    if has_vnni() if vnni is None else vnni:
        return str(model_file)
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(model_file))
    initializers = {i.name: i for i in model.graph.initializer}
    weights = {name for node in model.graph.node if node.op_type == "MatMulInteger"
               for name in (node.input[1], node.input[3]) if name in initializers}  # B and its zero point
    for name in weights:
        signed = numpy_helper.to_array(initializers[name])
        if signed.dtype == np.int8:
            initializers[name].CopyFrom(numpy_helper.from_array((signed.astype(np.int16) + 128).astype(np.uint8), name))
    return model.SerializeToString()


class Reader:
    """The shipped reader, served by ONNX Runtime. Thread-safe (ONNX Runtime sessions are; the tokenizer is
    locked)."""

    def __init__(self, folder: Path = MODEL_DIR, threads: int | None = None):
        import onnxruntime as ort

        self.folder = Path(folder)
        self.manifest = check_model(self.folder)
        self.encoder = PairEncoder(self.folder / self.manifest["tokenizer"], Window.from_json(self.manifest["window"]))
        options = ort.SessionOptions()
        options.log_severity_level = 3
        if threads:
            options.intra_op_num_threads = threads
        try:
            self.session = ort.InferenceSession(exact_on_this_cpu(self.folder / self.manifest["model"]), options,
                                                providers=["CPUExecutionProvider"])
        except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own types for a damaged file
            raise ReaderMissing(f"The reader model file {self.folder / self.manifest['model']} could not be "
                                f"loaded ({str(exc).splitlines()[0][:200]}); {RESTORE}.") from None
        self.outputs = [o.name for o in self.session.get_outputs()]
        self.pairs_read = 0

    def read(self, firsts: list[str], seconds: list[str], headings: list[str] | None = None,
             befores: list[str] | None = None, batch_size: int = 1, max_span: int = 30) -> list[PairReading]:
        """Every pair read, one at a time by default: a batch is padded to its longest pair, which on 2 cores cost
        more than batching saved (`bench/reader.py`), and a pair read alone scores the same whatever it is read
        with (int8 activations are quantised per call)."""
        if not firsts:
            return []
        encoded = self.encoder.encode(firsts, seconds, headings, befores)
        raw = self.run(encoded, batch_size)
        best: dict[int, PairReading] = {}
        for e, (answer, start, end, nli, stance) in zip(encoded, raw):
            span, span_score = best_span(start, end, e, max_span)
            reading = PairReading(float(answer), span, span_score, softmax(nli), softmax(stance))
            held = best.get(e.pair)
            if held is None or reading.answer > held.answer:
                best[e.pair] = reading
        self.pairs_read += len(firsts)
        return [best[i] for i in range(len(firsts))]

    def run(self, encoded: list[Encoded], batch_size: int = 1) -> list[tuple]:
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i].ids))
        out: list[tuple | None] = [None] * len(encoded)
        for at in range(0, len(order), batch_size):
            rows = order[at:at + batch_size]
            feed = self.encoder.batch([encoded[i] for i in rows])
            result = dict(zip(self.outputs, self.session.run(None, feed)))
            for r, i in enumerate(rows):
                n = len(encoded[i].ids)
                out[i] = (result["answer"][r], result["start"][r, :n], result["end"][r, :n],
                          result["nli"][r], result["stance"][r])
        return out


def softmax(x: np.ndarray) -> np.ndarray:
    z = np.exp(x - np.max(x))
    return z / z.sum()


def best_span(start: np.ndarray, end: np.ndarray, e: Encoded, max_span: int) -> tuple[tuple[int, int] | None, float]:
    """The best (start <= end, at most `max_span` pieces) span among the second text's pieces, as characters of
    that text, and its score less the [CLS] ("nowhere") score."""
    s = start[e.first:e.last + 1]
    t = end[e.first:e.last + 1]
    if not len(s):
        return None, float("-inf")
    scores = s[:, None] + t[None, :]
    n = len(s)
    allowed = np.triu(np.ones((n, n), dtype=bool)) & ~np.triu(np.ones((n, n), dtype=bool), k=max_span)
    scores = np.where(allowed, scores, -np.inf)
    i, j = np.unravel_index(int(np.argmax(scores)), scores.shape)
    null = float(start[0] + end[0])
    return (e.spans[i][0], e.spans[j][1]), float(scores[i, j]) - null


@lru_cache(maxsize=2)
def load_reader(folder: str | Path = MODEL_DIR, threads: int | None = None) -> Reader:
    """The reader, loaded once per process."""
    return Reader(Path(folder), threads)
