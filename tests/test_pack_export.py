"""The demo meeting pack as a reader gets it: marked and numbered pages, bookmarks, metadata, every name,
the redacted and the one-agency versions, and the audit entry of each disclosure.

One demo store and three packs are made once for the module (a few seconds); each test reads them.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
from pack_support import demo_store, fold, outline, page_texts

from conftest import TODAY
from matac_desk.storage import audit
from matac_desk.meeting import cohort, meetings
from matac_desk.domain import UserError
from matac_desk.pack import export_pack
from matac_desk.pack.meeting import collect_pack

SECTIONS = ["Cover", "Contents", "1. Agenda", "2. Cohort summary", "3. New partner alerts", "4. Nominations",
            "5. Perpetrator profiles", "6. Action tracker", "7. Proposed exits and cohort outcomes",
            "8. Case file: reviews, Clare's Law, orders, breaches, victim support"]


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pack")
    store = demo_store(folder)
    m = meetings.next_meeting(store, TODAY)
    out = {"store": store, "meeting": m, "folder": folder}
    for name, kw in (("full", {}), ("redacted", {"redact": True}), ("housing", {"agency": "housing"})):
        path = folder / f"{name}.pdf"
        out[name] = export_pack(store, path, m.id, recipient=f"Partner agencies ({name})", today=TODAY,
                                reference=f"MATAC-TEST-{name.upper()}", **kw)
        out[name + "_pages"] = page_texts(path)
    yield out
    store.close()


@pytest.mark.parametrize("version", ["full", "redacted", "housing"])
def test_every_page_is_marked_numbered_and_referenced(made, version):
    pages = made[version + "_pages"]
    assert len(pages) == made[version].pages > 10
    for i, text in enumerate(pages, 1):
        assert text.count("OFFICIAL-SENSITIVE") >= 2, f"page {i}: the marking is not at the top and the bottom"
        assert f"Page {i} of {len(pages)}" in text
        assert f"MATAC-TEST-{version.upper()}" in text
        assert f"Printed {TODAY.isoformat()}" in text


def test_sections_in_order_and_bookmarked(made):
    entries = outline(made["folder"] / "full.pdf")
    top = [title for level, title, _ in entries if level == 0]
    assert top == SECTIONS
    pages = made["full_pages"]
    starts = [page for level, _, page in entries if level == 0]
    assert starts == sorted(starts)
    for level, title, page in entries:
        if level == 0 and title != "Cover":
            assert fold(title) in fold(pages[page]), f"bookmark {title!r} points at the wrong page"


@pytest.mark.parametrize("version", ["full", "housing"])
def test_the_contents_page_gives_each_sections_subjects_and_agencys_page(made, version):
    entries = outline(made["folder"] / f"{version}.pdf")
    contents = fold(made[version + "_pages"][1])
    assert fold("Contents") in contents
    listed = [(t, p) for _, t, p in entries if t not in ("Cover", "Contents")]
    assert len(listed) > 10
    for title, page in listed:
        if title.isascii():
            assert fold(title) + str(page + 1) in contents, (title, page + 1)


def test_one_profile_bookmark_per_subject_on_its_own_page(made):
    store, m = made["store"], made["meeting"]
    subjects = {c.person_id: c.name for c in cohort.cohort(store, m.date)}
    entries = outline(made["folder"] / "full.pdf")
    profiles_at = [t for _, t, _ in entries].index("5. Perpetrator profiles")
    tracker_at = [t for _, t, _ in entries].index("6. Action tracker")
    marks = entries[profiles_at + 1:tracker_at]
    assert {t.rsplit("(", 1)[1].rstrip(")") for _, t, _ in marks} == set(subjects)
    pages = made["full_pages"]
    assert len({p for _, _, p in marks}) == len(marks), "two profiles start on the same page"
    for _, title, page in marks:
        assert fold(title.rsplit(" (", 1)[0]) in fold(pages[page])
        assert "Perpetrator profile as of" in pages[page]


def test_metadata(made):
    import pypdf
    m = made["meeting"]
    info = pypdf.PdfReader(str(made["folder"] / "full.pdf")).metadata
    assert info.title == f"MATAC meeting pack: meeting {m.number}, {m.date}"
    assert "OFFICIAL-SENSITIVE" in info.subject
    red = pypdf.PdfReader(str(made["folder"] / "redacted.pdf")).metadata
    assert "redacted" in red.subject


def test_every_subject_name_prints(made):
    store, m = made["store"], made["meeting"]
    text = fold("".join(made["full_pages"]))
    names = [c.name for c in cohort.cohort(store, m.date)]
    assert any(not n.isascii() for n in names)
    for name in names:
        assert fold(name) in text, name


def test_arabic_names_in_reading_order(made):
    text = fold("".join(made["full_pages"]))
    assert fold("عمران خان") in text
    assert fold("خان عمران") not in text


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")
def test_pdftotext_reads_arabic_in_order(made):
    text = subprocess.run(["pdftotext", str(made["folder"] / "full.pdf"), "-"], check=True, capture_output=True,
                          text=True).stdout
    assert fold("عمران خان") in fold(text)
    assert fold("خان عمران") not in fold(text)


@pytest.mark.skipif(shutil.which("qpdf") is None, reason="qpdf is not installed")
@pytest.mark.parametrize("name", ["full.pdf"])
def test_qpdf_finds_nothing_wrong(made, name):
    r = subprocess.run(["qpdf", "--check", str(made["folder"] / name)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert "No syntax or stream encoding errors found" in r.stdout


def _victim_facts(store, subjects: set[str]) -> tuple[set[str], set[str], set[str]]:
    conn = store.conn
    victims = {v for (v,) in conn.execute("SELECT DISTINCT victim_id FROM involvements")}
    victims |= {x for a, b in conn.execute(
        "SELECT person_a_id, person_b_id FROM links WHERE relationship_kind IN ('partner', 'ex-partner')")
        for x in (a, b)}
    subject_dobs = {d for (d,) in conn.execute(
        "SELECT dob FROM persons WHERE id IN (SELECT value FROM json_each(?))", [__import__("json").dumps(
            sorted(subjects))])}
    dobs = {d for pid, d in conn.execute("SELECT id, dob FROM persons WHERE dob IS NOT NULL")
            if pid in victims and pid not in subjects and d not in subject_dobs}
    addresses = {a for (a,) in conn.execute("SELECT DISTINCT address FROM incidents WHERE address IS NOT NULL")}
    postcodes = {p for (p,) in conn.execute("SELECT DISTINCT postcode FROM incidents WHERE postcode IS NOT NULL")}
    return dobs, addresses, postcodes


def test_redacted_pack_has_no_victim_address_postcode_or_dob(made):
    store, m = made["store"], made["meeting"]
    subjects = {c.person_id for c in cohort.cohort(store, m.date)}
    dobs, addresses, postcodes = _victim_facts(store, subjects)
    full, redacted = fold("".join(made["full_pages"])), fold("".join(made["redacted_pages"]))
    # the unredacted pack does print them, so the search below can find them
    assert sum(fold(d) in full for d in dobs) > 10
    assert sum(fold(a) in full for a in addresses) > 10
    assert sum(fold(p) in full for p in postcodes) > 10
    assert [d for d in dobs if d in redacted] == []
    assert [a for a in addresses if fold(a) in redacted] == []
    assert [p for p in postcodes if fold(p) in redacted] == []
    assert "REDACTED FOR PARTNER AGENCIES" in made["redacted_pages"][0]
    assert "REDACTED" not in made["full_pages"][0]
    # names stay
    partner_names = [np.partner_name for np in collect_pack(store, m.id).agenda.new_partners]
    assert partner_names and all(fold(n) in redacted for n in partner_names)


def test_agency_version_lists_only_that_agencys_actions(made):
    from matac_desk.services.demo import ACTIONS
    text = fold("".join(made["housing_pages"]))
    full = fold("".join(made["full_pages"]))
    housing = {what for agency, what in ACTIONS if agency == "Housing"}
    others = {what for agency, what in ACTIONS if agency != "Housing"} - housing
    assert any(fold(w) in full for w in others)
    assert [w for w in others if fold(w) in text] == []
    assert any(fold(w) in text for w in housing)
    assert "only those of Housing" in made["housing_pages"][0].replace("\n", " ")


def test_unknown_agency_is_refused(made):
    with pytest.raises(UserError, match="no agency 'Fire service'"):
        collect_pack(made["store"], made["meeting"].id, agency="Fire service")


def test_each_export_is_audited_with_its_recipient(made):
    rows = audit.entries(made["store"].conn, action="disclosure.pack")
    got = {r["recipient"]: __import__("json").loads(r["detail"]) for r in rows}
    for name in ("full", "redacted", "housing"):
        detail = got[f"Partner agencies ({name})"]
        assert detail["reference"] == f"MATAC-TEST-{name.upper()}"
        assert detail["pages"] == made[name].pages
        assert detail["redacted"] is (name == "redacted")
    assert all(r["reason"] == f"MATAC meeting {made['meeting'].number} on {made['meeting'].date}" for r in rows)
