"""The pack and profile commands: a recipient is required (a disclosure), the meeting must be named,
bad input is one line and exit 1, and a profile comes out marked, bookmarked and redacted on request."""

from __future__ import annotations

import pytest
from pack_support import demo_store, fold, outline, page_texts

from conftest import PASSPHRASE, TODAY
from matac_desk.storage import audit
from matac_desk.meeting import cohort, meetings
from matac_desk.cli import main


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    store = demo_store(folder, seed=3, incidents=200)
    m = meetings.next_meeting(store, TODAY)
    subjects = sorted(c.person_id for c in cohort.cohort(store, m.date))
    store.close()
    return folder / "demo.mdesk", m, subjects


@pytest.fixture(autouse=True)
def _passphrase(monkeypatch):
    monkeypatch.setenv("MATAC_DESK_PASSPHRASE", PASSPHRASE)


@pytest.mark.parametrize("args, message", [
    (["pack", "{store}", "--next", "-o", "{out}"], "--recipient is required: a meeting pack is a disclosure"),
    (["profile", "{store}", "{pid}", "-o", "{out}"], "--recipient is required: a profile is a disclosure"),
    (["pack", "{store}", "-o", "{out}", "--recipient", "Probation"], "say which meeting: --meeting DATE or --next"),
    (["pack", "{store}", "--meeting", "2020-01-01", "-o", "{out}", "--recipient", "Probation"],
     "no meeting on 2020-01-01"),
    (["profile", "{store}", "NM9999999", "-o", "{out}", "--recipient", "Probation"], "no person with id 'NM9999999'"),
    (["pack", "{store}", "--meeting", "{date}", "-o", "{out}", "--recipient", "Probation", "--agency", "Fire"],
     "no agency 'Fire'"),
])
def test_user_errors(small, tmp_path, capsys, args, message):
    store, m, subjects = small
    argv = [a.format(store=store, out=tmp_path / "x.pdf", pid=subjects[0], date=m.date) for a in args]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_profile_command(small, tmp_path, capsys):
    store, _, subjects = small
    out = tmp_path / "profile.pdf"
    assert main(["profile", str(store), subjects[0], "-o", str(out), "--recipient", "Housing", "--redact-victims",
                 "--as-of", TODAY.isoformat()]) == 0
    said = capsys.readouterr().out
    assert "redacted for partner agencies" in said and "Housing" in said
    assert "Withheld from free text" in said
    pages = page_texts(out)
    assert all(p.count("OFFICIAL-SENSITIVE") >= 2 for p in pages)
    assert "REDACTED FOR PARTNER AGENCIES" in pages[0]
    assert [t for _, t, _ in outline(out)][0].endswith(f"({subjects[0]})")
    from matac_desk.storage.store import Store
    s = Store.open(store, PASSPHRASE)
    try:
        rows = audit.entries(s.conn, action="disclosure.profile")
        assert rows[-1]["recipient"] == "Housing"
        dob = s.scalar("SELECT dob FROM persons WHERE id = ?", [subjects[0]])
    finally:
        s.close()
    assert fold(dob) in fold("".join(pages))   # the subject's own date of birth stays


def test_pack_command(small, tmp_path, capsys):
    store, m, _ = small
    out = tmp_path / "pack.pdf"
    assert main(["pack", str(store), "--meeting", m.date, "-o", str(out), "--recipient", "Probation"]) == 0
    said = capsys.readouterr().out
    assert m.label in said and "pages" in said
    assert out.read_bytes()[:5] == b"%PDF-"
