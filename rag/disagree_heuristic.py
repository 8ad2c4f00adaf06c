"""The hand-tuned rules (the answer path before the fitted reader; RAG_ANSWERS=heuristic, the default until the
fitted reader scores at least as well on every development set: see issue 13).

Evidence -> positions: who says what on the question, and whether they conflict. No model needed.

Holders are documents, or articles inside one document (its `section`). Conflict is found four ways, always
between sentences of *different* holders that speak to the question:
- figures: the same kind of quantity (same unit, shared topic words) with different values;
- denial: one holder rejects, denies or calls false what others assert ("fabricated", "so-called", "rejects");
- opposite judgements: one holder's sentences on the subject are clearly favourable, another's clearly critical;
- opposite recommendations: expand / halt, repeal / keep, and the like.
For a question that asks for a judgement ("is it fair?", "does it strengthen ...?"), holders are also compared by
how their whole text leans (favourable or critical), so an article that defends and one that condemns face each
other even where no single sentence pair clashes. Plain factual questions are flagged only on explicit conflict.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from rag.model import Evidence
from rag.model import Position
from rag.text import content_words, numbers, sentences, stem, topic_words

CRITICAL = re.compile(
    r"\b(violat\w*|abus\w*|repress\w*|crackdown|atrocit\w*|tortur\w*|arbitrar\w*|persecut\w*|detain\w*|detention|"
    r"crimes? against humanity|genocide|ethnocide|forced labou?r|abyss|undermin\w*|threat\w*|worse|nightmar\w*|"
    r"draconian|notorious|censorship|harass\w*|condemn\w*|damning|crush\w*|unaccountable|euphemis\w*|"
    r"relativis\w*|propaganda|manipulat\w*|fail\w*|crisis|decline\w*|deteriorat\w*|harm\w*|illegal|unlawful|"
    r"regret\w*|should be fired|dismiss\w*|concern\w*|public[- ]relations exercise|flawed|disaster\w*|catastroph\w*|collapse\w*|fell|cut|worsen\w*)\b", re.I)
FAVOURABLE = re.compile(
    r"\b(achiev\w*|positive|remarkabl\w*|success\w*|progress\w*|prosper\w*|eradicat\w*|contribut\w*|inclusive|"
    r"fairer|effective\w*|benefi\w*|improv\w*|satisf\w*|spoke highly|breakthrough|rose|grew|growth|strengthen\w*|"
    r"mutual respect|active participant|catching up|welcom\w*|prais\w*|commend\w*|landmark|milestone)\b", re.I)
DISPUTE = re.compile(
    r"\b(fabricat\w*|disinformation|so-called|smear\w*|bias\w*|politici[sz]\w*|narrative|clich\w*|baseless|"
    r"groundless|unfounded|false\w*|denounc\w*|rebut\w*|reject\w*|den(y|ies|ied|ial)|lies|slander\w*|"
    r"exaggerat\w*|discredit\w*|tarnish\w*|lacks? balance|double standards?|attacks?|at odds)\b", re.I)
ANTI = re.compile(r"\banti-[A-Z]\w+")  # 'anti-China narrative', not 'anti-monopoly'
OPPOSITES = [("expand", "halt"), ("expand", "stop"), ("increase", "reduce"), ("increase", "cut"), ("continue", "stop"),
             ("continue", "end"), ("support", "oppose"), ("adopt", "repeal"), ("keep", "repeal"), ("keep", "abolish"),
             ("strengthen", "weaken"), ("raise", "lower"), ("allow", "ban"), ("open", "close"), ("extend", "end")]
JUDGEMENT_QUESTION = re.compile(
    r"^(is|are|was|were|does|do|did|has|have|can|could|should|will|would)\b|\b(fair|unfair|true|accurate|justified|"
    r"effective|good|bad|right|wrong|legitimate|credible|strengthen\w*|weaken\w*|improv\w*|worse|better|disput\w*|"
    r"disagree\w*|debat\w*|controvers\w*|views?|perspectives?|both sides|opinions?|critici[sz]\w*|critics?|"
    r"assess\w*|evaluat\w*|success\w*|fail\w*)\b", re.I)


OPEN_QUESTION = re.compile(r"^(what (does|do|did) .+ (say|said|report|write|state)|how (was|were|is|are) .+ "
                           r"(seen|received|judged|viewed)|what (was|were) .+ reactions?)\b", re.I)
CONTRAST = re.compile(r"\b(however|at odds|in contrast|whereas|on the other hand|but|criticism|criticised|"
                      r"criticized|disputed|rejected)\b", re.I)
SPEAKER = re.compile(r"^((?:The )?(?:[A-Z][\w.'’-]*|[a-z]+)(?:\s[A-Z][\w.'’-]*){0,3}(?:'s \w+)?)\s?(?:,[^,]{3,80},\s?)?"
                     r"(?:sa(?:id|ys)|argue[sd]?|comment(?:s|ed)|tweet(?:s|ed)|express(?:es|ed)|state[sd]|"
                     r"claim(?:s|ed)|describe[sd]|note[sd]|insist(?:s|ed)|den(?:y|ies|ied)|reject(?:s|ed))\b")


@dataclass
class Voice:
    """What one holder says that bears on the question."""

    holder: str
    date: str | None
    evidence: list[Evidence]
    lean: float  # whole-text lean: > 0 favourable/defending, < 0 critical


def disputes(text: str) -> int:
    return len(DISPUTE.findall(text)) + len(ANTI.findall(text))


def lean_of(text: str) -> float:
    critical = len(CRITICAL.findall(text))
    favourable = len(FAVOURABLE.findall(text)) + 1.5 * disputes(text)
    return (favourable - critical) / (favourable + critical + 4)


def relevance(sentence: str, topics: set[str], setting: set[str] = frozenset()) -> float:
    """Share of the question's topic words the sentence speaks to. Once it holds two itself, the words of its
    setting (document title, section) count too: 'The ministry rejects reports of forced evictions' in the
    Osterlich ministry's statement is about Osterlich. (One word of its own is too little: a title naming the
    country would make every passing mention of a 'visit' speak to any question about visits to it.)"""
    if not topics:
        return 0.0
    have = topics & {stem(w) for w in content_words(sentence)}
    if len(have) >= min(2, len(topics)):
        have |= topics & setting
    return len(have) / len(topics)


def setting_of(e: Evidence) -> set[str]:
    return {stem(w) for w in content_words(f"{e.document.title} {e.paragraph.section or ''}")}


def find_positions(question: str, evidence: list[Evidence], holder_lean) -> tuple[bool, list[Position], str]:
    """-> (disagreement, positions, kind of conflict). `holder_lean(evidence)` is lean_of() of the whole text of
    the evidence's holder (the caller caches it)."""
    topics = {stem(w) for w in topic_words(question)}
    voices: dict[str, Voice] = {}
    for e in evidence:
        if e.score < 0.25 or (topics and not topics & {stem(w) for w in content_words(e.paragraph.text)}):
            continue  # weak, or shares not one topic word with the question: it does not speak to it
        v = voices.get(e.holder)
        if v is None:
            v = voices[e.holder] = Voice(e.holder, e.document.date, [], holder_lean(e))
        v.evidence.append(e)
    relevant = {h: [(e, s) for e in v.evidence for setting in [setting_of(e)] for s in sentences(e.paragraph.text)
                    if relevance(s, topics, setting) >= 0.5]
                for h, v in voices.items()}
    kind, sides = "", []
    if JUDGEMENT_QUESTION.search(question) and len(voices) > 1:
        kind, sides = lean_conflict(list(voices.values()), question)
    if not sides and len(voices) > 1:
        kind, sides = explicit_conflict(relevant, voices)
    if not sides and OPEN_QUESTION.search(question):
        kind, sides = reported_conflict(relevant)
    if not sides:
        return False, [], ""
    return True, sides, kind


