"""A failed or cancelled export leaves nothing behind: no file, no temporary file, no audit entry,
and an older file of the same name untouched."""

from __future__ import annotations

import os

import pytest
from pack_support import demo_store

from conftest import TODAY
from matac_desk.storage import audit
from matac_desk.meeting import cohort, meetings
from matac_desk.domain import Cancelled, UserError
from matac_desk.pack import export_pack, export_profile
from matac_desk.pack.meeting import MeetingPackDocument


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    store = demo_store(tmp_path_factory.mktemp("atomic"), seed=3, incidents=200)
    m = meetings.next_meeting(store, TODAY)
    yield store, m, sorted(c.person_id for c in cohort.cohort(store, m.date))
    store.close()


def _disclosures(store) -> int:
    return len(audit.entries(store.conn, action="disclosure.*"))


def _boom(self, w):
    raise RuntimeError("the disk filled up half way")


@pytest.mark.parametrize("old", [None, b"an older pack"])
def test_failure_mid_render_leaves_nothing(small, tmp_path, monkeypatch, old):
    store, m, _ = small
    target = tmp_path / "pack.pdf"
    if old is not None:
        target.write_bytes(old)
    before = _disclosures(store)
    monkeypatch.setattr(MeetingPackDocument, "tracker_section", _boom)
    with pytest.raises(RuntimeError):
        export_pack(store, target, m.id, recipient="Probation", today=TODAY)
    assert sorted(p.name for p in tmp_path.iterdir()) == ([] if old is None else ["pack.pdf"])
    if old is not None:
        assert target.read_bytes() == old
    assert _disclosures(store) == before


@pytest.mark.parametrize("after_calls", [1, 3, 8])
def test_cancelled_export_leaves_nothing(small, tmp_path, after_calls):
    store, m, _ = small
    calls = []

    def cancelled():
        calls.append(1)
        return len(calls) > after_calls

    before = _disclosures(store)
    with pytest.raises(Cancelled):
        export_pack(store, tmp_path / "pack.pdf", m.id, recipient="Probation", today=TODAY, cancelled=cancelled)
    assert list(tmp_path.iterdir()) == []
    assert _disclosures(store) == before


def test_refused_audit_leaves_no_file(small, tmp_path):
    store, _, subjects = small
    name = store.conn.execute("SELECT forename || ' ' || surname FROM persons WHERE id = ?", [subjects[0]]).fetchone()[0]
    with pytest.raises(UserError):
        # a recipient naming the person the profile is about is refused by the audit log
        export_profile(store, tmp_path / "p.pdf", subjects[0], recipient=f"{name} himself", today=TODAY)
    assert list(tmp_path.iterdir()) == []


def test_missing_folder_is_a_user_error(small, tmp_path):
    store, _, subjects = small
    with pytest.raises(UserError, match="does not exist"):
        export_profile(store, tmp_path / "nowhere" / "p.pdf", subjects[0], recipient="Probation", today=TODAY)


def test_success_writes_the_file_and_one_entry(small, tmp_path):
    store, _, subjects = small
    before = _disclosures(store)
    progress = []
    e = export_profile(store, tmp_path / "p.pdf", subjects[0], recipient="Probation", today=TODAY,
                       progress=lambda d, t, msg: progress.append((d, t)))
    assert [p.name for p in tmp_path.iterdir()] == ["p.pdf"]
    assert (tmp_path / "p.pdf").read_bytes()[:5] == b"%PDF-"
    assert e.pages >= 2 and e.size == (tmp_path / "p.pdf").stat().st_size
    assert _disclosures(store) == before + 1
    assert progress and progress[-1][0] == progress[-1][1]


def test_next_export_removes_what_killed_exports_left(small, tmp_path):
    """A SIGKILL runs no clean-up (test_faults_kill): the next export into the folder removes the leftovers
    of dead writers, but not the file of one still writing, nor files that are not its own."""
    import fcntl
    store, _, subjects = small
    dead = tmp_path / ".pack.pdf.k3x_9qzt.partial"
    dead.write_bytes(b"%PDF-1.4 half a pack")
    other = [tmp_path / "notes.partial", tmp_path / ".notes.partial"]
    for p in other:
        p.write_text("not ours")
    alive = tmp_path / ".p.pdf.w0rk1ng_.partial"
    with open(alive, "wb") as writer:
        fcntl.flock(writer.fileno(), fcntl.LOCK_EX)
        export_profile(store, tmp_path / "p.pdf", subjects[0], recipient="Probation", today=TODAY)
        assert alive.exists()
    assert not dead.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([alive.name, "p.pdf"] + [p.name for p in other])


def test_the_disclosure_is_on_disk_before_the_rename(small, tmp_path, monkeypatch):
    """Its entry is committed with synchronous=FULL, so a power cut cannot keep the PDF and lose the entry."""
    store, _, subjects = small
    said = []
    store.conn.set_trace_callback(said.append)
    renamed = []
    real_replace = os.replace
    monkeypatch.setattr(os, "replace", lambda a, b: (renamed.append(len(said)) if str(b).endswith(".pdf") else None,
                                                     real_replace(a, b)))  # the PDF's rename (not an anchor file's)
    try:
        export_profile(store, tmp_path / "p.pdf", subjects[0], recipient="Probation", today=TODAY)
    finally:
        store.conn.set_trace_callback(None)
    insert = next(i for i, sql in enumerate(said) if sql.startswith("INSERT INTO audit_log"))
    full = max(i for i, sql in enumerate(said[:insert]) if sql.startswith("PRAGMA synchronous"))
    assert said[full] == "PRAGMA synchronous = FULL"
    commit = next(i for i in range(insert, len(said)) if said[i] == "COMMIT")
    assert not any(s.startswith("PRAGMA synchronous") for s in said[full + 1:commit])
    assert renamed == [len(said)] and said[-1].startswith("PRAGMA synchronous = ")
    assert store.scalar("PRAGMA synchronous") == 1  # NORMAL again for everything else


def test_action_list_export_is_audited_before_it_appears(small, tmp_path, monkeypatch):
    """The CSV exports follow the same order: a failed audit leaves no file; a read-only store exports, audited."""
    from matac_desk.meeting import actions
    from matac_desk.storage.store import Store
    from conftest import PASSPHRASE
    store, _, _ = small
    exported = lambda s: len(audit.entries(s.conn, action="disclosure.actions"))  # noqa: E731
    ro = Store.open(store.path, PASSPHRASE, read_only=True)
    try:
        before = exported(ro)
        actions.export_actions_csv(ro, tmp_path / "all.csv", recipient="Housing")
        assert exported(ro) == before + 1 and [p.name for p in tmp_path.iterdir()] == ["all.csv"]

        def refused(*a, **k):
            raise UserError("the audit log refused it")
        monkeypatch.setattr(ro, "audit", refused)
        with pytest.raises(UserError, match="refused"):
            actions.export_actions_csv(ro, tmp_path / "again.csv", recipient="Housing")
        assert [p.name for p in tmp_path.iterdir()] == ["all.csv"]
    finally:
        ro.close()
