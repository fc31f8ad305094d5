"""A link entered by hand: the import's checks and messages, a new person B as a CSV row may add, recent links."""

from __future__ import annotations

import json

import pytest

from matac_desk.intake.links import LinkError, add_link, recent_links

from conftest import TODAY
from test_links_import import BAD, HEADER, _count, known  # noqa: F401  (known: a fixture)


def _entered(row):
    """A CSV row of BAD as add_link's arguments."""
    a, b, rel, first, src, *rest = row + [""] * (8 - len(row))
    return (a, b, rel, first, src), dict(person_b_forename=rest[0], person_b_surname=rest[1], person_b_dob=rest[2])


# the length check is the CSV reader's (a cell of a file), not a rule of a link
HAND_BAD = [b for b in BAD if "longer than" not in b[2]]


@pytest.mark.parametrize("row, column, reason", HAND_BAD, ids=[b[2][:40] for b in HAND_BAD])
def test_the_import_rules_and_messages_apply(known, row, column, reason):
    args, kw = _entered(row)
    with pytest.raises(LinkError) as e:
        add_link(known, *args, today=TODAY, **kw)
    typed = (row + [""] * (8 - len(row)))[HEADER.index(column)].strip()
    assert str(e.value) == f"the link cannot be added: {reason}" + (f": {typed}" if typed else "")  # what was typed
    assert e.value.column == column
    assert (_count(known, "links"), _count(known, "persons")) == (0, 3)


def test_a_new_person_b_is_added_with_the_link(known):
    link_id = add_link(known, "P", "N1", "girlfriend", "01/10/2026", "IDVA phone call", today=TODAY,
                       person_b_forename="Amy", person_b_surname="Lee", person_b_dob="1995-02-03")
    assert known.conn.execute("SELECT forename, surname, dob, name_key, first_batch_id FROM persons"
                              " WHERE id = 'N1'").fetchone() == ("Amy", "Lee", "1995-02-03", "amy lee", None)
    assert known.conn.execute("SELECT person_a_id, person_b_id, relationship_kind, first_seen, batch_id FROM links"
                              " WHERE id = ?", [link_id]).fetchone() == ("P", "N1", "partner", "2026-10-01", None)
    detail = json.loads(known.scalar("SELECT detail FROM audit_log WHERE action = 'link.added'"))
    assert detail["person_b_new"] is True and "N1" not in json.dumps(detail)   # pseudonymised
    # person B is known now: the names given again are not needed and change nothing
    assert add_link(known, "P", "N1", "girlfriend", "2026-10-01", "IDVA phone call", today=TODAY,
                    person_b_forename="Other") == link_id
    assert known.scalar("SELECT forename FROM persons WHERE id = 'N1'") == "Amy"


def test_recent_links_newest_first_with_names_and_how_they_came(known):
    first = add_link(known, "P", "Q", "girlfriend", "2026-09-01", "custody record", today=TODAY)
    second = add_link(known, "R", "Q", "brother", "2026-09-02", "intelligence report", today=TODAY)
    rows = recent_links(known)
    assert [r.id for r in rows] == [second, first]
    r = rows[0]
    assert (r.person_a_id, r.person_b_id, r.relationship, r.relationship_kind, r.how) == \
        ("R", "Q", "brother", "family", "by hand")
    assert r.person_a_name == known.conn.execute("SELECT forename || ' ' || surname FROM persons"
                                                 " WHERE id = 'R'").fetchone()[0]
    assert [x.id for x in recent_links(known, limit=1)] == [second]
