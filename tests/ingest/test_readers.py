"""Format readers and safe file reading, on files generated here (reportlab, python-docx, zipfile)."""
from __future__ import annotations

import io
import os
import re
import sys
import time
import zipfile
from pathlib import Path

import pytest

from rag.config import Settings
from rag.model import Block
from rag.ingest.readers import ReadError
from rag.ingest.readers import safe
from rag.ingest.readers.docx import read_docx
from rag.ingest.readers.html import read_html
from rag.ingest.readers.markdown import read_markdown
from rag.ingest.readers.pdf import read_pdf
from rag.ingest.readers.safe import read_file

SETTINGS = Settings()


def tokens(text: str) -> list[str]:
    return re.findall(r"[A-Za-z]+\d+", text)


def in_order(found: list[str], expected: list[str]) -> bool:
    """Every expected token is there, and they come in the expected order."""
    positions = {t: i for i, t in reversed(list(enumerate(found)))}
    return all(t in positions for t in expected) and [positions[t] for t in expected] == sorted(
        positions[t] for t in expected)


# ------------------------------------------------------------------------------------------------------------- PDF

def two_column_pdf(path: Path) -> dict[str, list[str]]:
    """Two A4 pages in two columns, each line drawn left then right (so the content stream interleaves the
    columns line by line). Paragraph B runs from the bottom of page 1's left column into its right column;
    paragraph C from page 1's right column onto page 2's left column. A full-width title tops each page and a
    centred page number ends it."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfgen import canvas

    width, height = A4
    margin, gutter, per_column = 50, 30, 30
    column = (width - 2 * margin - gutter) / 2
    words = {"A": 110, "B": 120, "C": 150, "D": 150}
    paragraphs = {tag: [f"{tag.lower()}word{i}" for i in range(n)] for tag, n in words.items()}
    lines: list[str] = []
    for tag, ws in paragraphs.items():
        lines += simpleSplit(" ".join(ws), "Helvetica", 10, column) + [""]
    columns = [lines[i:i + per_column] for i in range(0, len(lines), per_column)]
    assert len(columns) == 4, "the fixture must fill two pages of two columns"
    c = canvas.Canvas(str(path), pagesize=A4)
    for page in range(2):
        c.setFont("Helvetica-Bold", 14)
        c.drawString(margin, height - 50, f"Annual report title{page + 1}")
        c.setFont("Helvetica", 10)
        left, right = columns[2 * page], columns[2 * page + 1]
        for i in range(per_column):
            y = height - 80 - i * 12
            if i < len(left) and left[i]:
                c.drawString(margin, y, left[i])
            if i < len(right) and right[i]:
                c.drawString(margin + column + gutter, y, right[i])
        c.setFont("Helvetica", 9)
        c.drawCentredString(width / 2, 30, f"page{page + 1}")
        c.showPage()
    c.save()
    return {"columns": [tokens(" ".join(col)) for col in columns], **paragraphs}


def test_two_column_pdf_reads_column_by_column(tmp_path):
    path = tmp_path / "two.pdf"
    layout = two_column_pdf(path)
    left1, right1, left2, right2 = layout["columns"]
    # the fixture is what it claims: B crosses the columns of page 1, C crosses from page 1 to page 2
    assert "bword0" in left1 and layout["B"][-1] in right1
    assert "cword0" in right1 and layout["C"][-1] in left2 + right2

    blocks = read_pdf(path.read_bytes())
    assert [b.page for b in blocks] == [1, 2] and all(b.style == "raw" for b in blocks)
    page1, page2 = tokens(blocks[0].text), tokens(blocks[1].text)
    # the left column whole, then the right column
    assert page1 == ["title1"] + left1 + right1 + ["page1"]
    assert page2 == ["title2"] + left2 + right2 + ["page2"]
    both = page1 + page2
    assert in_order(both, layout["B"]) and in_order(both, layout["C"]) and in_order(both, layout["A"] + layout["D"])
    # lines keep their breaks: one column line per text line
    assert blocks[0].text.splitlines()[1].split() == left1[:len(blocks[0].text.splitlines()[1].split())]

    # plain pypdf extraction interleaves the columns of this file: the reordering is doing the work
    from pypdf import PdfReader
    plain = tokens(PdfReader(path).pages[0].extract_text())
    assert not in_order(plain, layout["B"])


def test_single_column_pdf_pages_and_numbers(tmp_path):
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

    path = tmp_path / "single.pdf"
    style = getSampleStyleSheet()["Normal"]

    def footer(canvas, doc):
        canvas.setFont("Helvetica", 9)
        canvas.drawCentredString(A4[0] / 2, 30, f"Page {doc.page}")

    story = []
    for n in range(1, 4):
        story.append(Paragraph(f"{n}. The committee recommends measure{n} " + "because it helps. " * 30, style))
        story.append(PageBreak())
    SimpleDocTemplate(str(path), pagesize=A4).build(story[:-1], onFirstPage=footer, onLaterPages=footer)

    blocks = read_pdf(path.read_bytes())
    assert [b.page for b in blocks] == [1, 2, 3]
    for n, block in enumerate(blocks, start=1):
        assert f"measure{n}" in block.text and f"Page {n}" in block.text
        assert block.text.count("\n") >= 3  # hard-wrapped lines kept for the paragraph rebuilder
        assert block.text.lstrip().startswith(f"{n}. The committee") or f"\n{n}. The committee" in block.text


def _simple_pdf(text: str = "Confidential findings of the inquiry") -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 720, text)
    c.save()
    return buf.getvalue()


def test_encrypted_pdf(tmp_path):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_simple_pdf())))
    writer.encrypt(user_password="s3cret", owner_password="owner", algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    with pytest.raises(ReadError) as err:
        read_pdf(buf.getvalue())
    assert err.value.reason == "the PDF is password-protected"
    assert "remove the password" in err.value.hint

    # restrictions only (an empty user password) open without asking
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_simple_pdf())))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    assert "Confidential findings" in read_pdf(buf.getvalue())[0].text


def test_truncated_pdf(tmp_path):
    path = tmp_path / "cut.pdf"
    data = _simple_pdf()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ReadError) as err:
        read_file(path, SETTINGS)
    assert "PDF is incomplete" in err.value.reason or "damaged" in err.value.reason
    assert err.value.hint


def test_text_named_pdf(tmp_path):
    path = tmp_path / "notes.pdf"
    path.write_text("Just some notes, not a PDF at all.\n")
    with pytest.raises(ReadError) as err:
        read_file(path, SETTINGS)
    assert err.value.reason == "the file is named .pdf but is not a PDF"


def test_image_only_pdf(tmp_path):
    from reportlab.pdfgen import canvas

    path = tmp_path / "scan.pdf"
    c = canvas.Canvas(str(path))
    for page in range(2):
        c.rect(50, 50, 400, 600, fill=1)
        c.rect(100, 100, 50, 50, fill=0)
        c.showPage()
    c.save()
    with pytest.raises(ReadError) as err:
        read_file(path, SETTINGS)
    assert err.value.reason == "the PDF has no text layer (scanned images)"
    assert "OCR" in err.value.hint


def test_read_file_pdf_through_child(tmp_path):
    path = tmp_path / "ok.pdf"
    path.write_bytes(_simple_pdf("Paragraph 12 of the report"))
    fmt, blocks = read_file(path, SETTINGS)
    assert fmt == "pdf" and blocks == [Block(text="Paragraph 12 of the report", page=1, style="raw")]


# ------------------------------------------------------------------------------------------------------------ DOCX

def make_docx(path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_heading("Annual Review", 0)
    d.add_heading("Scope", level=1)
    d.add_paragraph("This review covers   the year.")
    d.add_paragraph("Collect the data", style="List Number")
    d.add_paragraph("Publish the findings", style="List Number")
    d.add_paragraph("A bullet point", style="List Bullet")
    table = d.add_table(rows=2, cols=2)
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row.cells):
            cell.text = f"cell {r}{c}"
    d.add_heading("Findings", level=2)
    d.add_paragraph("")  # empty paragraphs are dropped
    d.add_paragraph("The end.")
    d.save(str(path))


def test_docx_styles_and_order(tmp_path):
    path = tmp_path / "review.docx"
    make_docx(path)
    got = [(b.style, b.level, b.text) for b in read_docx(path.read_bytes())]
    assert got == [
        ("heading", 1, "Annual Review"),
        ("heading", 1, "Scope"),
        ("paragraph", 0, "This review covers the year."),
        ("list_item", 0, "1. Collect the data"),
        ("list_item", 0, "2. Publish the findings"),
        ("list_item", 0, "A bullet point"),
        ("paragraph", 0, "cell 00"),
        ("paragraph", 0, "cell 01"),
        ("paragraph", 0, "cell 10"),
        ("paragraph", 0, "cell 11"),
        ("heading", 2, "Findings"),
        ("paragraph", 0, "The end."),
    ]
    fmt, blocks = read_file(path, SETTINGS)  # the same through the child process
    assert fmt == "docx" and [b.text for b in blocks] == [g[2] for g in got]
    assert all(b.page is None for b in blocks)


def test_corrupt_docx(tmp_path):
    path = tmp_path / "broken.docx"
    path.write_bytes(os.urandom(5000))
    with pytest.raises(ReadError) as err:
        read_file(path, SETTINGS)
    assert "not a Word document" in err.value.reason
    with pytest.raises(ReadError) as err:
        read_docx(os.urandom(5000))
    assert "not a Word document" in err.value.reason


@pytest.fixture
def no_parsing(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the parser must not run on this file")

    monkeypatch.setattr(safe, "read_isolated", refuse)
    monkeypatch.setattr(safe, "read_bytes", refuse)


def test_docx_zip_bomb_refused_before_parsing(tmp_path, no_parsing):
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("word/document.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * (1 << 20)
            for _ in range(120):  # 120 MB of zeros, about 120 kB packed
                member.write(chunk)
    assert path.stat().st_size < 1_000_000
    start = time.monotonic()
    with pytest.raises(ReadError) as err:
        read_file(path, SETTINGS)
    assert time.monotonic() - start < 2
    assert re.fullmatch(r"the DOCX expands to 120 MB \(a zip bomb or a damaged file\)", err.value.reason)


def test_docx_lying_central_directory_refused(tmp_path, no_parsing):
    path = tmp_path / "liar.docx"
    make_docx(path)
    data = bytearray(path.read_bytes())
    # claim that word/document.xml unzips to 3.5 GB, in the central directory entry (uncompressed size at +24)
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        name_len = int.from_bytes(data[at + 28:at + 30], "little")
        if data[at + 46:at + 46 + name_len] == b"word/document.xml":
            data[at + 24:at + 28] = (3_500 * 1024 * 1024).to_bytes(4, "little")
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))
    with pytest.raises(ReadError) as err:
        read_file(path, SETTINGS)
    assert err.value.reason.startswith("the DOCX expands to 35") and "zip bomb" in err.value.reason


# ------------------------------------------------------------------------------------------------------------ HTML

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


# -------------------------------------------------------------------------------------------------------- Markdown

def test_markdown_structure(tmp_path):
    md = """# Policy notes

