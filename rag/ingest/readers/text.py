"""Plain text: decode whatever encoding it came in, split into pages (form feeds) as raw Blocks.

Decoding, in order: a byte-order mark; UTF-16 without one (NULs in every other byte); UTF-8; then
charset-normalizer's judgement (GBK/GB18030, Big5, Shift-JIS, EUC-KR, cp1251, ...), checked against what the text
must look like in that script. Between the Latin code pages a detector cannot tell apart on a short text
(cp1252 vs cp1250 vs cp1257 ...), Western European (cp1252, a superset of Latin-1's printable characters) wins
whenever it reads cleanly. A file no encoding reads sensibly is refused with a message, never guessed at.
"""
from __future__ import annotations

import codecs
import re
import unicodedata

from rag.model import Block
from rag.ingest.readers import ReadError

UNKNOWN_ENCODING = ("the file's character encoding could not be recognised (its bytes do not read as text in "
                    "UTF-8, UTF-16 or any common legacy encoding)")
UNKNOWN_HINT = "open it in a text editor and save it as UTF-8 (Save As > Encoding: UTF-8), then add it again"

# Encoding families whose text has a script of its own: a candidate whose decoding lacks it is a misreading
# (GBK bytes read as Korean give Hanja only, never Hangul; Japanese text nearly always has kana).
KOREAN = ("cp949", "euc_kr", "johab", "iso2022_kr", "uhc")
JAPANESE = ("cp932", "shift_jis", "shift_jis_2004", "shift_jisx0213", "euc_jp", "euc_jis_2004", "euc_jisx0213",
            "iso2022_jp")
# Code pages a modern document is unlikely to be in (DOS, EBCDIC, HP; mac_* too): among candidates the detector
# scores alike, a Windows or ISO code page is preferred to these.
RARE = {"cp037", "cp273", "cp424", "cp437", "cp500", "cp720", "cp737", "cp775", "cp850", "cp852", "cp855", "cp856",
        "cp857", "cp858", "cp860", "cp861", "cp862", "cp863", "cp864", "cp865", "cp866", "cp869", "cp875", "cp1006",
        "cp1026", "cp1125", "cp1140", "hp_roman8"}
WESTERN = {"cp1252", "latin_1", "iso8859_1", "iso8859_15"}
# Below this many non-ASCII bytes, a tie between readings in different scripts is refused, not guessed.
SHORT_NON_ASCII = 64
# Punctuation cp1252 has in 0x80-0xBF that may sit inside a word (minister’s, 2017–2021, Jean·Luc).
IN_WORD_PUNCTUATION = set("’‘–—·")


