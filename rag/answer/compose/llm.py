"""The optional model composer: numbered evidence -> an OpenAI-compatible model -> a cited Draft.

Off unless `RAG_LLM_BASE_URL` is set (with `RAG_LLM_MODEL`, `RAG_LLM_API_KEY`): vLLM, llama.cpp's server, Ollama,
LM Studio or a hosted API all speak the same protocol (LangChain's ChatOpenAI).

- The prompts are text files in `prompts/` (`load_prompt`): the system rules, the answer prompt, the both-sides
  prompt (given the positions rag/answer/disagree.py found) and the follow-up rewrite prompt.
- The evidence goes to the model as numbered, delimited data blocks carrying document, article, paragraph label,
  page and date; at most `llm_max_evidence` of them, each paragraph cut at a sentence boundary.
- What the model writes goes back as an unchecked Draft; the chain checks it (`rag.answer.cite.finalize`) before
  anyone sees the answer. If too little survives, or the server fails in any way (down, slow, wrong model name,
  rate limit, unreadable reply), the extractive answer is used and a note says why. The model can never make the
  pipeline raise.
"""
from __future__ import annotations

import re
import time
from collections.abc import Generator, Iterator
from dataclasses import replace
from pathlib import Path

from rag.answer.compose import Composer, Request
from rag.config import Settings
from rag.model import EXTRACTIVE_FALLBACK as FALLBACK
from rag.model import MARKER, Draft, Evidence, Position
from rag.nlp.text import neutralise, sentences, stem, topic_words

PROMPTS = ("system", "answer", "both_sides", "rewrite")
BLOCK_CHARS = 1200  # a paragraph longer than this (about 300 tokens) is cut at a sentence boundary


class ModelUnavailable(Exception):
    """The model server could not give an answer; `reason` says why in words a user can read."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def load_prompt(name: str, folder: Path) -> str:
    """The text of prompts/<name>.txt. Placeholders are `{question}`, `{evidence}`, `{count}`, `{positions}`,
    `{history}` (filled with str.format, so a literal brace is written twice)."""
    return (Path(folder) / f"{name}.txt").read_text(encoding="utf-8").strip()


# ---------------------------------------------------------------- evidence as data blocks
def _clip(text: str, limit: int) -> str:
    """At most `limit` characters, cut after a whole sentence where one fits."""
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= limit:
        return text
    out = ""
    for s in sentences(text):
        if len(out) + len(s) + 1 > limit:
            break
        out = f"{out} {s}".strip()
    return (out or text[:limit].rsplit(" ", 1)[0]) + " …"


def _data(text: str) -> str:
    """Document text made inert inside a block: no markup, and nothing that looks like a block delimiter."""
    text = neutralise(text)
    return re.sub(r"<{2,}|>{2,}|={3,}", " ", text)


def select_evidence(evidence: list[Evidence], positions: list[Position], limit: int) -> list[Evidence]:
    """The evidence to send, renumbered 1..k for the model: the positions' citations first, then by rank."""
    wanted = [n for pos in positions for n in pos.citations]
    by_n = {e.n: e for e in evidence}
    chosen = [by_n[n] for n in dict.fromkeys(wanted) if n in by_n][:limit]
    for e in evidence:
        if len(chosen) >= limit:
            break
        if e not in chosen:
            chosen.append(e)
    return [replace(e, n=i) for i, e in enumerate(chosen, 1)]


def render_block(e: Evidence, limit: int = BLOCK_CHARS) -> str:
    p = e.paragraph
    head = [f"document: {_data(e.document.title)}"]
    if p.section and p.section != e.document.title:
        head.append(f"article or section: {_data(p.section)}")
    head.append(f"paragraph: {_data(p.label)}" + (" (a recommendation)" if p.kind == "recommendation" else ""))
    if p.page:
        head.append(f"page: {p.page}")
    if e.document.date:
        head.append(f"date: {_data(e.document.date)}")
    if p.context:  # a recommendation item: the paragraph that introduces it
        head.append(f"introduced by: {_clip(_data(p.context), 300)}")
    body = _clip(_data(p.text), limit)
    return "\n".join([f"<<<EVIDENCE [{e.n}]>>>", *head, f"text: {body}", f"<<<END OF EVIDENCE [{e.n}]>>>"])


def render_positions(positions: list[Position], numbering: dict[int, int]) -> str:
    """The positions disagree.py found, their markers renumbered to the blocks the model sees."""
    lines = []
    for pos in positions:
        summary = MARKER.sub(lambda m: "".join(f"[{numbering[int(n)]}]" for n in m.group(1).split(",")
                                               if int(n) in numbering), pos.summary)
        when = f" ({pos.date})" if pos.date else ""
        lines.append(f"- {_data(pos.holder)}{when}: {_clip(_data(summary), 400)}")
    return "\n".join(lines)