Said = tuple  # (holder, Evidence, sentence)


def explicit_conflict(relevant: dict[str, list], voices: dict[str, Voice]) -> tuple[str, list[Position]]:
    """The first clashing pair of holders, then every other holder that sides with one of them (or gives a third
    figure of its own): three reports, two of which agree, make two sides, and no source is dropped."""
    kind, pair = clashing_pair(relevant, voices)
    if not kind:
        return "", []
    return kind, [side_position(side) for side in widen(kind, pair, relevant, voices)]


def clashing_pair(relevant: dict[str, list], voices: dict[str, Voice]) -> tuple[str, list[Said]]:
    holders = [h for h, items in relevant.items() if items]
    # figures: same unit, shared words, different values
    for i, a in enumerate(holders):
        for b in holders[i + 1:]:
            for ea, sa in relevant[a]:
                for eb, sb in relevant[b]:
                    if figures_clash(sa, sb):
                        return "figures", [(a, ea, sa), (b, eb, sb)]
    # denial: a holder rejects what another asserts, on the same subject (asserting side first)
    for a in holders:
        for ea, sa in relevant[a]:
            if disputes(sa):
                for b in holders:
                    if b == a:
                        continue
                    for eb, sb in relevant[b]:
                        if not disputes(sb) and shared(sa, sb) >= 2 and not same_camp(voices, a, b):
                            return "denial", [(b, eb, sb), (a, ea, sa)]
    # opposite recommendations
    for i, a in enumerate(holders):
        for b in holders[i + 1:]:
            for ea, sa in relevant[a]:
                for eb, sb in relevant[b]:
                    if opposite_actions(sa, sb) and shared(sa, sb) >= 1 and not same_camp(voices, a, b):
                        return "recommendations", [(a, ea, sa), (b, eb, sb)]
    # opposite judgements of the same subject
    for i, a in enumerate(holders):
        for b in holders[i + 1:]:
            for ea, sa in relevant[a]:
                for eb, sb in relevant[b]:
                    if opposite_judgements(sa, sb) and not same_camp(voices, a, b):
                        return "judgements", [(a, ea, sa), (b, eb, sb)]
    return "", []


