"""python -m rag fit sides: the lines rag/answer/disagree.py reads with, fitted on held-apart stance and NLI data."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from rag.answer.disagree import HEARD
from rag.answer.reading import FITTED
from rag.config import get_settings


TARGET_STANCE_PRECISION = 0.85
TARGET_OFF_TOPIC = 0.02  # at most this share of sentences on another claim read as speaking to a claim
GROUPS = 6  # holders drawn a side and claim


def holder_lines(lean: np.ndarray, rows: list[tuple[int, bool]], seed: int = 13) -> dict:
    """The margin and gap fitted on holders drawn from sentences' leans; `rows`: (claim id, supports) for each."""
    rng = np.random.default_rng(seed)
    by_claim: dict = {}
    for i, (claim, supports) in enumerate(rows):
        by_claim.setdefault(claim, ([], []))[0 if supports else 1].append(i)
    holders, pairs = [], []  # holders: (claim, supports, lean); pairs: (fit?, apart, opposite, supporter higher)
    for claim, sides in sorted(by_claim.items()):
        drawn = [[float(lean[rng.choice(ids, HEARD, replace=False)].mean()) for _ in range(GROUPS)]
                 if len(ids) >= HEARD else [] for ids in sides]
        holders += [(claim, side == 0, x) for side, xs in enumerate(drawn) for x in xs]
        if not all(drawn):
            continue
        pairs += [(claim % 2 == 0, abs(s - u), True, s > u) for s in drawn[0] for u in drawn[1]]
        pairs += [(claim % 2 == 0, abs(xs[i] - xs[j]), False, True)
                  for xs in drawn for i in range(len(xs)) for j in range(i + 1, len(xs))]
    h = np.array([x for _, _, x in holders])
    truth = np.array([1.0 if s else -1.0 for _, s, _ in holders])
    fitting = np.array([c % 2 == 0 for c, _, _ in holders])
    margin = 1.0
    for m in np.round(np.arange(0.0, 1.0, 0.01), 2):
        decided = fitting & (np.abs(h) >= m)
        if decided.sum() >= 20 and (np.sign(h[decided]) == truth[decided]).mean() >= TARGET_STANCE_PRECISION:
            margin = float(m)
            break
    scored = ~fitting & (np.abs(h) >= margin)
    out = {"margin": margin, "holders_scored": int((~fitting).sum()),
           "stance_decided": round(float(scored.sum() / max(1, (~fitting).sum())), 3),
           "stance_right": round(float((np.sign(h[scored]) == truth[scored]).mean()), 3) if scored.any() else None}
    on_fit = np.array([p[0] for p in pairs])
    apart = np.array([p[1] for p in pairs])
    opposite = np.array([p[2] for p in pairs])
    higher = np.array([p[3] for p in pairs])
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
                "gap_sides_right": round(float(higher[ordered].mean()), 3) if ordered.any() else None})
    return out


def on_topic_line(reader, persp: list[dict], foreign: int = 5, seed: int = 13) -> dict:
    """The `on_topic` line (see `fit_sides`): fitted on even claim ids, scored on odd ones."""
    rng = np.random.default_rng(seed)
    claims = {r["claim_id"]: r["claim"] for r in persp}
    pairs = [(r["claim"], r["perspective"], True, int(r["claim_id"]) % 2 == 0) for r in persp]  # its own
    for c, text in claims.items():  # and perspectives drawn from other claims
        others = [r["perspective"] for r in persp if r["claim_id"] != c]
        pairs += [(text, others[i], False, int(c) % 2 == 0) for i in rng.choice(len(others), foreign, replace=False)]
    read = reader.read([a for a, _, _, _ in pairs], [b for _, b, _, _ in pairs])
    speaks = np.array([1.0 - float(x.stance[2]) for x in read])
    own, fit = np.array([p[2] for p in pairs]), np.array([p[3] for p in pairs])
    line = float(np.round(np.quantile(speaks[fit & ~own], 1 - TARGET_OFF_TOPIC), 3))
    return {"on_topic": line,
            "on_topic_off_claims_passed": round(float((speaks[~fit & ~own] >= line).mean()), 3),
            "on_topic_own_passed": round(float((speaks[~fit & own] >= line).mean()), 3)}


def fit_sides(reader, log=print) -> dict:
    """The lines rag/answer/disagree.py reads with, fitted on held-apart stance and NLI data the reader never trained on
    (rag/train/reader_data.py):

    A holder is heard through its best HEARD sentences (rag/answer/disagree.py), and its lean is their mean
    P(support) - P(undermine); so the stance lines are fitted on holders made the same way: groups of HEARD
    perspectives of one Perspectrum test claim on one side (seeded draws, GROUPS a side and claim). Claims with even
    ids fit, odd ones are scored.

    - `margin`: a holder takes a side where its lean is beyond it: the smallest margin at which the side is right
      for TARGET_STANCE_PRECISION of the holders it decides;
    - `gap`: two holders are on opposite sides where their leans differ by at least it: pairs of holders on one
      claim (every opposite pair and every same-side pair of the draws), the smallest gap at which pairs that far
      apart are on opposite sides for TARGET_STANCE_PRECISION of them. The head leans one way more often than the
      other, so two holders' difference tells their sides apart better than either's lean against a fixed margin;
    - `on_topic`: a question of judgement is answered by a sentence that speaks to its claim, where the stance
      head's 1 - P(neither) reaches it (`Assistant.reading`): the lowest line that at most TARGET_OFF_TOPIC of
      sentences on other claims reach (each test claim against five perspectives drawn from other claims), even
      claim ids; scored on the odd ones, with the share of the claim's own perspectives that reach it;
    - `contradicts`: two answers contradict where the NLI head's P(contradiction) reaches it: the lowest line at
      which contradiction is right for TARGET_STANCE_PRECISION of the pairs it flags on MNLI dev matched (scored
      on SNLI test); a false disagreement costs a reader more than a missed one.
    """
    from rag.train.reader_data import NLI, held_apart_rows

    rows = held_apart_rows()
    persp = rows["perspectrum"]
    lean = np.array([float(r.stance[0] - r.stance[1]) for r in
                     reader.read([r["claim"] for r in persp], [r["perspective"] for r in persp])])
    out = holder_lines(lean, [(int(r["claim_id"]), r["label"] == "support") for r in persp])
    out.update(on_topic_line(reader, persp))
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
