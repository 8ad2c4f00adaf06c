"""Ingest fidelity: what is stored is what the document says, less only provable layout.

On real UN reports (../shared/eval/upr-dev/docs, when present) and on the bundled corpus: every number of the text
layer comes back unchanged, the reports' own paragraph and recommendation numbers are the labels, notes are apart,
running heads and the cover stay out of the text. On PDFs generated here: each rule on its own, including the ones
the real reports happen not to exercise (several recommendations on one line, a figure shaped like a marker).
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from rag.config import ROOT
from rag.ingest.fidelity import check
from rag.model import FOOTNOTE, HEADING, PARAGRAPH, RECOMMENDATION, Block
from rag.ingest.paragraphs import build_document, build_paragraphs
from rag.ingest.readers.pdf import read_pdf
from rag.ingest.readers.text import read_text

from conftest import CORPUS, run_cli

UPR_DEV = ROOT.parent / "shared" / "eval" / "upr-dev" / "docs"
UPR_PDFS = sorted(UPR_DEV.glob("*.pdf")) if UPR_DEV.is_dir() else []
needs_upr = pytest.mark.skipif(not UPR_PDFS, reason=f"the development reports are not at {UPR_DEV}")


def built_pdf(path: Path):
    blocks = read_pdf(path.read_bytes())
    return blocks, build_document(blocks, "d")


@pytest.fixture(scope="module")
def upr():
    return {p.name: built_pdf(p) for p in UPR_PDFS}


def body(built):
    return [p for p in built.paragraphs if p.kind not in (HEADING, FOOTNOTE)]


# ------------------------------------------------------------------------------------------- every document

@needs_upr
@pytest.mark.parametrize("name", [p.name for p in UPR_PDFS])
def test_every_number_of_the_text_layer_comes_back_unchanged(upr, name):
    """pypdf's text layer, page by page, less layout lines and proven markers: every number is stored as it is."""
    from pypdf import PdfReader

    blocks, built = upr[name]
    pages = PdfReader(UPR_DEV / name).pages
    assert [b.text for b in blocks] == [pages[b.page - 1].extract_text().rstrip() for b in blocks]
    result = check(name, blocks, built)
    assert result.figures > 200
    assert result.missing == [] and result.added == []
    assert result.furniture == []
    assert result.gaps == [] and result.duplicates == []


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.txt")), ids=lambda p: p.name)
def test_corpus_numbers_come_back_unchanged(path):
    blocks = read_text(path.read_bytes())
    result = check(path.name, blocks, build_document(blocks, "d"))
    assert result.figures > 40
    assert result.missing == [] and result.added == []


# ------------------------------------------------------------------------------------------- the UN reports

EXPECTED = {  # paragraphs and endnotes, as the eval README counts them
    "slovenia-upr3-national-report.pdf": (116, 34, "A/HRC/WG.6/34/SVN/1"),
    "slovenia-upr3-un-compilation.pdf": (78, 144, "A/HRC/WG.6/34/SVN/2"),
    "slovenia-upr3-stakeholders-summary.pdf": (79, 144, "A/HRC/WG.6/34/SVN/3"),
    "slovenia-upr3-working-group-report.pdf": (123, 0, "A/HRC/43/15"),
    "slovenia-upr3-working-group-report-addendum.pdf": (5, 0, "A/HRC/43/15/Add.1"),
}


@needs_upr
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_own_numbers_notes_and_identity(upr, name):
    paragraphs, notes, symbol = EXPECTED[name]
    blocks, built = upr[name]
    numbered = [p.label for p in body(built) if p.label.isdigit()]
    assert numbered == [str(n) for n in range(1, paragraphs + 1)]
    numeric_notes = [p.label for p in built.paragraphs if p.kind == FOOTNOTE and p.label[2:].isdigit()]
    assert numeric_notes == [f"fn{n}" for n in range(1, notes + 1)]
    assert built.symbol == symbol
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]+ 20\d\d", built.issued or "")
    assert built.title and "Distr" not in built.title and symbol not in built.title
    # every note a paragraph cites exists, and every numbered note is cited
    cited = {n for p in built.paragraphs for n in (p.notes or "").split(",") if n}
    stored = {p.label[2:] for p in built.paragraphs if p.kind == FOOTNOTE}
    assert cited == stored


