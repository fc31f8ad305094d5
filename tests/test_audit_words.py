"""Audit entries shown in words, not event codes and raw JSON; an unknown event still shows, by its code in words."""

import doctest

import pytest

from matac_desk.services import auditwords
from matac_desk.services.auditwords import describe


def test_doctests():
    assert doctest.testmod(auditwords).failed == 0


@pytest.mark.parametrize("entry, words", [
    ({"action": "person.viewed", "detail": '{"view": "graph"}'}, "Viewed the relationship graph"),
    ({"action": "disclosure.profile", "detail": '{"count": 1}', "recipient": "Probation"},
     "Disclosed a profile to Probation (1 person)"),
    ({"action": "subject.changed", "detail": '{"fields": ["mappa_level", "om_id"]}'},
     "Changed the subject details (mappa level, om id)"),
    ({"action": "meeting.decision", "detail": {"decision": "adopt", "meeting_id": 3}}, "Meeting decision: adopt"),
    ({"action": "action.added", "detail": None}, "Added an action for"),
    ({"action": "toolkit.added", "detail": None}, "Toolkit added"),
])
def test_entries_in_words(entry, words):
    assert describe(entry) == words
