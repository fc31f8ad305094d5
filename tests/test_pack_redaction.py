"""The redacted pack withholds a victim's address, postcode and date of birth wherever they are written.

A victim's stored address, postcode and date of birth are planted in every free-text field the pack prints
(minutes, an action and its update, order conditions, a tactic's notes, a Clare's Law note, a referral's
reason), in the ways people write them. The full pack prints them; the redacted and the one-agency redacted
packs print "[withheld]" instead, in extracted text and in the raw file, list the count per section, put
"REDACTED FOR PARTNER AGENCIES" in every page's header, and print no year of birth in any picture.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import zlib

import pytest
from pack_support import demo_store, fold, page_texts

from conftest import TODAY
from matac_desk.meeting import actions, cohort, meetings
from matac_desk.analysis import nominations
from matac_desk.pack import export_pack, withheld_pack
from matac_desk.pack.redaction import WITHHELD, Redactor, date_patterns


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("redaction")
    store = demo_store(folder, seed=3, incidents=200)
    m = meetings.next_meeting(store, TODAY)
    subject = sorted(c.person_id for c in cohort.cohort(store, m.date))[1]
    victim, address, postcode, dob = store.conn.execute(
        "SELECT v.victim_id, i.address, i.postcode, p.dob FROM involvements v JOIN incidents i ON i.ref = v.incident_ref"
        " JOIN persons p ON p.id = v.victim_id WHERE v.perpetrator_id = ? AND i.address IS NOT NULL"
        " AND i.postcode IS NOT NULL AND p.dob IS NOT NULL ORDER BY i.date DESC LIMIT 1", [subject]).fetchone()
    d = dt.date.fromisoformat(dob)
    spoken = f"{d.day} {d:%B} {d.year}"
    slashed = f"{d:%d/%m/%Y}"
    first_line = address.split(",")[0]
    prev = meetings.previous_meeting(store, m.date)
    texts = {
        "Minutes": f"Victim (dob {slashed}) now at {address}; police to visit.",
        "Actions": f"Target-harden {first_line}",
        "Action updates": f"Fitted locks at {postcode} on request (born {spoken})",
        "Order conditions": f"Not to enter {first_line} or the area of {postcode}",
        "Tactics' notes": f"Victim's new address {address}, dob {dob}",
        "Clare's Law notes": f"Told at {first_line} {postcode}",
        "Referral reasons": f"Seen outside {address} twice; a second address ZZ9 4QX",
        "Case file": f"Sanctuary scheme fitted at {first_line}, {postcode}; she was born {slashed}",
    }
    meetings.add_minutes(store, prev.id, subject, texts["Minutes"])
    aid = actions.add_action(store, subject, "Housing", texts["Actions"], owner="J Bloggs", due=m.date,
                             meeting_id=prev.id)
    actions.update_action(store, aid, status="in progress", note=texts["Action updates"], on=TODAY)
    cohort.add_order(store, subject, "restraining order", TODAY - dt.timedelta(days=10),
                     protected_person_id=victim, conditions=texts["Order conditions"])
    cohort.agree_tactic(store, subject, 1, on=TODAY - dt.timedelta(days=5), notes=texts["Tactics' notes"])
    cohort.record_disclosure(store, subject, "right to know", TODAY - dt.timedelta(days=3), disclosed_to_id=victim,
                             decision="disclosed", notes=texts["Clare's Law notes"])
    nominations.refer(store, subject, "Housing", "A Officer", texts["Referral reasons"], date=TODAY)
    from matac_desk.meeting import plans
    plans.set_pillar(store, subject, "victim_safety", texts["Case file"], "IDVA service")
    out = {"store": store, "meeting": m, "folder": folder,
           "facts": {"address": address, "first line": first_line, "postcode": postcode, "dob": dob,
                     "slashed": slashed, "spoken": spoken, "planted postcode": "ZZ9 4QX"}}
    for name, kw in (("full", {}), ("redacted", {"redact": True}), ("housing", {"redact": True, "agency": "Housing"})):
        path = folder / f"{name}.pdf"
        out[name] = export_pack(store, path, m.id, recipient=name, today=TODAY, reference=f"REF-{name}", **kw)
        out[name + "_text"] = page_texts(path)
    yield out
    store.close()


def _raw(path) -> str:
    """Every stream of the file, inflated, and the rest as it is: what a hex editor or a PDF tool finds."""
    data = path.read_bytes()
    parts = [data]
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            parts.append(zlib.decompress(m.group(1)))
        except zlib.error:
            pass
    return b"\n".join(parts).decode("latin-1")


def test_the_full_pack_prints_every_planted_fact(planted):
    text = fold("".join(planted["full_text"]))
    for what, fact in planted["facts"].items():
        assert fold(fact) in text, what


@pytest.mark.parametrize("version", ["redacted", "housing"])
def test_the_redacted_packs_print_none_of_them(planted, version):
    text = fold("".join(planted[version + "_text"]))
    raw = _raw(planted["folder"] / f"{version}.pdf")
    for what, fact in planted["facts"].items():
        assert fold(fact) not in text, what
        assert fact not in raw, what
    assert fold(WITHHELD) in text
    if shutil.which("pdftotext"):
        out = subprocess.run(["pdftotext", str(planted["folder"] / f"{version}.pdf"), "-"], capture_output=True,
                             text=True, check=True).stdout
        for what, fact in planted["facts"].items():
            assert fold(fact) not in fold(out), what


def test_the_redacted_pack_counts_what_it_withheld_per_section(planted):
    counts = planted["redacted"].withheld
    for section in ("Minutes", "Actions", "Action updates", "Order conditions", "Tactics' notes",
                    "Clare's Law notes", "Referral reasons", "Case file"):
        assert counts.get(section, 0) >= 1, section
    assert withheld_pack(planted["store"], planted["meeting"].id) == counts   # the list shown before printing
    assert planted["full"].withheld is None
    assert planted["redacted"].withheld_lines()[0].endswith("withheld")


@pytest.mark.parametrize("version", ["redacted", "housing"])
def test_every_page_header_says_redacted_and_no_picture_prints_a_year_of_birth(planted, version):
    pages = planted[version + "_text"]
    assert all("REDACTED FOR PARTNER AGENCIES" in p for p in pages)
    assert not any(re.search(r"b\. (19|20)\d\d", p) for p in pages)
    assert not any("REDACTED" in p for p in planted["full_text"])
    assert any(re.search(r"b\. (19|20)\d\d", p) for p in planted["full_text"])


@pytest.mark.parametrize("written", ["1977-03-29", "29/03/1977", "29/3/77", "29-03-1977", "29.03.1977",
                                     "29 March 1977", "29th Mar 1977", "March 29, 1977", "29 mar. 1977"])
def test_a_date_of_birth_in_any_usual_form(written):
    r = Redactor(dobs=("1977-03-29",))
    assert r.text(f"dob {written} noted", "Minutes") == f"dob {WITHHELD} noted"
    assert r.counts["Minutes"] == 1


@pytest.mark.parametrize("text", ["1977-03-30", "29/03/1978", "Score 29, 3 incidents", "NM0000123",
                                  "CE-2026-0000244"])
def test_other_dates_and_ids_stay(text):
    assert Redactor(dobs=("1977-03-29",)).text(text, "x") == text


def test_date_patterns_ignore_a_bad_date():
    assert date_patterns("") == []


def test_new_partners_dates_of_birth_are_withheld_too(planted):
    from matac_desk.pack import pack_redactor
    from matac_desk.pack.meeting import collect_pack
    store = planted["store"]
    data = collect_pack(store, planted["meeting"].id)
    born = [(a.partner_name, a.partner_dob) for a in data.agenda.new_partners if a.partner_dob]
    assert born, "the demo has new partners with a date of birth"
    red = pack_redactor(store, data)
    for name, dob in born:
        d = dt.date.fromisoformat(dob)
        assert red.text(f"{name} (born {d:%d/%m/%Y})", "Minutes") == f"{name} (born {WITHHELD})"