@needs_upr
def test_no_layout_in_any_paragraph_or_section(upr):
    for name, (blocks, built) in upr.items():
        symbol = EXPECTED[name][2]
        for p in built.paragraphs:
            for where in (p.text, p.section or ""):
                assert not re.search(rf"(?<!\S){re.escape(symbol)}(?!\S)", where), (name, p.label, where)
                assert not re.search(r"\bGE\.\d\d-\d{5}", where), (name, p.label, where)
                assert "Distr.:" not in where and "Original: English" not in where, (name, p.label)
        first = body(built)[0]
        assert first.label == "1" and first.kind == PARAGRAPH


@needs_upr
def test_notes_are_never_body_paragraphs(upr):
    """Note text is stored once, as a note; no body paragraph holds it, no body paragraph is a note line."""
    _, built = upr["slovenia-upr3-national-report.pdf"]
    notes = [p for p in built.paragraphs if p.kind == FOOTNOTE]
    texts = " ".join(p.text for p in body(built))
    for note in notes:
        assert note.text[:60] not in texts
    (p11,) = [p for p in built.paragraphs if p.label == "11"]
    assert p11.text.endswith("also has children’s rights advocates.") and p11.notes == "1"
    (fn1,) = [p for p in notes if p.label == "fn1"]
    assert fn1.text.startswith("Slovenia has noted and implemented recommendation 26")
    # a figure keeps its digits next to a marker: "13.3%" and note 12 after it
    (p24,) = [p for p in built.paragraphs if p.label == "24"]
    assert "the at-risk-of-poverty rate was at 13.3%" in p24.text


@needs_upr
def test_recommendations_by_their_own_numbers_with_the_recommending_states(upr):
    _, built = upr["slovenia-upr3-working-group-report.pdf"]
    recs = [p for p in built.paragraphs if p.kind == RECOMMENDATION]
    assert [p.label for p in recs] == ([f"121.{k}" for k in range(1, 59)] + [f"122.{k}" for k in range(1, 158)])
    by = {p.label: p for p in recs}
    assert by["121.1"].text == ("Ratify the International Convention for the Protection of All Persons from "
                                "Enforced Disappearance (France) (Lithuania)")
    assert by["121.58"].text.endswith("(France).")
    assert by["122.124"].text == "Recognize Slovenian sign language in the Slovenian Constitution (Austria)"
    assert by["121.1"].context.startswith("The recommendations formulated during the interactive dialogue")
    assert all(not re.search(r"\b12[12]\.\d+\s+[A-Z]", p.text) for p in recs)  # one item a unit
    # the State's replies are labelled by the numbers they answer
    _, addendum = upr["slovenia-upr3-working-group-report-addendum.pdf"]
    replies = {p.label: p for p in body(addendum)}
    assert replies["122.73"].text.startswith("Slovenia considers these recommendations implemented.")
    assert "122.14–15" in replies and "122.14–15+1" in replies


@needs_upr
def test_headings_are_sections_never_glued_to_paragraphs(upr):
    _, built = upr["slovenia-upr3-working-group-report.pdf"]
    heading = "B. Interactive dialogue and responses by the State under review"
    assert heading in [p.text for p in built.paragraphs if p.kind == HEADING]
    assert all(heading not in p.text for p in body(built))
    assert {p.section for p in body(built) if p.label in ("22", "60")} == {heading}
    _, summary = upr["slovenia-upr3-stakeholders-summary.pdf"]
    (minorities,) = [p for p in summary.paragraphs if p.kind == HEADING and p.text == "Minorities"]
    assert minorities.notes == "82"
    after = [p for p in body(summary) if p.ordinal > minorities.ordinal][0]
    assert after.section == "Minorities"
    # a paragraph across a page break is one paragraph
    (p5,) = [p for p in summary.paragraphs if p.label == "5"]
    assert p5.text.endswith("it had already taken steps to apply for the accreditation of A status.")


