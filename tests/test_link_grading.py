"""The 3×5×2 intelligence grading on links: parsing, the CSV column, hand entry, conditional links."""

import pytest

from matac_desk.intake import links

from casefile_support import days, seed
from conftest import write_csv


@pytest.mark.parametrize("text, grade", [("1B P", "1B P"), ("1bp", "1B P"), ("2-C-C", "2C C"), ("3/E/p", "3E P"),
                                         (" 2A  C ", "2A C"), ("", None)])
def test_accepted(text, grade):
    assert links.parse_grading(text) == grade


@pytest.mark.parametrize("text", ["4B P", "1F P", "1B X", "1B", "B1 P", "1B P extra", "P"])
def test_refused(text):
    with pytest.raises(ValueError, match=r"is not a 3×5×2 grade \(source 1 reliable"):
        links.parse_grading(text)


@pytest.fixture
def s(store):
    seed(store)
    return store


def test_csv_column_and_reject(s, tmp_path):
    f = write_csv(tmp_path / "l.csv", ["person_a_id", "person_b_id", "relationship", "first_seen", "source", "grading"],
                  [["P1", "V3", "girlfriend", days(-9), "intel report", "2b c"],
                   ["P2", "V1", "partner", days(-9), "intel report", "9Z Q"],
                   ["P2", "V2", "partner", days(-9), "intel report", ""]])
    summary = links.import_links(s, f, backup=False)
    assert (summary.new, summary.rejected) == (2, 1)
    (rej,) = summary.rejects
    assert (rej.row_number, rej.column, rej.value) == (3, "grading", "9Z Q") and "not a 3×5×2 grade" in rej.reason
    got = dict(s.conn.execute("SELECT person_b_id, grading FROM links"))
    assert got == {"V3": "2B C", "V2": None}
    assert links.conditional_links(s, ["P1"]) == links.conditional_links(s, ["V3"]) != []
    assert links.conditional_links(s, ["P2"]) == []
    # a regrade on import updates the link; a blank grade keeps it
    f2 = write_csv(tmp_path / "l2.csv", ["person_a_id", "person_b_id", "relationship", "first_seen", "source", "grading"],
                   [["P1", "V3", "girlfriend", days(-9), "intel report", "1A P"]])
    assert links.import_links(s, f2, backup=False).updated == 1
    assert s.scalar("SELECT grading FROM links WHERE person_b_id = 'V3'") == "1A P"


def test_hand_entry(s):
    lid = links.add_link(s, "P1", "V3", "partner", days(-1), "custody record", grading="3d c")
    assert s.scalar("SELECT grading FROM links WHERE id = ?", [lid]) == "3D C"
    assert links.recent_links(s)[0].grading == "3D C"
    n = s.scalar("SELECT count(*) FROM links")
    with pytest.raises(links.LinkError, match="grading 'top secret' is not a 3×5×2 grade") as e:
        links.add_link(s, "P2", "V1", "partner", days(-1), "custody record", grading="top secret")
    assert e.value.column == "grading" and s.scalar("SELECT count(*) FROM links") == n


from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@given(st.text(max_size=20))
def test_any_text_is_a_grade_or_a_one_line_refusal(text):
    try:
        g = links.parse_grading(text)
    except ValueError as e:
        assert "\n" not in str(e) and "\r" not in str(e)
    else:
        assert g is None or (len(g) == 4 and g[0] in "123" and g[1] in "ABCDE" and g[3] in "PC")
