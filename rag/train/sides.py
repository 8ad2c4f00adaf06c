"""python -m rag fit sides: the lines rag/answer/disagree.py reads with, fitted on held-apart stance and NLI data."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from rag.answer.reading import FITTED
from rag.config import get_settings


TARGET_STANCE_PRECISION = 0.85


def fit_sides(reader, log=print) -> dict:
    """The lines rag/answer/disagree.py reads with, fitted on held-apart stance and NLI data the reader never trained on
    (rag/train/reader_data.py):

    - `margin`: a holder takes a side where the stance head's P(support) - P(undermine) is beyond it: the smallest
      margin at which the side is right for TARGET_STANCE_PRECISION of the pairs it decides, on the test claims
      of Perspectrum with even ids (the odd ones are scored);
    - `gap`: two holders are on opposite sides where their leans differ by at least it: pairs of perspectives on
      one claim, the smallest gap at which pairs that far apart are on opposite sides for TARGET_STANCE_PRECISION
      of them (even claim ids; the odd ones are scored). The head leans one way more often than the other, so
      two holders' difference tells their sides apart better than either's lean against a fixed margin;
    - `contradicts`: two answers contradict where the NLI head's P(contradiction) reaches it: the lowest line at
      which contradiction is right for TARGET_STANCE_PRECISION of the pairs it flags on MNLI dev matched (scored
      on SNLI test); a false disagreement costs a reader more than a missed one.
    """
    from rag.train.reader_data import NLI, held_apart_rows

    rows = held_apart_rows()
    persp = rows["perspectrum"]
    lean = np.array([float(r.stance[0] - r.stance[1]) for r in
                     reader.read([r["claim"] for r in persp], [r["perspective"] for r in persp])])
    truth = np.array([1.0 if r["label"] == "support" else -1.0 for r in persp])
    fitting = np.array([int(r["claim_id"]) % 2 == 0 for r in persp])
    margin = 1.0
    for m in np.round(np.arange(0.0, 1.0, 0.01), 2):
        decided = fitting & (np.abs(lean) >= m)
        if decided.sum() >= 20 and (np.sign(lean[decided]) == truth[decided]).mean() >= TARGET_STANCE_PRECISION:
            margin = float(m)
            break
    scored = ~fitting & (np.abs(lean) >= margin)
    out = {"margin": margin,
           "stance_decided": round(float(scored.sum() / max(1, (~fitting).sum())), 3),
           "stance_right": round(float((np.sign(lean[scored]) == truth[scored]).mean()), 3) if scored.any() else None}

    by_claim: dict = {}
    for i, r in enumerate(persp):
        by_claim.setdefault(r["claim_id"], []).append(i)
    pairs = [(i, j) for ids in by_claim.values() for k, i in enumerate(ids) for j in ids[k + 1:]]
    a, b = np.array([i for i, _ in pairs]), np.array([j for _, j in pairs])
    apart, opposite = np.abs(lean[a] - lean[b]), truth[a] != truth[b]
    on_fit = fitting[a]
    gap = 2.0
    for g in np.round(np.arange(0.0, 2.0, 0.01), 2):
        flagged = on_fit & (apart >= g)
        if flagged.sum() >= 20 and opposite[flagged].mean() >= TARGET_STANCE_PRECISION:
            gap = float(g)
            break
    flagged = ~on_fit & (apart >= gap)
    ordered = flagged & opposite
    out.update({"gap": gap, "gap_pairs_scored": int((~on_fit).sum()),
                "gap_flagged": round(float(flagged.sum() / max(1, (~on_fit).sum())), 3),
                "gap_precision": round(float(opposite[flagged].mean()), 3) if flagged.any() else None,
                "gap_recall": round(float(flagged[opposite & ~on_fit].mean()), 3) if (opposite & ~on_fit).any() else None,
                # of opposite pairs flagged, the share where the supporter has the higher lean (sides named right)
                "gap_sides_right": round(float(((lean[a] > lean[b]) == (truth[a] > truth[b]))[ordered].mean()), 3)
                if ordered.any() else None})

    def contradiction(rs):
        read = reader.read([r["premise"] for r in rs], [r["hypothesis"] for r in rs])
        return np.array([float(x.nli[2]) for x in read]), np.array([NLI[r["label"]] == 2 for r in rs])

    p, y = contradiction(rows["mnli"])
    best = 0.99
    for t in np.round(np.arange(0.05, 0.99, 0.01), 2):
        if (p >= t).sum() >= 20 and y[p >= t].mean() >= TARGET_STANCE_PRECISION:
            best = float(t)
            break
    p, y = contradiction(rows["snli"])
    tp = ((p >= best) & y).sum()
    out.update({"contradicts": best,
                "contradiction_precision": round(float(tp / max(1, (p >= best).sum())), 3),
                "contradiction_recall": round(float(tp / max(1, y.sum())), 3)})
    log(f"sides: {out}")
    return out


def main_sides(argv: list[str] | None = None) -> int:
    import argparse

    from rag.answer.reader import load_reader

    parser = argparse.ArgumentParser(prog="python -m rag fit sides", description=fit_sides.__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(FITTED))
    args = parser.parse_args(argv)
    settings = get_settings()
    sides = fit_sides(load_reader(settings.sides_model), lambda *a: print(*a, file=sys.stderr))
    data = json.loads(Path(args.out).read_text(encoding="utf-8"))
    data["sides"] = sides
    Path(args.out).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(sides, indent=1))
    return 0