# ------------------------------------------------------------------------------------------- generated PDFs

def draw_pdf(path: Path, pages: list[list[tuple]]) -> None:
    """Pages of (x, y, text, size[, font]) runs, drawn where they say (A4, points from the bottom left)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    for runs in pages:
        for run in runs:
            x, y, text, size = run[:4]
            c.setFont(run[4] if len(run) > 4 else "Times-Roman", size)
            c.drawString(x, y, text)
        c.showPage()
    c.save()


ENDS = "began, down from 1,204 to 995 in detention."


def width(text: str, size: float, font: str = "Times-Roman") -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return stringWidth(text, font, size)


def page_furniture(n: int) -> list[tuple]:
    return [(57, 800, "CRC/C/99/2", 9, "Times-Bold"), (540 if n % 2 else 57, 30, str(n), 9, "Times-Bold")]


def test_superscript_is_a_marker_a_figure_in_body_type_is_not(tmp_path):
    """Notes 1-5 exist. '18.5 per cent' is set in body type: it stays whole. The small raised 5 after
    'detention.' is a marker: it goes, and the paragraph names note 5."""
    path = tmp_path / "notes.pdf"
    runs = page_furniture(1) + [
        (72, 760, "1. The rate of pre-trial detention fell to 18.5 per cent in 2019, as the survey of", 10),
        (72, 748, "prisons found, and the courts ordered fewer remands than in any year since records", 10),
        (72, 736, "began, down from 1,204 to 995 in detention.", 10), (72 + width(ENDS, 10), 739, "5", 6),
        (72, 718, "2. The number of remand places rose by 3, to 40.", 10)]
    notes = [(72, 120 - 11 * k, f"Note text number {k}, page {k + 10}.", 8) for k in range(5)]
    runs += [r for k, n in enumerate(notes) for r in ((66, n[1] + 3, str(k + 1), 5), n)]
    draw_pdf(path, [runs, page_furniture(2) + [(72, 760, "3. A further paragraph on the next page.", 10)],
                    page_furniture(3) + [(72, 760, "4. The last paragraph.", 10)]])
    blocks, built = built_pdf(path)
    by = {p.label: p for p in built.paragraphs}
    assert "18.5 per cent" in by["1"].text
    assert by["1"].text.endswith(ENDS) and by["1"].notes == "5"
    assert [p.label for p in built.paragraphs if p.kind == FOOTNOTE] == ["fn1", "fn2", "fn3", "fn4", "fn5"]
    assert by["fn5"].text == "Note text number 4, page 14."
    result = check("notes.pdf", blocks, built)
    assert result.missing == [] and result.added == [] and result.markers == 1
    # running head and page numbers are layout, by position and repetition
    assert result.layout == {"running head/foot": 3, "page number": 3}
    assert all("CRC/C/99/2" not in p.text for p in built.paragraphs) and built.symbol == "CRC/C/99/2"


def test_several_recommendations_on_a_line_and_across_a_page_break(tmp_path):
    path = tmp_path / "recs.pdf"
    first = page_furniture(1) + [
        (72, 760, "1. The review was held on 12 November.", 10),
        (72, 742, "2. The Working Group recommends that the State:", 10, "Times-Bold"),
        (90, 724, "2.1 Ratify the Convention (France) (Lithuania); 2.2 Adopt a plan (Chile);", 10, "Times-Bold"),
        (90, 706, "2.3 Strengthen the independence of the national institution and give it the", 10, "Times-Bold")]
    second = page_furniture(2) + [
        (90, 760, "resources its mandate needs (Ukraine);", 10, "Times-Bold"),
        (90, 742, "2.4 Continue its efforts (Bhutan).", 10, "Times-Bold"),
        (72, 724, "3. All conclusions reflect the position of the submitting States.", 10)]
    draw_pdf(path, [first, second, page_furniture(3) + [(72, 760, "4. A closing paragraph.", 10)]])
    blocks, built = built_pdf(path)
    recs = {p.label: p.text for p in built.paragraphs if p.kind == RECOMMENDATION}
    assert recs == {"2.1": "Ratify the Convention (France) (Lithuania)", "2.2": "Adopt a plan (Chile)",
                    "2.3": "Strengthen the independence of the national institution and give it the resources its "
                           "mandate needs (Ukraine)",
                    "2.4": "Continue its efforts (Bhutan)."}
    assert [p.label for p in body(built) if p.kind == PARAGRAPH] == ["1", "2", "3", "4"]
    result = check("recs.pdf", blocks, built)
    assert result.items == {"2": [1, 2, 3, 4]} and result.missing == [] and result.added == []


def test_bold_heading_after_a_full_line_and_a_paragraph_across_pages(tmp_path):
    path = tmp_path / "heads.pdf"
    line = "justice, and the courts heard more cases than in any year before, the ministry said."
    first = page_furniture(1) + [
        (72, 760, "1. The ministry reported on the state of the courts, the prisons and access to", 10),
        (72, 748, line, 10),
        (72, 730, "B. Interactive dialogue", 12, "Times-Bold"),
        (72, 712, "2. Several delegations welcomed the reform of the courts and asked about the", 10)]
    second = page_furniture(2) + [
        (72, 760, "Ombudsman, whose budget the Government had raised in 2018.", 10),
        (72, 742, "Minorities", 10, "Times-Italic"),
        (72, 724, "3. The State described its programme for national minorities.", 10)]
    draw_pdf(path, [first, second, page_furniture(3) + [(72, 760, "4. A closing paragraph.", 10)]])
    _, built = built_pdf(path)
    by = {p.label: p for p in built.paragraphs}
    assert by["1"].text.endswith(line) and by["2"].section == "B. Interactive dialogue"
    assert by["2"].text.endswith("and asked about the Ombudsman, whose budget the Government had raised in 2018.")
    assert by["3"].section == "Minorities"
    assert [p.text for p in built.paragraphs if p.kind == HEADING] == ["B. Interactive dialogue", "Minorities"]


# ------------------------------------------------------------------------------------------- plain text

def test_plain_text_markers_only_where_proven():
    """No superscripts in plain text: a marker is glued, cites the next note, and a digit after a decimal
    point is one only before a new sentence."""
    text = ("1. Detention rose in 2017.1 For example, the rate was 18.5 per cent, up from 12.2 in 2016.\n\n"
            "2. Courts ordered fewer remands.2 Prisons held 3 in 10 on remand.\n\n"
            "______________________________\n1 Ministry statistics, table 4.\n2 Court register.\n"
            "3 Unused note.\n4 Unused note.\n5 Unused note.\n")
    built = build_document(read_text(text.encode()), "d")
    by = {p.label: p for p in built.paragraphs}
    assert by["1"].text == "Detention rose in 2017. For example, the rate was 18.5 per cent, up from 12.2 in 2016."
    assert by["1"].notes == "1" and by["2"].notes == "2"
    assert by["2"].text == "Courts ordered fewer remands. Prisons held 3 in 10 on remand."
    result = check("t.txt", read_text(text.encode()), built)
    assert result.missing == [] and result.added == []


# ------------------------------------------------------------------------------------------- DOCX notes

def docx_with_notes(path: Path) -> None:
    """A DOCX whose body cites two footnotes and an endnote (python-docx cannot write notes: the parts are added
    as Word writes them)."""
    import io
    import zipfile

    import docx

    d = docx.Document()
    d.add_paragraph("1. The rate fell to 18.5 per cent in 2019.FNREF1 It rose again.")
    d.add_paragraph("2. Two agencies disagree.FNREF2 See the annex.ENREF1")
    buf = io.BytesIO()
    d.save(buf)
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'

    def ref(kind: str, i: int) -> str:
        return (f'</w:t></w:r><w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:{kind}Reference w:id="{i}"/>'
                f'</w:r><w:r><w:t xml:space="preserve">')

    def part(kind: str, notes: list[tuple[int, str]]) -> str:
        sep = f'<w:{kind} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{kind}>'
        body = "".join(f'<w:{kind} w:id="{i}"><w:p><w:r><w:t>{t}</w:t></w:r></w:p></w:{kind}>' for i, t in notes)
        return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:{kind}s {ns}>{sep}{body}</w:{kind}s>'

    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
    ctype = "application/vnd.openxmlformats-officedocument.wordprocessingml."
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if not item.filename.endswith((".xml", ".rels")):
                zout.writestr(item, data)
                continue
            data = data.decode()
            if item.filename == "word/document.xml":
                data = re.sub(r"<w:t>(\d\. )", r'<w:t xml:space="preserve">\1', data)
                data = data.replace("FNREF1", ref("footnote", 2)).replace("FNREF2", ref("footnote", 3))
                data = data.replace("ENREF1", ref("endnote", 1))
            elif item.filename == "word/_rels/document.xml.rels":
                data = data.replace("</Relationships>", (
                    f'<Relationship Id="rIdFn" Type="{rel}footnotes" Target="footnotes.xml"/>'
                    f'<Relationship Id="rIdEn" Type="{rel}endnotes" Target="endnotes.xml"/></Relationships>'))
            elif item.filename == "[Content_Types].xml":
                data = data.replace("</Types>", (
                    f'<Override PartName="/word/footnotes.xml" ContentType="{ctype}footnotes+xml"/>'
                    f'<Override PartName="/word/endnotes.xml" ContentType="{ctype}endnotes+xml"/></Types>'))
            zout.writestr(item, data)
        zout.writestr("word/footnotes.xml", part("footnote", [(2, "Statistical office, table 5."),
                                                              (3, "Ministry letter of 3 May 2019.")]))
        zout.writestr("word/endnotes.xml", part("endnote", [(1, "Annex 2, figure 4.")]))
    path.write_bytes(out.getvalue())


def test_docx_footnotes_and_endnotes_are_notes_of_the_paragraphs_citing_them(tmp_path):
    from rag.config import Settings
    from rag.ingest.readers.safe import read_file

    path = tmp_path / "notes.docx"
    docx_with_notes(path)
    _, blocks = read_file(path, Settings())  # through the reader's child process
    got = [(p.label, p.kind, p.notes, p.text) for p in build_paragraphs(blocks, "d")]
    assert got == [
        ("1", PARAGRAPH, "1", "The rate fell to 18.5 per cent in 2019. It rose again."),
        ("2", PARAGRAPH, "2,i", "Two agencies disagree. See the annex."),
        ("fn1", FOOTNOTE, None, "Statistical office, table 5."),
        ("fn2", FOOTNOTE, None, "Ministry letter of 3 May 2019."),
        ("fni", FOOTNOTE, None, "Annex 2, figure 4."),
    ]


# ------------------------------------------------------------------------------------------- the reader, the CLI

def test_pdf_reader_uses_only_public_pypdf_api():
    """No private pypdf module (pypdf.generic._font) is imported by the reader."""
    for module in ("pdf.py", "pdf_fonts.py"):
        check_public_imports((ROOT / "rag" / "ingest" / "readers" / module).read_text())


def check_public_imports(source: str) -> None:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pypdf"):
            assert not any(part.startswith("_") for part in node.module.split(".")), node.module
        if isinstance(node, ast.Import):
            modules = [a.name for a in node.names if a.name.startswith("pypdf")]
            assert not any(p.startswith("_") for m in modules for p in m.split(".")), modules


def test_font_widths_from_the_font_dictionary():
    from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject, NameObject, \
        NumberObject

    from rag.ingest.readers.pdf_fonts import _read_font

    simple = DictionaryObject({NameObject("/Subtype"): NameObject("/TrueType"),
                               NameObject("/BaseFont"): NameObject("/Arial,Bold"),
                               NameObject("/FirstChar"): NumberObject(65),
                               NameObject("/Widths"): ArrayObject([NumberObject(600), NumberObject(400)])})
    font = _read_font(simple)
    assert font.bold and not font.italic and font.width("AB") == pytest.approx(1.0)
    cmap = DecodedStreamObject()
    cmap.set_data(b"begincmap 1 beginbfchar <0005> <0041> endbfchar 1 beginbfrange <0010> <0011> <0061> "
                  b"endbfrange endcmap")
    composite = DictionaryObject({
        NameObject("/Subtype"): NameObject("/Type0"), NameObject("/BaseFont"): NameObject("/Times-Italic"),
        NameObject("/ToUnicode"): cmap,
        NameObject("/DescendantFonts"): ArrayObject([DictionaryObject({
            NameObject("/DW"): NumberObject(1000),
            NameObject("/W"): ArrayObject([NumberObject(5), ArrayObject([FloatObject(700)]),
                                           NumberObject(16), NumberObject(17), NumberObject(300)])})])})
    font = _read_font(composite)
    assert font.italic and font.width("Aab") == pytest.approx(1.3)


def test_ingest_check_prints_the_fidelity_report():
    result = run_cli(["ingest.py", "--check", str(CORPUS)], timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "upr-2018-china-stakeholder-submission.txt" in result.stdout
    assert "body:           28 numbered 1–28; gaps: none; duplicates: none" in result.stdout
    assert "missing or altered: 0" in result.stdout
    assert re.search(r"document\s+body ¶\s+numbered\s+gaps/dups", result.stdout)


def test_blocks_with_layout_survive_the_readers_process_boundary():
    from dataclasses import asdict

    from rag.model import PageLine

    block = Block("a 1", page=1, lines=[PageLine("a 1", 72.0, 700.0, 10.0, marks=[(2, 3)], right=90.0)],
                  height=842.0)
    again = Block(**asdict(block))
    assert again == block and again.lines == block.lines and again.lines[0].marks == [(2, 3)]


def test_flowing_pages_in_a_standard_font_keep_their_lines_and_lose_their_page_numbers(tmp_path):
    """A report laid out by a word processor in a standard PDF font (no width table: line ends are estimates).
    Each page opens with the same words at the same height: that is text, not a running head; the page numbers
    in the foot are layout."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

    path = tmp_path / "flow.pdf"

    def footer(canvas, doc):
        canvas.setFont("Helvetica", 9)
        canvas.drawCentredString(A4[0] / 2, 30, f"Page {doc.page}")

    story = []
    for n in range(1, 4):
        story += [Paragraph(f"{n}. The committee recommends measure {n}. " + "It helps the courts. " * 30,
                            getSampleStyleSheet()["Normal"]), PageBreak()]
    SimpleDocTemplate(str(path), pagesize=A4).build(story[:-1], onFirstPage=footer, onLaterPages=footer)
    blocks, built = built_pdf(path)
    assert [(p.label, p.page) for p in built.paragraphs] == [("1", 1), ("2", 2), ("3", 3)]
    assert all(p.text.endswith("It helps the courts.") and "Page" not in p.text for p in built.paragraphs)
    result = check("flow.pdf", blocks, built)
    assert result.layout == {"page number": 3} and result.missing == [] and result.added == []


def test_a_running_title_is_layout_on_later_pages_and_the_title_on_the_first(tmp_path):
    path = tmp_path / "title.pdf"
    head = [(400, 805, "Annual Report on Housing", 9, "Times-Italic")]
    draw_pdf(path, [
        [(72, 760, "Annual Report on Housing", 20, "Times-Bold"),
         (72, 700, "1. The council built 120 homes in 2023, against a plan of 150.", 10), (300, 30, "1", 9)],
        head + [(72, 760, "2. Rents rose by 4.5 per cent.", 10), (300, 30, "2", 9)],
        head + [(72, 760, "3. The waiting list fell to 2,310 households.", 10), (300, 30, "3", 9)]])
    blocks, built = built_pdf(path)
    assert built.title == "Annual Report on Housing" and built.symbol is None
    assert [(p.label, p.kind) for p in built.paragraphs] == [("title", HEADING), ("1", PARAGRAPH), ("2", PARAGRAPH),
                                                            ("3", PARAGRAPH)]
    assert "4.5 per cent" in built.paragraphs[2].text
    result = check("title.pdf", blocks, built)
    assert result.layout == {"running head/foot": 2, "page number": 3} and not result.missing and not result.added