Intro with a [link](https://example.org "title") and an
image ![chart](http://tracker.example/x.png?q=secret) here, **bold** and `code`.

## Actions
- first bullet
* second bullet
  - nested bullet
3. third item
4) fourth item

<!-- a comment -->
```
raw code line
```
"""
    path = tmp_path / "notes.md"
    path.write_text(md)
    fmt, blocks = read_file(path, SETTINGS)
    assert fmt == "markdown"
    assert [(b.style, b.level, b.text) for b in blocks] == [
        ("heading", 1, "Policy notes"),
        ("paragraph", 0, "Intro with a link and an image here, bold and code."),
        ("heading", 2, "Actions"),
        ("list_item", 0, "first bullet"),
        ("list_item", 0, "second bullet"),
        ("list_item", 1, "nested bullet"),
        ("list_item", 0, "3. third item"),
        ("list_item", 0, "4) fourth item"),
        ("paragraph", 0, "raw code line"),
    ]
    assert "tracker" not in str(blocks) and "comment" not in str(blocks)


def test_markdown_nested_image_link():
    blocks = read_markdown(b"See [![logo](http://x/logo.png) the site](http://x) now.")
    assert [b.text for b in blocks] == ["See the site now."]


# ------------------------------------------------------------------------------------------------ text and limits

SAMPLE = "Café déjà vu – the minister’s “plan” costs 5 € today.\nSecond line."


@pytest.mark.parametrize("encoded", [
    SAMPLE.encode("utf-16"),  # with BOM
    SAMPLE.encode("utf-16-le"),  # without BOM
    SAMPLE.encode("utf-16-be"),
    SAMPLE.encode("cp1252"),
    SAMPLE.encode("utf-8"),
], ids=["utf16-bom", "utf16le", "utf16be", "cp1252", "utf8"])
def test_text_encodings(tmp_path, encoded):
    path = tmp_path / "note.txt"
    path.write_bytes(encoded)
    fmt, blocks = read_file(path, SETTINGS)
    assert fmt == "text" and [b.text for b in blocks] == [SAMPLE]


# One short text in each legacy encoding a policy library meets: read as the characters it holds, never as
# cp1252 mojibake (tests/test_cli.py ingests the same kind of files and finds them intact in citations).
LEGACY = [
    ("gbk", "政府发布了关于网络数据安全的新规定，要求平台保存日志六个月。"),
    ("big5", "中華民國政府發布了關於網路資料安全的新規定。"),
    ("shift_jis", "日本政府は新しいサイバーセキュリティ規則を発表しました。"),
    ("euc_jp", "日本政府は新しいサイバーセキュリティ規則を発表しました。"),
    ("euc_kr", "정부는 개인정보 보호에 관한 새로운 규정을 발표했습니다."),
    ("latin-1", "Le ministère a présenté à Genève un plan coûtant 5 millions; Maßnahmen für Zürich."),
    ("latin-1", "El Gobierno aprobó la reforma de la ley de educación en España."),
    ("cp1251", "Правительство объявило новые правила о защите данных."),
    ("cp1253", "Η κυβέρνηση ανακοίνωσε νέους κανόνες για την προστασία δεδομένων."),
    ("cp1250", "Rząd ogłosił nowe przepisy dotyczące ochrony danych osobowych."),
    ("cp1254", "Hükümet kişisel verilerin korunmasına ilişkin yeni kuralları açıkladı."),
]


@pytest.mark.parametrize("encoding, text", LEGACY, ids=[f"{e}-{i}" for i, (e, _) in enumerate(LEGACY)])
def test_legacy_encodings_read_as_their_characters(tmp_path, encoding, text):
    path = tmp_path / "note.txt"
    body = f"The ministry published a note in 2031.\n\n{text}\n"
    path.write_bytes(body.encode(encoding))
    fmt, blocks = read_file(path, SETTINGS)
    assert fmt == "text" and "\n".join(b.text for b in blocks) == body
    md = tmp_path / "note.md"
    md.write_bytes(f"# Note\n\n{text}\n".encode(encoding))
    assert any(b.text == text for b in read_file(md, SETTINGS)[1])  # Markdown is decoded the same way


@pytest.mark.parametrize("data", [
    "香港".encode("big5"),  # two characters: Big5 "Hong Kong" or two Korean syllables in Johab
    "The delegation met Wang Yi (王毅) in Beijing.".encode("gbk"),  # GBK, Big5 and Johab each read it
    "東京都".encode("shift_jis"),
], ids=["big5-2-chars", "gbk-name-in-english", "sjis-3-chars"])
def test_too_little_text_to_tell_the_encoding_is_refused_with_a_message(tmp_path, data):
    path = tmp_path / "note.txt"
    path.write_bytes(data)
    with pytest.raises(ReadError) as err:
        read_file(path, SETTINGS)
    assert "character encoding could not be told" in err.value.reason
    assert "UTF-8" in err.value.hint
    assert data.decode("cp1252", "replace") not in str(err.value)  # the old silent reading is gone


def test_bytes_no_encoding_reads_are_refused_with_a_message(tmp_path):
    """Not binary (no control bytes) but no encoding makes text of it: a mix of four encodings."""
    data = ("政府发布".encode("gbk") + "日本政府は".encode("shift_jis") + "中華民國".encode("big5")
            + "Правительство".encode("koi8_r") + b" \x81\x8d\x90 end")
    path = tmp_path / "mixed.txt"
    path.write_bytes(data)
    with pytest.raises(ReadError) as err:
        read_file(path, SETTINGS)
    assert err.value.reason.startswith("the file's character encoding could not be recognised")
    assert "save it as UTF-8" in err.value.hint


def test_binary_named_txt(tmp_path):
    path = tmp_path / "data.txt"
    path.write_bytes(bytes(range(256)) * 20 + os.urandom(3000))
    with pytest.raises(ReadError) as err:
        read_file(path, SETTINGS)
    assert "not readable text" in err.value.reason


@pytest.mark.parametrize("name,content,reason", [
    ("empty.txt", b"", "the file is empty"),
    ("blank.txt", b"  \n\t\n   \n", "no text found in the file"),
    ("blank.md", b"\n\n   \n", "no text found in the file"),
    ("empty.pdf", b"", "the file is empty"),
])
def test_empty_files(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ReadError) as err:
        read_file(path, SETTINGS)
    assert err.value.reason == reason


def test_size_cap(tmp_path, no_parsing):
    path = tmp_path / "big.pdf"
    path.write_bytes(b"%PDF-1.4\n" + b"x" * 20_000)
    with pytest.raises(ReadError) as err:
        read_file(path, Settings(max_file_mb=0.01))
    assert "over the 0.01 MB limit" in err.value.reason and "RAG_MAX_FILE_MB" in err.value.hint


def test_unsupported_type(tmp_path):
    path = tmp_path / "sheet.xlsx"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(ReadError) as err:
        read_file(path, SETTINGS)
    assert "unsupported file type '.xlsx'" in err.value.reason


def test_parse_timeout(tmp_path):
    path = tmp_path / "slow.html"
    path.write_text("<p>" + "words " * 1000 + "</p>")
    start = time.monotonic()
    with pytest.raises(ReadError) as err:
        read_file(path, SETTINGS.model_copy(update={"parse_timeout_s": 0.05}))
    assert err.value.reason == "reading the file took longer than 0.05 s"
    assert time.monotonic() - start < 3


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS is enforced on Linux")
def test_parse_memory_cap(tmp_path):
    path = tmp_path / "huge.html"
    path.write_text("<html><body>" + "<p>word</p>" * 250_000 + "</body></html>")
    with pytest.raises(ReadError) as err:
        read_file(path, SETTINGS.model_copy(update={"parse_memory_mb": 100}))
    assert err.value.reason == "reading the file needed more than 100 MB of memory"
