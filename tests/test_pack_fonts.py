"""Every letter of a name comes out of the PDF as it went in: Urdu, Arabic, Polish, Irish, Icelandic and Turkish
names are drawn with glyphs that map back to their letters (no empty boxes, no private-use codes), and Latin text
picks up no ligatures ("ﬆ", "ﬁ") that would break search and copying."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess

import pytest
from pack_support import demo_store, fold, page_texts

from conftest import TODAY
from matac_desk.domain import name_key
from matac_desk.meeting import cohort, meetings
from matac_desk.pack import export_profile
from matac_desk.pack.styles import FONT, FONT_ARABIC, FONT_BOLD, label_runs, register_fonts

NAMES = {
    "Urdu": ("نوید", "اختر ہے"),
    "Arabic": ("فاطمة", "الزهراء"),
    "Polish": ("Łucja", "Wróblewska-Żak"),
    "Irish": ("Siobhán", "Ní Bhriain"),
    "Icelandic": ("Þórunn", "Sigurðardóttir"),
    "Turkish": ("Şükrü", "Öztürkoğlu"),
}


@pytest.fixture(scope="module")
def profile(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fonts")
    store = demo_store(folder, seed=3, incidents=200)
    m = meetings.next_meeting(store, TODAY)
    subject = sorted(c.person_id for c in cohort.cohort(store, m.date))[2]
    victims = [v for (v,) in store.conn.execute(
        "SELECT DISTINCT victim_id FROM involvements WHERE perpetrator_id = ? ORDER BY victim_id", [subject])]
    assert len(victims) >= 2
    named = {subject: NAMES["Polish"]}
    people = [v for v in victims] + [p for (p,) in store.conn.execute(
        "SELECT id FROM persons WHERE id NOT IN (SELECT value FROM json_each(?)) ORDER BY id LIMIT 6",
        [__import__("json").dumps(victims + [subject])])]
    for pid, lang in zip(people, ["Urdu", "Arabic", "Irish", "Icelandic", "Turkish"]):
        named[pid] = NAMES[lang]
    with store.transaction():
        for pid, (fn, sn) in named.items():
            store.conn.execute("UPDATE persons SET forename = ?, surname = ?, name_key = ? WHERE id = ?",
                               [fn, sn, name_key(fn, sn), pid])
    # a note with words that HarfBuzz would join into ligatures in DejaVu ("st", "fi", "ffl")
    cohort.agree_tactic(store, subject, 1, on=TODAY - dt.timedelta(days=2),
                        notes="first staff office affluent waffle")
    path = folder / "profile.pdf"
    export_profile(store, path, subject, recipient="test", as_of=TODAY, today=TODAY)
    yield path, named, subject
    store.close()


def _pdftotext(path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")
def test_every_name_round_trips_through_pdftotext(profile):
    path, named, subject = profile
    text = fold(_pdftotext(path))
    for fn, sn in named.values():
        for word in f"{fn} {sn}".split():
            assert fold(word) in text, word


def test_every_name_round_trips_through_pypdf(profile):
    path, named, _ = profile
    text = fold("".join(page_texts(path)))
    latin = [w for fn, sn in named.values() for w in f"{fn} {sn}".split() if w.isascii() or not re.search(
        r"[\u0600-\u06ff]", w)]
    for word in latin:
        assert fold(word) in text, word


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")
def test_no_ligature_no_private_use_code_and_no_missing_glyph(profile):
    path, _, _ = profile
    raw = _pdftotext(path)
    assert not re.search(r"[\ufb00-\ufb06]", raw), "a Latin ligature"
    assert not re.search(r"[\ue000-\uf8ff]", raw), "a glyph with no character behind it"
    assert "first staff office affluent waffle" in raw.replace("\n", " ")


def test_urdu_letters_fall_back_to_the_arabic_font():
    register_fonts()
    from reportlab.pdfbase import pdfmetrics
    for font in (FONT, FONT_BOLD):
        runs = label_runs("Navid نوید ہے", font)
        assert [f for _, f in runs][0] == font
        for text, f in runs:
            face = pdfmetrics.getFont(f).face
            assert all(ord(c) in face.charToGlyph for c in text if not c.isspace()), (text, f)
    assert any(f == FONT_ARABIC for _, f in label_runs("ہ", FONT))


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")
def test_incident_references_and_ids_never_break(profile):
    path, _, subject = profile
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    refs = set(re.findall(r"\b[A-Z]{2}-\d{4}-\d{7}\b", text))
    assert len(refs) >= 3
    # no reference is cut short by a line break inside it (the demo's have seven digits at the end)
    assert not re.search(r"\b[A-Z]{2}-\d{4}-\d{1,6}(?![\d])", text)
    assert not re.search(r"\b[A-Z]{2}-\d{4}-?$", text, re.M)
    assert subject in text