def describe(exc: BaseException, settings: Settings) -> str:
    """A server failure in a few words a user can read (never a stack trace)."""
    try:
        import openai
    except ImportError:  # pragma: no cover - langchain-openai depends on it
        openai = None
    name = type(exc).__name__
    if openai is not None:
        if isinstance(exc, openai.APITimeoutError):
            return f"no reply within {settings.llm_timeout_s:g} s"
        if isinstance(exc, openai.NotFoundError):
            return f"it does not serve the model “{settings.llm_model or 'default'}”"
        if isinstance(exc, openai.RateLimitError):
            return "it is rate-limiting requests (HTTP 429)"
        if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
            return "it refused the API key"
        if isinstance(exc, openai.APIConnectionError):
            return "could not connect"
        if isinstance(exc, openai.APIStatusError):
            return f"it answered with HTTP {exc.status_code}"
    text = str(exc).lower()
    if "no generation chunks" in text:
        return "it returned no text"
    if "timed out" in text or "timeout" in name.lower():
        return f"no reply within {settings.llm_timeout_s:g} s"
    if "peer closed" in text or "incomplete" in text or "remoteprotocol" in name.lower() or "reset" in text:
        return "the connection broke off in the middle of the answer"
    if "connect" in text or "connect" in name.lower():
        return "could not connect"
    return f"its reply could not be read ({name})"


def unavailable_note(settings: Settings, reason: str) -> str:
    return f"The model server at {settings.llm_base_url} was unavailable ({reason}); {FALLBACK}"