def widen(kind: str, pair: list[Said], relevant: dict[str, list], voices: dict[str, Voice]) -> list[list[Said]]:
    """Sides seeded by the clashing pair; each other holder joins the side it says the same as."""
    sides = [[said] for said in pair]
    for h, items in relevant.items():
        if any(h == said[0] for side in sides for said in side):
            continue
        for e, s in items:
            side = side_of(kind, s, h, sides, voices)
            if side is not None:
                if side == len(sides):
                    sides.append([])
                sides[side].append((h, e, s))
                break
    return sides


def side_of(kind: str, s: str, holder: str, sides: list[list[Said]], voices: dict[str, Voice]) -> int | None:
    """Which side sentence s (of a holder not yet heard) takes: an index, len(sides) for a side of its own (a
    third figure), or None when it takes no side on the conflict."""
    seeds = [side[0] for side in sides]
    if kind == "figures":
        same = [i for i, (_, _, seed) in enumerate(seeds) if same_figure(s, seed)]
        if len(same) == 1:
            return same[0]
        if not same and all(figures_clash(s, seed) for _, _, seed in seeds):
            return len(sides)
        return None
    (asserter, _, claim), (denier, _, denial) = seeds[0], seeds[1]
    if kind == "denial":
        if disputes(s) and shared(s, denial) >= 2 and not same_camp(voices, holder, asserter):
            return 1
        if not disputes(s) and shared(s, claim) >= 2 and not same_camp(voices, holder, denier):
            return 0
        return None
    clash = opposite_actions if kind == "recommendations" else opposite_judgements
    against = [j for j, (other, _, seed) in enumerate(seeds)
               if clash(s, seed) and shared(s, seed) >= 1 and not same_camp(voices, holder, other)]
    return 1 - against[0] if len(against) == 1 else None  # it opposes one seed: it sides with the other


def opposite_judgements(a: str, b: str) -> bool:
    la, lb = lean_of(a), lean_of(b)
    return la * lb < 0 and min(abs(la), abs(lb)) >= 0.2 and shared(a, b) >= 2


def side_position(side: list[Said]) -> Position:
    """One side of a conflict: its holders (in the order heard), their sentences, each cited."""
    holders = list(dict.fromkeys(h for h, _, _ in side))
    dates = sorted({e.document.date for _, e, _ in side if e.document.date})
    first = side[0][2]
    return Position(holder="; ".join(holders), summary=" ".join(f"{s} [{e.n}]" for _, e, s in side),
                    citations=list(dict.fromkeys(e.n for _, e, _ in side)), date=", ".join(dates) or None,
                    stance="favourable" if lean_of(first) > 0 else "critical" if lean_of(first) < 0 else "")


