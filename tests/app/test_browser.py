"""The app in a real browser (Debian's chromium, headless, driven by Playwright): ask, click a citation and see
the paragraph highlighted in its document; the recommendations table; upload and remove a document; export a
briefing. Screenshots go to artifacts/ (git-ignored)."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import missing_part

from rag.config import ROOT
from conftest import GREAT_FIREWALL, start_app, stop_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
SHOTS = ROOT / "artifacts"


@pytest.fixture(scope="module")
def url(corpus_store_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser_app")
    store = folder / "store"
    shutil.copytree(corpus_store_dir, store, ignore=shutil.ignore_patterns(".lock"))  # nothing to embed again
    proc, address = start_app(store, folder / "app.log")
    yield address
    stop_app(proc)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        missing_part("chromium is not installed (apt-get install -y chromium)")
    try:
        from playwright import sync_api
    except ImportError:
        missing_part("playwright is not installed (pip install -r requirements-dev.txt)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def open_page(browser, url: str, permissions: list[str] = ()):
    """A fresh browser context on the app, its page loaded; fails the test if the page raised a script error."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    if permissions:
        context.grant_permissions(list(permissions), origin=url)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.goto(url)
    pg.wait_for_selector("#rag-question textarea", timeout=60_000)
    yield pg
    context.close()
    assert not errors, errors


@pytest.fixture
def page(browser, url):
    yield from open_page(browser, url)


def shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def ask(page, question: str) -> None:
    answers = page.locator("#rag-chat .bot-row")  # one row per answer (a row and its parts are not counted twice)
    before = answers.count()
    page.fill("#rag-question textarea", question)
    page.click("#rag-send")
    page.wait_for_function(
        "([q]) => document.querySelector('#rag-sources').innerText.includes(q)", arg=[question[:30]],
        timeout=120_000)
    # the chat and the sources panel are separate outputs of one event: the chat may render a moment later
    page.wait_for_function("([n]) => document.querySelectorAll('#rag-chat .bot-row').length > n", arg=[before],
                           timeout=30_000)
    assert answers.count() == before + 1


def test_click_a_source_shows_the_paragraph_highlighted(page):
    ask(page, GREAT_FIREWALL)
    cards = page.locator("#rag-sources .rag-source")
    assert cards.count() >= 1
    quote = cards.nth(0).locator(".rag-quote").inner_text().strip("“”… ")
    cards.nth(0).click()
    mark = page.locator("#rag-viewer mark")
    mark.first.wait_for(timeout=20_000)
    assert mark.first.inner_text()[:40] in quote or quote[:40] in mark.first.inner_text()
    focus = page.locator("#rag-viewer .rag-focus")
    assert focus.count() == 1 and focus.is_visible()
    assert page.locator("#rag-viewer .rag-para").count() >= 3  # neighbours above and below
    assert "UPR 2018" in page.locator("#rag-viewer .rag-doc-title").inner_text()
    shot(page, "browser-1-source-in-document")

    # a [n] marker in the answer opens its source too
    marker = page.locator('#rag-chat a[href^="#cite-0-"]').last
    label = re.search(r"\d+", marker.inner_text()).group()
    marker.click()
    page.wait_for_selector(f'#rag-sources .rag-source.rag-active[data-n="{label}"]', timeout=20_000)
    page.locator("#rag-viewer mark").first.wait_for(timeout=20_000)
    assert page.url.endswith("/") or "#cite" not in page.url  # the click was caught, not followed

    # the whole document, scrolled to the paragraph
    page.get_by_label("Show the whole document").check()
    page.wait_for_function("document.querySelectorAll('#rag-viewer .rag-para').length > 20", timeout=20_000)
    assert page.locator("#rag-viewer .rag-focus").is_visible()
    shot(page, "browser-2-whole-document")


def test_disagreement_is_laid_out_side_by_side(page):
    ask(page, "What does the briefing say about Bachelet's visit to China?")
    columns = page.locator("#rag-positions .rag-position")
    columns.first.wait_for(timeout=20_000)  # the 2022 briefing reports praise and regret over the visit
    assert columns.count() >= 2
    box = [columns.nth(i).bounding_box() for i in range(2)]
    assert abs(box[0]["y"] - box[1]["y"]) < 5 and box[1]["x"] > box[0]["x"]  # side by side
    columns.nth(1).locator(".rag-marker").first.click()
    page.locator("#rag-viewer .rag-focus").wait_for(timeout=20_000)
    shot(page, "browser-3-positions")


def test_not_found_looks_different(page):
    ask(page, "What does the UPR submission say about Brazil's deforestation?")
    banner = page.locator("#rag-chat .rag-notfound")
    banner.wait_for(timeout=20_000)
    assert "Not in the documents" in banner.inner_text()
    shot(page, "browser-4-not-found")


def test_recommendations_table_opens_the_viewer_and_asks(page):
    page.get_by_role("tab", name="Recommendations").click()
    page.fill("#rag-rec-search textarea", "firewall")
    cell = page.locator("#rag-recs span.text >> visible=true").filter(has_text="Great Firewall").first
    cell.wait_for(timeout=20_000)
    cell.click()
    page.locator("#rag-rec-viewer .rag-focus").wait_for(timeout=20_000)
    assert "Great Firewall" in page.locator("#rag-rec-viewer .rag-focus").inner_text()
    shot(page, "browser-5-recommendations")
    page.click("#rag-ask-about")
    page.wait_for_function("document.querySelector('#rag-question textarea').value.includes('Great Firewall')",
                           timeout=20_000)
    assert page.locator("#rag-question textarea").is_visible()  # back on the Ask tab


def test_upload_and_remove_a_document(page, tmp_path):
    path = tmp_path / "harbour-dredging-review-2024.md"
    path.write_text("# Harbour review\n\n1. The harbour board recommends dredging the western channel twice a year "
                    "from 2024.\n\n2. Silt has reduced the channel depth by 40 centimetres since 2019.\n",
                    encoding="utf-8")
    page.get_by_role("tab", name="Documents").click()
    page.set_input_files("#rag-upload input[type=file]", str(path))
    page.wait_for_selector("#rag-report .rag-status-added", timeout=120_000)
    page.wait_for_function("document.querySelector('#rag-docs').innerText.includes('Harbour')", timeout=20_000)
    shot(page, "browser-6-documents-upload")
    page.locator("#rag-delete-choice input").click()
    page.get_by_role("option", name=re.compile("Harbour")).click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#rag-delete")
    page.wait_for_function("!document.querySelector('#rag-docs').innerText.includes('Harbour')", timeout=30_000)


def test_briefing_export_downloads(page):
    ask(page, GREAT_FIREWALL)
    page.get_by_role("tab", name="Briefing").click()
    page.click("#rag-make-briefing")
    link = page.locator('#rag-downloads tr:has(td[aria-label$=".docx"]) a').first
    link.wait_for(timeout=60_000)
    with page.expect_download() as info:
        link.click()
    assert info.value.suggested_filename.endswith(".docx")
    assert "Great Firewall" in page.locator("#rag-preview").inner_text()
    shot(page, "browser-7-briefing")
