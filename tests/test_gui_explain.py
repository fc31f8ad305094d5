"""The Score tab's explanation: the windows of each part, the offences' matches, what was left out for age."""

from __future__ import annotations

import dataclasses

import pytest
from scoring_support import A, load, row

from matac_desk.analysis import scoring

pytestmark = pytest.mark.gui
ADULT = "1980-05-05"


def _html(store, cfg=None):
    from matac_desk.ui.explain import explanation_html
    from PySide6.QtGui import QTextDocument
    doc = QTextDocument()
    doc.setHtml(explanation_html(scoring.explain(store, "P", A, cfg)))
    return doc.toPlainText()


def test_the_explanation_says_the_rules_matches_and_exclusions(qapp, store, tmp_path):
    load(store, tmp_path, [row("I1", 10, "ASSLT OCC ABH S47", "P", "W", dob=ADULT, victim_dob=ADULT, code="8N"),
                           row("I2", 20, "Common assault", "P", "C", dob=ADULT, victim_dob="2018-01-01"),
                           row("I3", 900, "Harassment", "P", "U", dob=ADULT)])
    text = _html(store)
    assert "R, F, V and G over 730 days; serial over 1,095 days: 2+ victims and 2+ incidents." in text
    assert "ASSLT OCC ABH S47 [code 8N]: matched by code 8N (Assault occasioning actual bodily harm), 4" in text
    assert "victim under 16 (age 8) in I2 (C)" in text and "children stay on the Children tab" in text
    assert "Date of birth not recorded, assumed 16 or over: U (victim)" in text
    assert "The serial test looks back 1,095 days and the score 730: it counts 2 incident(s) where F counts 1" in text


def test_the_explanation_of_a_summed_g_and_connected_victims(qapp, store, tmp_path):
    load(store, tmp_path, [row("I1", 10, "Harassment", "P", "W1"), row("I2", 20, "Stalking", "P", "W2"),
                           row("I2", 20, "Harassment", "P", "W2")])
    with store.transaction():
        store.conn.execute("INSERT INTO links (person_a_id, person_b_id, relationship_kind, first_seen)"
                           " VALUES ('W1', 'W2', 'family', '2020-01-01')")
    cfg = dataclasses.replace(scoring.ScoringConfig(), gravity_mode="sum", serial_unconnected_victims=True)
    text = _html(store, cfg)
    assert "Gravity: each incident's highest, added up: 5 = 2 (I1) + 3 (I2); banded" in text
    assert "W1 and W2 counted as one: family or shared an address" in text
    assert "Serial: no" in text