# ---------------------------------------------------------------- the composer
class LLMComposer(Composer):
    """Writes answers with an OpenAI-compatible model; `stream()` yields text as it comes and returns a Draft."""

    def __init__(self, settings: Settings, chat=None):
        self.settings = settings
        self.prompts = {name: load_prompt(name, settings.prompts) for name in PROMPTS}
        self._chat = chat

    @property
    def chat(self):
        if self._chat is None:
            from langchain_openai import ChatOpenAI

            s = self.settings
            # ChatOpenAI sends the bound as `max_completion_tokens`; servers that predate it (llama-cpp-python,
            # older vLLM and Ollama) ignore that and would write until their context is full, so `max_tokens`
            # goes too, except to OpenAI itself, which accepts only the new name for some models.
            extra = {} if "openai.com" in (s.llm_base_url or "") else {"max_tokens": s.llm_max_tokens}
            # one retry (a dropped connection, a 429/5xx); a server that can't be reached fails within seconds.
            # openai's own Timeout: the HTTP library under it is openai's choice (httpx, later httpx2), and a
            # timeout object of another library is rejected (TypeError) on every request.
            import openai

            timeout = openai.Timeout(s.llm_timeout_s, connect=min(5.0, s.llm_timeout_s))
            self._chat = ChatOpenAI(base_url=s.llm_base_url, model=s.llm_model or "default", api_key=s.llm_api_key,
                                    timeout=timeout, max_retries=1, max_tokens=s.llm_max_tokens,
                                    temperature=0, stream_usage=False, extra_body=extra or None)
        return self._chat

    def messages(self, question: str, evidence: list[Evidence], positions: list[Position] | None = None):
        """-> (chat messages, the evidence as numbered for the model)."""
        from langchain_core.messages import HumanMessage, SystemMessage

        positions = positions or []
        blocks = select_evidence(evidence, positions, max(1, self.settings.llm_max_evidence))
        numbering = {}
        for b in blocks:  # original n -> the model's n
            original = next(e.n for e in evidence if e.paragraph.id == b.paragraph.id)
            numbering.setdefault(original, b.n)
        values = {"question": _data(question), "count": len(blocks),
                  "evidence": "\n\n".join(render_block(b) for b in blocks)}
        if positions:
            values["positions"] = render_positions(positions, numbering)
            user = self.prompts["both_sides"].format(**values)
        else:
            user = self.prompts["answer"].format(**values)
        return [SystemMessage(self.prompts["system"]), HumanMessage(user)], blocks

    def generate(self, messages) -> Iterator[str]:
        """The model's text as it comes, within the deadline and the output bound; ModelUnavailable otherwise."""
        s = self.settings
        deadline = time.monotonic() + s.llm_timeout_s
        limit = s.llm_max_tokens * 8  # characters: a bound even where a server ignores max_tokens
        total = 0
        stream = None
        try:
            stream = self.chat.stream(messages)
            for chunk in stream:
                text = chunk.content if isinstance(chunk.content, str) else "".join(
                    part.get("text", "") if isinstance(part, dict) else str(part) for part in chunk.content)
                if text:
                    total += len(text)
                    yield text
                if total >= limit:
                    break
                if time.monotonic() > deadline:
                    raise ModelUnavailable(f"it did not finish within {s.llm_timeout_s:g} s")
        except ModelUnavailable:
            raise
        except Exception as exc:  # any failure of the server or its reply: the caller falls back
            reason = describe(exc, s)
            if total and reason == "could not connect":  # it was connected: the server went away mid-answer
                reason = "the connection broke off in the middle of the answer"
            raise ModelUnavailable(reason) from exc
        finally:
            if stream is not None and hasattr(stream, "close"):
                try:
                    stream.close()
                except Exception:
                    pass

    def stream(self, request: Request) -> Generator[str, None, Draft]:
        """Yield the model's text as it is written (made safe to show as text; markers as the model numbered
        them), then return its Draft (composer "llm"), still to be checked (the chain's `rag.answer.cite.finalize`), or
        `request.fallback` with a note saying why the model did not answer."""
        fallback = request.fallback or Draft(text="", found=False)
        evidence, positions = request.evidence, request.positions if request.disagreement else []
        try:
            messages, blocks = self.messages(request.question, evidence, positions)
        except Exception as exc:  # a broken prompt file: say so, answer anyway
            return _fallback(fallback, f"The model prompt could not be built ({type(exc).__name__}: {exc}); "
                                       f"{FALLBACK}")
        raw, shown = "", ""
        try:
            for text in self.generate(messages):
                raw += text
                safe = _safe_prefix(raw)
                if safe.startswith(shown) and len(safe) > len(shown):
                    yield safe[len(shown):]
                    shown = safe
        except ModelUnavailable as exc:
            return _fallback(fallback, unavailable_note(self.settings, exc.reason))
        if not raw.strip():
            return _fallback(fallback, unavailable_note(self.settings, "it returned no text"))
        numbering = {b.n: next(e.n for e in evidence if e.paragraph.id == b.paragraph.id) for b in blocks}
        heading = "**The sources disagree on this.**" if positions else ""
        return Draft(text=raw, found=True, composer="llm", unchecked=blocks, numbering=numbering, heading=heading,
                     fallback=fallback)

    def rewrite(self, question: str, history: list[tuple[str, str]]) -> str | None:
        """A follow-up question rewritten to stand alone, or None. The rewrite is accepted only if it keeps all
        of the question's topic words and takes its other topic words from the earlier questions (a weak model
        can combine, not invent); ModelUnavailable if the server fails."""
        earlier = [q for q, _ in history[-3:] if q]
        if not earlier:
            return None
        user = self.prompts["rewrite"].format(question=_data(question),
                                              history="\n".join(f"- {_data(q)}" for q in earlier))
        from langchain_core.messages import HumanMessage

        s = self.settings
        try:
            bound = {"max_tokens": min(80, s.llm_max_tokens)}
            if self.chat.extra_body:
                bound["extra_body"] = {**self.chat.extra_body, **bound}
            reply = self.chat.bind(**bound).invoke([HumanMessage(user)])
        except Exception as exc:
            raise ModelUnavailable(describe(exc, s)) from exc
        text = reply.content if isinstance(reply.content, str) else ""
        line = next((ln.strip() for ln in neutralise(text).splitlines() if ln.strip()), "")
        line = re.sub(r"^(rewritten question|question)\s*:\s*", "", line, flags=re.I).strip(" \"'“”")
        if not line or len(line) > min(s.max_question_chars, 3 * len(question) + 200):
            return None
        own = {stem(w) for w in topic_words(question)}
        before = {stem(w) for q in earlier for w in topic_words(q)}
        new = {stem(w) for w in topic_words(line)}
        if not own <= new or not (new - own) or not (new - own) <= before:
            return None
        return line


def _fallback(draft: Draft, note: str) -> Draft:
    return replace(draft, notes=[*draft.notes, note])


def _safe_prefix(raw: str) -> str:
    """The part of the model's text so far that can be shown as text: cut before any markup still open (an image
    or link whose end has not arrived), then neutralised."""
    cut = len(raw)
    if raw.rstrip().endswith("]") and "[" in raw:
        cut = raw.rfind("[")  # '[words]' may be the start of a link: wait for what follows
    for opener, closer in (("<", ">"), ("[", "]"), ("(", ")")):
        i = raw.rfind(opener)
        if i != -1 and raw.find(closer, i) == -1:
            cut = min(cut, i)
    if raw[:cut].endswith("!"):
        cut -= 1
    return neutralise(raw[:cut])
