"""What readers of cited answers expect, in a real browser (Debian's chromium, headless,
driven by Playwright) against the real app on the corpus: the card beside a hovered or focused [n] marker, support
in words, the weak-evidence banner, a follow-up clicked and asked, copy with sources, the positions panel following
the answer being read, markers in the briefing preview. Screenshots go to artifacts/ (git-ignored)."""
from __future__ import annotations

import re
import shutil

import pytest

from conftest import GREAT_FIREWALL, start_app, stop_app
from test_browser import ask, browser, open_page, shot  # noqa: F401 - browser is a fixture

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BOTH_SIDES = "What does the briefing say about Bachelet's visit to China?"
LAWYERS = "How many defence lawyers were penalised between 2017 and 2021?"
CANDIDATES = [GREAT_FIREWALL, "What does the briefing say about Hong Kong?",
              LAWYERS,
              "What does the 2018 submission say about the Social Credit System?"]


def answerability(assistant, question: str) -> float:
    turn = assistant.retrieve(assistant.resolve(assistant.check(
        {"question": question, "history": [], "doc_ids": None})))
    assert list(assistant.compose(turn)) == []  # the extractive composer streams nothing; it sets the reading
    assert turn.reading is not None and turn.reading.found, question
    return turn.reading.answerable


@pytest.fixture(scope="module")
def weak_and_strong(corpus_assistant) -> tuple[str, str, float]:
    """Two answered questions and a weak-evidence line between the reader's answerability of the two, so that the
    first falls below it and the second does not, whatever values the fitted models give."""
    scored = sorted((answerability(corpus_assistant, q), q) for q in CANDIDATES)
    (low, weak), (high, strong) = scored[0], scored[-1]
    assert high - low > 0.02, scored
    return weak, strong, (low + high) / 2


@pytest.fixture(scope="module")
def app(corpus_store_dir, tmp_path_factory, weak_and_strong):
    folder = tmp_path_factory.mktemp("readers_app")
    store = folder / "store"
    shutil.copytree(corpus_store_dir, store, ignore=shutil.ignore_patterns(".lock"))
    env = {"RAG_WEAK_EVIDENCE": f"{weak_and_strong[2]:.6f}",
           "RAG_FOLLOW_UP_BUDGET_MS": "30000"}  # the test machine may be busy: time to check every candidate
    proc, address = start_app(store, folder / "app.log", env_extra=env)
    yield address
    stop_app(proc)


@pytest.fixture
def page(browser, app):  # noqa: F811
    yield from open_page(browser, app, ["clipboard-read", "clipboard-write"])


def card(page) -> str:
    page.wait_for_selector("#rag-hovercard:not([hidden])", timeout=10_000)
    return page.locator("#rag-hovercard").inner_text()


def clipboard(page) -> str:
    return page.evaluate("navigator.clipboard.readText()")


def wait_turns(page, count: int) -> None:
    """The page's record of every answer (hover cards, Markdown) follows the chat."""
    page.wait_for_function("(k) => document.querySelectorAll('#rag-turns .rag-turn').length === k", arg=count,
                           timeout=30_000)


def follow_ups_offered(page) -> None:
    """Suggested next questions arrive after the answer and the chat scrolls to show them, moving the answer's markers
    (a card shown before then hides as its marker leaves the pointer): wait for them before pointing at a marker."""
    page.locator("#rag-chat button").filter(has_text=re.compile(r"^What ")).first.wait_for(timeout=60_000)


def test_hover_or_focus_a_marker_shows_its_card(page):
    ask(page, GREAT_FIREWALL)
    wait_turns(page, 1)
    follow_ups_offered(page)
    source = page.locator("#rag-sources .rag-source").first
    quote = source.locator(".rag-quote").inner_text().strip("“”… ")
    marker = page.locator('#rag-chat a[href^="#cite-0-"]').first
    marker.hover()
    text = card(page)
    assert quote[:60] in text  # the quoted sentence
    assert "UPR 2018 China Stakeholder Submission" in text and "¶9(8)" in text and "p. 3" in text
    assert "quoted" in text  # how well it supports the sentence
    assert page.locator("#rag-hovercard").get_attribute("role") == "tooltip"
    shot(page, "readers-1-hover-card")
    page.mouse.move(5, 5)
    page.wait_for_selector("#rag-hovercard[hidden]", state="attached", timeout=5_000)

    marker.focus()  # keyboard users: focus shows it, Escape hides it
    assert quote[:60] in card(page)
    assert marker.get_attribute("aria-describedby") == "rag-hovercard"
    page.keyboard.press("Escape")
    page.wait_for_selector("#rag-hovercard[hidden]", state="attached", timeout=5_000)

    marker.click()  # clicking still opens the paragraph in its document
    page.locator("#rag-viewer mark").first.wait_for(timeout=20_000)
    assert "Great Firewall" in page.locator("#rag-viewer .rag-focus").inner_text()


def test_sources_say_how_well_each_supports_its_sentence(page):
    ask(page, "What does the briefing say about Hong Kong?")
    badges = page.locator("#rag-sources .rag-source .rag-support")
    badges.first.wait_for(timeout=20_000)
    words = set(badges.all_inner_texts())
    assert words and words <= {"quoted", "close paraphrase", "partial"}
    assert words == {"quoted"}  # the extractive answer quotes the documents word for word
    shot(page, "readers-2-support-words")


