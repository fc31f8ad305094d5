"""Offences matched by Home Office code before their wording: the force's own codes, the table's, the unmapped list."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scoring_support import A, load, row

from matac_desk.analysis import scoring
from matac_desk.domain import UserError

ADULT = "1980-05-05"


def _both(store, pid="P", cfg=None):
    """score_all's and explain's (score, g) for one person; they must agree."""
    ranked = {s.perpetrator_id: s for s in scoring.score_all(store, A, cfg)}
    e = scoring.explain(store, pid, A, cfg)
    assert (ranked[pid].score, ranked[pid].g) == (e.score.score, e.score.g)
    return e


@pytest.mark.parametrize("offence, code, g, how", [
    ("ASSLT OCC ABH S47", "8N", 4, "matched by code 8N (Assault occasioning actual bodily harm), 4"),
    ("Engage in controlling/coercive behaviour in an intimate/family relationship", "008/67", 3,
     "matched by code 8/67 (Controlling or coercive behaviour), 3"),
    ("assault w injury", "8n", 4, "matched by code 8N (Assault occasioning actual bodily harm), 4"),
    ("Murder", "8L", 2, "matched by code 8L (Harassment), 2"),              # code and text disagree: code wins
    ("Harassment", "99Z", 2, "matched by text, 2"),                          # a code the table lacks: the text
    ("Battery (s.39 CJA 1988)", "99Z", 1, "unmapped, 1"),                    # neither: 1 and unmapped
    ("Harassment", "", 2, "matched by text, 2"),
])
def test_code_before_text(store, tmp_path, offence, code, g, how):
    load(store, tmp_path, [row("I1", 10, offence, "P", "W", dob=ADULT, victim_dob=ADULT, code=code)])
    e = _both(store)
    assert e.score.g == g
    (match,) = e.matches
    assert match.endswith(how) and match.startswith(offence)
    assert e.incidents[0].matched == (how.rsplit(", ", 1)[0].removeprefix("matched by "),)
    unmapped = scoring.unmapped_offences(store)
    assert [(u.offence, u.code) for u in unmapped] == ([(offence, code)] if how == "unmapped, 1" else [])


def test_one_incident_with_a_coded_and_a_worded_offence_takes_the_higher(store, tmp_path):
    load(store, tmp_path, [row("I1", 10, "ASSLT OCC ABH S47", "P", "W", dob=ADULT, victim_dob=ADULT, code="8N"),
                           row("I1", 10, "Harassment", "P", "W", dob=ADULT, victim_dob=ADULT)])
    e = _both(store)
    assert (e.score.g, e.gravity_offences) == (4, ("ASSLT OCC ABH S47",))
    assert "G 4: ASSLT OCC ABH S47 in I1" in "\n".join(e.lines())


def test_the_same_wording_with_two_codes_is_listed_twice_when_unmapped(store, tmp_path):
    load(store, tmp_path, [row("I1", 10, "Odd thing", "P", "W", code="77A"),
                           row("I2", 11, "Odd thing", "P", "W", code="77b"),
                           row("I3", 12, "Odd thing", "P", "W")])
    got = [(u.offence, u.code, u.incidents) for u in scoring.unmapped_offences(store)]
    assert got == [("Odd thing", None, 1), ("Odd thing", "77A", 1), ("Odd thing", "77b", 1)]


def test_mapping_a_code_in_one_step(store, tmp_path):
    load(store, tmp_path, [row("I1", 10, "Battery (s.39 CJA 1988)", "P", "W", code="105A")])
    assert _both(store).score.g == 1
    new = scoring.set_gravity_code(store, "105A", "common ASSAULT", reason="force codes")
    assert new.version == 2 and new.reason == "force codes"
    entry = next(e for e in new.config.gravity if e.key == "common assault")
    assert entry.codes == ("105A",) and entry.points == 3
    assert _both(store).score.g == 3 and scoring.unmapped_offences(store) == []
    assert scoring.set_gravity_code(store, "105a", "Common assault").version == 2      # already so: no new version
    moved = scoring.set_gravity_code(store, "105A", "Harassment")                        # a code maps to one row
    table = {e.key: e.codes for e in moved.config.gravity}
    assert table["common assault"] == () and table["harassment"] == ("8L", "105A")
    added = scoring.set_gravity_code(store, "999X", "Theft from the person", 2)
    assert next(e for e in added.config.gravity if e.key == "theft from the person").codes == ("999X",)
    entry = store.scalar("SELECT detail FROM audit_log WHERE action = 'scoring.config_changed' ORDER BY id DESC")
    assert '"code": "999X"' in entry


@pytest.mark.parametrize("code, offence, points, message", [
    ("", "Harassment", None, "give one offence code"),
    ("8N;8L", "Harassment", None, "give one offence code"),
    ("8 N", "Harassment", None, "offence code '8 N' is not a code"),
    ("8N", "No such offence", None, "'No such offence' is not in the gravity table: give its points"),
    ("8N", "  ", None, "give the offence"),
    ("8N", "Harassment", 101, "a whole number from 0 to 100"),
])
def test_mapping_a_code_refuses_in_one_line(store, code, offence, points, message):
    with pytest.raises(UserError) as err:
        scoring.set_gravity_code(store, code, offence, points)
    assert message in str(err.value) and "\n" not in str(err.value)
    assert scoring.config_history(store) == []


def test_gravity_csv_with_codes(tmp_path):
    entries = scoring.read_gravity_csv(io.StringIO(
        "offence,offence_code,points\nAssault with injury,8N; 8G,4\nHarassment,,2\nStalking,8Q;008/66,3\n"))
    assert [(e.offence, e.codes, e.points) for e in entries] == [
        ("Assault with injury", ("8N", "8G"), 4), ("Harassment", (), 2), ("Stalking", ("8Q", "008/66"), 3)]
    path = scoring.write_gravity_csv(tmp_path / "out.csv", entries)
    assert path.read_text().splitlines()[:2] == ["offence,offence_code,points,days", "Assault with injury,8N;8G,4,"]
    assert scoring.read_gravity_csv(path) == entries


@pytest.mark.parametrize("text, message", [
    ("offence,offence_code,points\nA,8N,4\nB,8n,3\n", "line 3: offence code '8n' is already given to 'A' on line 2"),
    ("offence,offence_code,points\nA,8/66,4\nB,008/066,3\n", "line 3: offence code '008/066' is already given"),
    ("offence,offence_code,points\nA,8 N,4\n", "line 2, column offence_code: offence code '8 N' is not a code"),
    ("offence,offence_code,points\nA,=cmd|x,4\n", "line 2, column offence_code: offence code '=cmd|x'"),
])
def test_bad_codes_are_one_line_errors(text, message):
    with pytest.raises(UserError) as err:
        scoring.read_gravity_csv(io.StringIO(text), name="force.csv")
    assert message in str(err.value) and "\n" not in str(err.value)


def test_a_force_table_with_codes_imports_and_scores(store, tmp_path):
    load(store, tmp_path, [row("I1", 10, "ASSLT OCC ABH S47", "P", "W", code="008N")])
    f = tmp_path / "force.csv"
    f.write_text("offence,offence_code,points\nABH,8N,5\n")
    scoring.import_gravity(store, f)
    assert _both(store).score.g == 5            # 008N is 8N padded


def test_the_default_table_carries_the_verified_codes():
    table = {e.key: e.codes for e in scoring.load_gravity_profile("default")}
    assert table["assault occasioning actual bodily harm"] == ("8N", "8G")
    assert table["controlling or coercive behaviour"] == ("8/67",) and table["harassment"] == ("8L",)
    assert table["rape"] == () and table["common assault"] == ()      # not verified: matched on wording
    chi = {e.key: e.codes for e in scoring.load_gravity_profile("chi")}
    assert chi == table


def test_codes_in_the_configuration_are_checked():
    cfg = scoring.ScoringConfig(gravity=(scoring.GravityEntry("A", 3, None, ("8N",)),
                                         scoring.GravityEntry("B", 2, None, ("08n",))))
    with pytest.raises(UserError, match="offence code '08n' is given to both 'a' and 'b'"):
        cfg.validate()


def test_spellings_and_normal_form():
    assert scoring.normalise_code(" 008/067 ") == "8/67" and scoring.normalise_code("8q") == "8Q"
    assert scoring.normalise_code("0") == "0" and scoring.normalise_code("105A") == "105A"
    assert set(scoring.code_spellings("8N")) == {"8N", "08N", "008N"}
    assert scoring.code_spellings("195/12") == ("195/12", "195/012")


def test_a_saved_table_without_codes_still_reads():
    """Versions saved before codes existed hold three-element rows."""
    cfg = scoring.ScoringConfig.from_json({}, [["Rape", 5, None], ["Stalking", None, 10]])
    assert cfg.gravity == (scoring.GravityEntry("Rape", 5), scoring.GravityEntry("Stalking", None, 10))
    assert cfg.gravity_json() == [["Rape", 5, None], ["Stalking", None, 10]]
    coded = scoring.ScoringConfig.from_json({}, [["Rape", 5, None, ["19C"]]])
    assert coded.gravity[0].codes == ("19C",)



# numbers of one to three digits (leading zeros allowed), then up to two letters, one or two parts
_PART = st.tuples(st.text("0123456789", min_size=1, max_size=3), st.text("ABCDEFGHJKLMNPQRSTUVWXYZabc", max_size=2))
_CODES = st.lists(_PART, min_size=1, max_size=2).map(lambda parts: "/".join(d + x for d, x in parts))


@given(_CODES)
def test_every_spelling_of_a_code_is_the_same_code(code):
    """What the SQL scorer looks up (the spellings) is exactly what the explanation matches."""
    norm = scoring.normalise_code(code)
    assert scoring.normalise_code(norm) == norm
    spellings = scoring.code_spellings(code)
    assert {scoring.normalise_code(s) for s in spellings} == {norm} and len(set(spellings)) == len(spellings)
    assert code.upper() in spellings          # any way of writing it with up to three digits matches
