"""Plain text reading (rag/ingest/readers/text.py): encodings told apart, or refused with a message."""
from __future__ import annotations

import pytest

from rag.config import Settings
from rag.ingest.readers import ReadError
from rag.ingest.readers.safe import read_file


SETTINGS = Settings()


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