def test_weak_evidence_answer_has_a_banner(page, weak_and_strong):
    weak, strong, _ = weak_and_strong
    ask(page, weak)
    banner = page.locator("#rag-chat .bot-row").last.locator(".rag-weak")
    banner.wait_for(timeout=20_000)
    assert banner.inner_text() == "The documents only touch on this: read the sources"
    shot(page, "readers-3-weak-evidence")
    ask(page, strong)
    page.wait_for_function("document.querySelectorAll('#rag-chat .bot-row').length === 2", timeout=60_000)
    assert page.locator("#rag-chat .bot-row").last.locator(".rag-weak").count() == 0
    assert page.locator("#rag-chat .bot-row").first.locator(".rag-weak").count() == 1


def test_clicking_a_follow_up_asks_it(page, app):
    from gradio_client import Client

    client = Client(app, verbose=False)
    question = next((q for q in CANDIDATES if client.predict(q, [], [], api_name="/answer")["follow_ups"]), None)
    assert question, "no answer offered a follow-up"
    ask(page, question)
    options = page.locator("#rag-chat button").filter(has_text=re.compile(r"^What "))
    options.first.wait_for(timeout=20_000)
    offered = options.all_inner_texts()
    assert 1 <= len(offered) <= 3
    shot(page, "readers-4-follow-ups")
    chosen = offered[0].strip()
    options.first.click()
    page.wait_for_function("(q) => document.querySelector('#rag-sources').innerText.includes(q)",
                           arg=chosen[:40], timeout=120_000)
    users = page.locator("#rag-chat .user-row").all_inner_texts()
    assert len(users) == 2 and users[1].strip() == chosen  # asked in the conversation, as clicked
    assert page.locator("#rag-chat .bot-row").last.locator('a[href^="#cite-1-"]').count() >= 1  # and answered
    wait_turns(page, 2)
    shot(page, "readers-5-follow-up-asked")


def test_copy_keeps_the_sources_as_footnotes(page):
    ask(page, GREAT_FIREWALL)
    wait_turns(page, 1)
    page.click("#rag-sources .rag-copy")
    page.wait_for_selector("#rag-sources .rag-copy.rag-copied", timeout=5_000)
    copied = clipboard(page)
    body, _, notes = copied.partition("\n\n[^1]:")
    assert "Great Firewall of China [^1]" in body and "#cite" not in copied and "<" not in copied
    assert notes.startswith(" *UPR 2018 China Stakeholder Submission (2018)*, ¶9(8), p. 3 (quoted): “Respect")
    shot(page, "readers-6-copy-with-sources")

    page.evaluate("navigator.clipboard.writeText('')")
    ask(page, "What does the briefing say about Hong Kong?")
    wait_turns(page, 2)
    page.locator("#rag-chat .bot-row").first.hover()
    page.locator("#rag-chat .bot-row").first.locator(".message-buttons button").first.click()  # the chat's copy
    page.wait_for_function("navigator.clipboard.readText().then(t => t.length > 0)", timeout=5_000)
    assert clipboard(page) == copied  # the first answer's, with its footnotes, not the second's


def test_positions_follow_the_answer_being_read(page):
    ask(page, BOTH_SIDES)
    columns = page.locator("#rag-positions .rag-position")
    columns.first.wait_for(timeout=20_000)
    first_count = columns.count()
    assert first_count >= 2
    ask(page, LAWYERS)  # no disagreement: no positions
    page.wait_for_function("document.querySelectorAll('#rag-positions .rag-position').length === 0",
                           timeout=20_000)
    wait_turns(page, 2)
    page.locator('#rag-chat a[href^="#cite-0-"]').first.click()  # a source of the earlier answer
    page.wait_for_selector('#rag-positions .rag-positions[data-turn="0"]', timeout=20_000)
    assert columns.count() == first_count
    assert "Bachelet" in page.locator("#rag-positions .rag-panel-title").inner_text()
    assert "Bachelet" in page.locator("#rag-sources .rag-panel-title").inner_text()
    assert page.locator('#rag-positions .rag-marker[data-turn="1"]').count() == 0
    shot(page, "readers-7-positions-follow")
    page.locator('#rag-chat a[href^="#cite-1-"]').first.click()  # back to the later answer
    page.wait_for_function("document.querySelectorAll('#rag-positions .rag-position').length === 0",
                           timeout=20_000)
    assert "defence lawyers" in page.locator("#rag-sources .rag-panel-title").inner_text()


def test_briefing_markers_show_cards_and_open_the_paragraph(page):
    ask(page, GREAT_FIREWALL)
    wait_turns(page, 1)
    page.get_by_role("tab", name="Briefing").click()
    page.click("#rag-make-briefing")
    marker = page.locator('#rag-preview a[href^="#cite-0-"]').first
    marker.wait_for(timeout=60_000)
    marker.hover()
    assert "Great Firewall" in card(page) and "¶9(8)" in card(page)
    shot(page, "readers-8-briefing-card")
    scroll = "(s) => document.querySelector(s).dispatchEvent(new Event('scroll'))"
    page.evaluate(scroll, "#rag-chat")  # the chat scrolling (its suggestions arriving) does not move this marker
    assert page.locator("#rag-hovercard").is_visible()
    page.evaluate(scroll, "#rag-preview")  # the briefing scrolling does: the card would stand beside nothing
    page.wait_for_selector("#rag-hovercard[hidden]", state="attached", timeout=5_000)
    marker.click()
    page.locator("#rag-viewer .rag-focus").wait_for(state="visible", timeout=20_000)  # back on Ask, in the viewer
    assert "Great Firewall" in page.locator("#rag-viewer .rag-focus").inner_text()
