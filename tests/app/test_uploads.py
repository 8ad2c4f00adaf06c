"""Files a user hands in (rag/app/uploads.py): safe names, the server-side checks, and staging into a real store."""
from __future__ import annotations

import pytest

from conftest import settings_for
from rag.app import uploads
from rag.store import Store


@pytest.mark.parametrize("name, safe", [
    ("../../etc/passwd.md", "passwd.md"),
    ("..\\..\\windows\\x.TXT", "x.txt"),
    ("/abs/path/report.pdf", "report.pdf"),
    ("..", "upload"),
    (".hidden.md", "hidden.md"),
    ("a b;rm -rf $(x).docx", "a-b-rm-rf-x.docx"),
    ("报告 2018.pdf", "报告-2018.pdf"),
    ("evil\x00.md", "evil.md"),
    ("ｆｕｌｌ／..／name.md", "name.md"),
])
def test_safe_filename(name, safe):
    assert uploads.safe_filename(name) == safe
    assert "/" not in uploads.safe_filename(name) and not uploads.safe_filename(name).startswith(".")


def test_check_upload_refuses_types_and_sizes():
    assert uploads.check_upload("Report.PDF", 1000, 25) == "Report.pdf"
    for bad in ("x.exe", "x.svg", "x.html.exe", "noext"):
        with pytest.raises(uploads.UploadRefused):
            uploads.check_upload(bad, 1000, 25)
    with pytest.raises(uploads.UploadRefused, match="limit"):
        uploads.check_upload("big.pdf", 26 * 1024 * 1024, 25)
    with pytest.raises(uploads.UploadRefused, match="empty"):
        uploads.check_upload("empty.md", 0, 25)


def test_an_upload_is_staged_ingested_and_kept_only_once_added(tmp_path):
    settings = settings_for(tmp_path / "store")
    received = tmp_path / "tmp-upload-1234"
    received.write_text("# Harbour\n\n1. The harbour board recommends dredging the channel twice a year.\n",
                        encoding="utf-8")
    with Store(settings, write=True) as store:
        seen = []
        report = uploads.add_upload(store, received, "../../Harbour Review.MD", settings.uploads, 25, seen.append)
        assert report.status == "added" and report.paragraphs >= 1 and sum(seen) >= 1
        kept = settings.uploads / "Harbour-Review.md"
        assert kept.read_bytes() == received.read_bytes()
        assert not list(settings.uploads.glob(".incoming/*"))  # the staging folder is gone
        document = store.get_document(report.doc_id)
        assert document.sources == ["uploads/Harbour-Review.md"]

        refused = uploads.add_upload(store, received, "payload.exe", settings.uploads, 25)
        assert refused.status == "failed" and "not accepted" in refused.reason and refused.hint
        assert sorted(p.name for p in settings.uploads.iterdir()) == [".incoming", "Harbour-Review.md"]
        missing = uploads.add_upload(store, tmp_path / "gone.md", "gone.md", settings.uploads, 25)
        assert missing.status == "failed" and "could not be read" in missing.reason

        store.delete_document(report.doc_id)
        uploads.remove_uploads(settings.uploads, document)
        assert not kept.exists()

