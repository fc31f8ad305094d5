"""What the profile says about what is not known: a risk factor never recorded is "not recorded", never "no";
the subject is spoken of without a pronoun the records do not give; plurals and whole numbers print right."""

from __future__ import annotations

import datetime as dt

import pytest
from pack_support import page_texts
from scoring_support import A, load, row

from matac_desk.meeting import cohort
from matac_desk.meeting.agenda import plural
from matac_desk.pack import profile_pdf
from matac_desk.pack.profile import pronouns


@pytest.fixture
def subject(store, tmp_path):
    load(store, tmp_path, [row("R1", 20, "Common assault", "P1", "V1"), row("R2", 50, "Stalking", "P1", "V2")])
    cohort.record_event(store, "P1", "adopted", A - dt.timedelta(days=10), score=18.0)
    return store


def _text(store) -> str:
    pdf, _ = profile_pdf(store, "P1", recipient="test", as_of=A, today=A)
    return " ".join(" ".join(page_texts(pdf)).split())


def _value(text: str, key: str) -> str:
    return text.split(key, 1)[1].split()[0]


def test_never_recorded_is_not_no(subject):
    text = _text(subject)
    for key in ("Weapons", "Substance misuse", "Mental health", "MARAC", "IOM"):
        assert text.rsplit(key + " ", 1)[1].startswith("not recorded"), key
    assert "Risk level not assessed" in text


def test_recorded_no_is_no(subject):
    cohort.set_subject_details(subject, "P1", risk_level="medium", risk_weapons=False, marac=False)
    text = _text(subject)
    assert text.split("Weapons ", 1)[1].startswith("no ")
    assert text.rsplit("MARAC ", 1)[1].startswith("no ")


def test_no_pronoun_the_records_do_not_give_and_whole_numbers(subject):
    text = _text(subject)
    for said in ("Why he scores", "manages him", "for him", "linked to him", "scored him"):
        assert said not in text
    assert "Why this score" in text
    assert "entry score 18 " in text and "18.0" not in text


@pytest.mark.parametrize("n, one, many, said", [(1, "minute", None, "1 minute"), (2, "minute", None, "2 minutes"),
                                                 (1, "child", "children", "1 child"), (3, "child", "children",
                                                                                       "3 children")])
def test_plural(n, one, many, said):
    assert plural(n, one, many) == said


def test_pronouns_follow_the_recorded_sex():
    assert pronouns("M")["they"] == "he" and pronouns("female")["their"] == "her" and pronouns(None)["they"] == "they"


@pytest.mark.parametrize("sex, said", [(None, "Children linked to them or their partners"),
                                       ("M", "Children linked to him or his partners"),
                                       ("F", "Children linked to her or her partners"),
                                       ("X", "Children linked to them or their partners")])
def test_the_profile_speaks_of_the_subject_by_recorded_sex(subject, sex, said):
    from matac_desk.services import equality
    if sex:
        equality.set_fields(subject, "P1", sex=sex)
    assert said in _text(subject)