def decode(data: bytes) -> str:
    """Bytes -> str, or a ReadError saying why not. Never silently drops or replaces a character."""
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                     (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return checked(data.decode(enc))
            except UnicodeDecodeError:
                raise ReadError(f"the file starts with a {enc.upper()} byte-order mark but is not valid {enc.upper()}",
                                UNKNOWN_HINT) from None
    sample = data[:4000]
    if sample and sample.count(b"\x00") > len(sample) // 4:
        # UTF-16 without a BOM: NULs sit in the high bytes of ASCII characters
        even_nuls = sample[0::2].count(0)
        odd_nuls = sample[1::2].count(0)
        try:
            return checked(data.decode("utf-16-be" if even_nuls > odd_nuls else "utf-16-le"))
        except UnicodeDecodeError:
            pass
    if control_share(sample) > 0.02:
        raise not_text()
    try:
        return checked(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    text = detect(data)
    if text is None:
        raise ReadError(UNKNOWN_ENCODING, UNKNOWN_HINT)
    return checked(text)


def detect(data: bytes) -> str | None:
    """A legacy (non-Unicode) encoding: charset-normalizer's candidates, sanity-checked. None: none fits."""
    from charset_normalizer import from_bytes

    western = cp1252(data)
    matches = [m for m in from_bytes(data) if plausible_for(m.encoding, str(m))]
    if western is None:  # not Western European text, whatever the detector's language model thinks
        matches = [m for m in matches if m.encoding not in WESTERN]
    if not matches:
        return western  # nothing else reads it; cp1252 only if it reads as Western European text
    least = min(m.chaos for m in matches)
    tied = [m for m in matches if m.chaos <= least + 0.05]
    common = [m for m in tied if m.encoding not in RARE and not m.encoding.startswith("mac_")] or tied
    best = common[0]
    best_text = str(best)
    readings = {str(m): m.encoding for m in common}
    if western is not None and (latin_script(best_text) or any(latin_script(t) for t in readings)):
        # Only the Latin code page is in doubt: prefer Western European unless the detector is clearly surer
        # of its language in another one (Turkish in cp1254, for instance).
        rival = next((m for m in matches if m.encoding == "cp1252"), None)
        if not latin_script(best_text) or rival is None or rival.coherence >= best.coherence - 0.05:
            return western
        return best_text
    others = {t: e for t, e in readings.items() if not latin_script(t)}
    if len(others) > 1 and sum(1 for b in data if b > 0x7F) < SHORT_NON_ASCII:
        names = sorted({display_name(e) for e in others.values()})[:3]
        names = ", ".join(names[:-1]) + f" or {names[-1]}"
        raise ReadError(f"the file's character encoding could not be told: it has too few non-English characters to "
                        f"say whether it is {names}, and each gives different text", UNKNOWN_HINT)
    return best_text


def plausible_for(encoding: str, text: str) -> bool:
    enc = encoding.lower()
    if enc.startswith("utf_16") or enc.startswith("utf_32"):
        return False  # real UTF-16/32 was recognised above (BOM or NUL pattern); this is a CJK misreading
    if enc in KOREAN:  # Hangul, with few Hanja (Chinese read as Korean gives them half and half)
        hangul = sum(1 for ch in text if "\uac00" <= ch <= "\ud7a3")
        hanja = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
        return hangul > 0 and hanja <= 0.2 * (hangul + hanja)
    if enc in JAPANESE:  # full-width kana, and more of them than half-width ones
        kana = sum(1 for ch in text if "\u3040" <= ch <= "\u30ff")
        half = sum(1 for ch in text if "\uff66" <= ch <= "\uff9f")
        return kana > 0 and half < kana
    return True


def cp1252(data: bytes) -> str | None:
    """The bytes as Western European text (cp1252 / Latin-1), or None if they do not read as such: an undefined
    byte, a symbol in the middle of a word (Polish 'Rz¹d' is cp1250 read wrongly), or mostly words of non-ASCII letters
    (Cyrillic, Greek or Arabic read wrongly)."""
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    words = re.findall(r"[^\W\d_]{2,}", text)
    foreign = sum(1 for w in words if all(ord(ch) > 0x7F for ch in w))  # Latin words mix in ASCII letters
    if words and foreign > 0.3 * len(words):
        return None
    for i in range(1, len(text) - 1):
        ch = text[i]
        if ord(ch) > 0x7F and not ch.isalpha() and ch not in IN_WORD_PUNCTUATION \
                and text[i - 1].isalpha() and text[i + 1].isalpha():
            return None
    return text


def display_name(encoding: str) -> str:
    names = {"gb18030": "GBK", "gbk": "GBK", "gb2312": "GBK", "big5": "Big5", "big5hkscs": "Big5", "cp932": "Shift-JIS",
             "shift_jis": "Shift-JIS", "cp949": "EUC-KR", "euc_kr": "EUC-KR", "johab": "Johab"}
    return names.get(encoding.lower(), encoding.upper().replace("_", "-"))


def latin_script(text: str) -> bool:
    return all(ord(ch) < 0x80 or unicodedata.name(ch, "").startswith("LATIN") for ch in text if ch.isalpha())


def control_share(sample: bytes) -> float:
    """Share of C0 control bytes other than whitespace: text in any ASCII-compatible encoding has none."""
    if not sample:
        return 0.0
    return sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27)) / len(sample)


def not_text() -> ReadError:
    return ReadError("the file is not readable text (it looks like binary data)",
                     "check the file type; export the document as PDF, DOCX or UTF-8 text")


def checked(text: str) -> str:
    if not looks_like_text(text):
        raise not_text()
    return text


def looks_like_text(text: str) -> bool:
    sample = text[:20000]
    if not sample:
        return True
    bad = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\n\r\t\f") or 0x7F <= ord(ch) < 0xA0 or ch == "\ufffd")
    return bad / len(sample) < 0.02


def read_text(data: bytes) -> list[Block]:
    text = decode(data).replace("\r\n", "\n").replace("\r", "\n")
    pages = text.split("\f")
    return [Block(text=page, page=(i + 1) if len(pages) > 1 else None, style="raw") for i, page in enumerate(pages)]