def reported_conflict(relevant: dict[str, list]) -> tuple[str, list[Position]]:
    """One source reporting a dispute: on the same subject, some sentences judge it favourably and others
    critically, and the text marks the contrast ('however', 'at odds with'). Each side is named by its speaker
    where the sentence names one."""
    items = [(e, s, lean_of(s)) for pairs in relevant.values() for e, s in pairs]
    if not any(CONTRAST.search(s) for _, s, _ in items):
        return "", []
    favourable = sorted((i for i in items if i[2] >= 0.2), key=lambda i: -i[2])[:2]
    critical = sorted((i for i in items if i[2] <= -0.2), key=lambda i: i[2])[:2]
    if not favourable or not critical:
        return "", []
    out = []
    for side, stance in ((favourable, "favourable"), (critical, "critical")):
        speakers = [m.group(1).strip() for _, s, _ in side for m in [SPEAKER.search(s)] if m]
        holder = f"{', '.join(dict.fromkeys(speakers))} (as reported in {side[0][0].holder})" if speakers \
            else f"{stance.capitalize()} views reported in {side[0][0].holder}"
        out.append(Position(holder=holder, summary=" ".join(f"{s} [{e.n}]" for e, s, _ in side),
                            citations=list(dict.fromkeys(e.n for e, _, _ in side)), date=side[0][0].document.date,
                            stance=stance))
    return "reported", out


def lean_conflict(voices: list[Voice], question: str) -> tuple[str, list[Position]]:
    """Holders whose whole texts lean opposite ways, each represented by its best evidence."""
    favourable = [v for v in voices if v.lean >= 0.1]
    critical = [v for v in voices if v.lean <= -0.1]
    if not favourable or not critical:
        return "", []
    out = []
    for camp, stance in ((critical, "critical"), (favourable, "favourable")):
        sign = -1 if stance == "critical" else 1
        scored = [(e, *strongest(e, question, sign)) for v in camp for e in v.evidence]
        best = sorted(scored, key=lambda item: -item[2])[:3]
        names = list(dict.fromkeys(v.holder for v in camp))
        dates = sorted({v.date for v in camp if v.date})
        summary = " ".join(f"{sentence} [{e.n}]" for e, sentence, _ in best)
        out.append(Position(holder="; ".join(names), summary=summary, citations=[e.n for e, _, _ in best],
                            date=", ".join(dates) or None, stance=stance))
    return "lean", out


def strongest(e: Evidence, question: str, sign: int) -> tuple[str, float]:
    """The sentence of e that best states its camp's view on the question, and how well it does."""
    topics = {stem(w) for w in topic_words(question)}
    best, score = "", -1.0
    for s in sentences(e.paragraph.text):
        value = relevance(s, topics) + max(0.0, sign * lean_of(s)) + 0.5 * e.score
        if value > score:
            best, score = s, value
    return best, score


def same_camp(voices: dict[str, Voice], a: str, b: str) -> bool:
    """Two holders that lean the same way (e.g. two sections of one article) are not each other's opponents."""
    la, lb = voices[a].lean, voices[b].lean
    return la * lb > 0 and min(abs(la), abs(lb)) >= 0.1


def shared(a: str, b: str) -> int:
    return len({stem(w) for w in content_words(a)} & {stem(w) for w in content_words(b)})


def unit(number: str) -> str:
    n = number.lower()
    for u in ("%", "percent", "per cent", "trillion", "billion", "million", "$", "£", "€"):
        if u in n:
            return "%" if u in ("percent", "per cent") else u
    return ""


def figures_clash(a: str, b: str) -> bool:
    """Two sentences give different values with the same unit for something they both name."""
    na = [n for n in numbers(a) if unit(n)]
    nb = [n for n in numbers(b) if unit(n)]
    if not na or not nb or shared(a, b) < 2:
        return False
    ua = {unit(n): re.sub(r"[^\d.]", "", n) for n in na}
    ub = {unit(n): re.sub(r"[^\d.]", "", n) for n in nb}
    common = set(ua) & set(ub)
    return any(ua[u] != ub[u] for u in common) and not any(v in ub.values() for v in ua.values())


def same_figure(a: str, b: str) -> bool:
    """Two sentences give the same value with the same unit for something they both name."""
    if shared(a, b) < 2:
        return False
    va = {(unit(n), re.sub(r"[^\d.]", "", n)) for n in numbers(a) if unit(n)}
    vb = {(unit(n), re.sub(r"[^\d.]", "", n)) for n in numbers(b) if unit(n)}
    return bool(va & vb)


def opposite_actions(a: str, b: str) -> bool:
    wa = {stem(w) for w in content_words(a)}
    wb = {stem(w) for w in content_words(b)}
    return any((stem(x) in wa and stem(y) in wb) or (stem(y) in wa and stem(x) in wb) for x, y in OPPOSITES)
