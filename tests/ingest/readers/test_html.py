"""HTML reading (rag/ingest/readers/html.py): the article, not the site around it."""
from __future__ import annotations

import re

import pytest

from rag.config import Settings
from rag.ingest.readers import ReadError
from rag.ingest.readers.html import read_html
from rag.ingest.readers.safe import read_file


SETTINGS = Settings()


PAGE = """<!DOCTYPE html><html><head><title>Site</title><style>p { color: red } STYLE_TEXT</style>
<script>var x = "SCRIPT_TEXT";</script></head>
<body class="has-sidebar">
<header><a href="/">HEADER_TEXT</a></header>
<nav><ul><li>NAV_TEXT</li></ul></nav>
<div class="cookie-banner">We use cookies COOKIE_TEXT <button>OK</button></div>
<div id="breadcrumbs">Home &gt; BREADCRUMB_TEXT</div>
<article>
  <header><h1>Housing   policy review</h1></header>
  <p>The first
     paragraph &amp; its text.</p>
  <script>document.write("INLINE_SCRIPT")</script>
  <h2>Findings</h2>
  <ul><li>Rents rose</li><li>Supply fell <ul><li>in cities</li></ul></li></ul>
  <ol start="3"><li>Third point</li></ol>
  <table><tr><th>Year</th><td>2024</td></tr></table>
  <blockquote><p>A quoted sentence.</p></blockquote>
  <div>Loose text in a div.</div>
  <p style="display:none">HIDDEN_TEXT</p>
</article>
<aside>ASIDE_TEXT</aside>
<footer>FOOTER_TEXT</footer>
<script>SCRIPT2_TEXT</script>
</body></html>"""


def test_html_article_only():
    blocks = read_html(PAGE.encode())
    assert [(b.style, b.level, b.text) for b in blocks] == [
        ("heading", 1, "Housing policy review"),
        ("paragraph", 0, "The first paragraph & its text."),
        ("heading", 2, "Findings"),
        ("list_item", 0, "Rents rose"),
        ("list_item", 0, "Supply fell"),
        ("list_item", 1, "in cities"),
        ("list_item", 0, "3. Third point"),
        ("paragraph", 0, "Year"),
        ("paragraph", 0, "2024"),
        ("paragraph", 0, "A quoted sentence."),
        ("paragraph", 0, "Loose text in a div."),
    ]
    everything = " ".join(b.text for b in blocks)
    assert not re.search(r"[A-Z0-9]+_TEXT|INLINE_SCRIPT", everything)


def test_html_without_article_drops_site_furniture(tmp_path):
    path = tmp_path / "page.htm"
    path.write_bytes(PAGE.replace("<article>", "<div>").replace("</article>", "</div>").encode())
    fmt, blocks = read_file(path, SETTINGS)
    text = " ".join(b.text for b in blocks)
    # without <article> or <main> the whole body is read, less the furniture (a <header> outside an article
    # counts as the site's header)
    assert fmt == "html" and text.startswith("The first paragraph & its text. Findings")
    assert text.endswith("A quoted sentence. Loose text in a div.")
    assert not re.search(r"[A-Z0-9]+_TEXT|INLINE_SCRIPT", text)


def test_html_several_articles_in_order():
    page = ("<body><nav>NAV_TEXT</nav><article><h1>First article</h1><p>One.</p></article>"
            "<div class='menu'>MENU_TEXT</div><article><h1>Second article</h1>Loose tail text.</article></body>")
    assert [(b.style, b.text) for b in read_html(page.encode())] == [
        ("heading", "First article"), ("paragraph", "One."), ("heading", "Second article"),
        ("paragraph", "Loose tail text."),
    ]


def test_html_only_scripts(tmp_path):
    path = tmp_path / "app.html"
    path.write_text("<html><head><script>render('hello')</script></head><body><script>x()</script>"
                    "<noscript>Enable JavaScript</noscript></body></html>")
    with pytest.raises(ReadError) as err:
        read_file(path, SETTINGS)
    assert err.value.reason == "no text found in the file"


def test_html_declared_charset():
    page = '<html><head><meta charset="windows-1252"></head><body><p>Café – “quoted” 5 €</p></body></html>'
    assert read_html(page.encode("cp1252"))[0].text == "Café – “quoted” 5 €"
