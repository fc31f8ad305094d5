"""Dates, relationships, offences and names as the importer reads them."""

import datetime as dt

import pytest
from hypothesis import given, strategies as st

from matac_desk.domain import (
    name_key,
    normalise_dash,
    normalise_offence,
    normalise_relationship,
    parse_children,
    parse_date,
    safe_cell,
    unsafe_cell,
)


@pytest.mark.parametrize("text, day, clock", [
    ("2024-02-03", dt.date(2024, 2, 3), None),
    ("2024-02-03T14:05", dt.date(2024, 2, 3), "14:05"),
    ("2024-02-03 14:05:59", dt.date(2024, 2, 3), "14:05"),
    ("2024-02-03T14:05:59.123Z", dt.date(2024, 2, 3), "14:05"),
    ("2024-02-03T14:05:00+01:00", dt.date(2024, 2, 3), "14:05"),
    ("03/02/2024", dt.date(2024, 2, 3), None),
    ("3/2/2024", dt.date(2024, 2, 3), None),
    ("03/02/2024 09:30", dt.date(2024, 2, 3), "09:30"),
    (" 29/02/2024 ", dt.date(2024, 2, 29), None),
])
def test_dates_that_parse(text, day, clock):
    assert parse_date(text) == (day, clock)


@pytest.mark.parametrize("text, reason", [
    ("31/02/2024", "no such date"),
    ("29/02/2023", "no such date"),
    ("2024-13-01", "no such date"),
    ("2024-02-03T25:00", "no such time of day"),
    ("03-02-2024", "not a date"),
    ("02/03/24", "not a date"),
    ("yesterday", "not a date"),
    ("", "not a date"),
])
def test_dates_that_do_not(text, reason):
    with pytest.raises(ValueError, match=reason):
        parse_date(text)


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_uk_and_iso_forms_agree(day):
    assert parse_date(day.strftime("%d/%m/%Y"))[0] == day
    assert parse_date(day.isoformat())[0] == day


@given(st.text(max_size=30))
def test_parse_date_only_ever_raises_value_error(text):
    try:
        parse_date(text)
    except ValueError:
        pass


@pytest.mark.parametrize("text, kind", [
    ("girlfriend", "partner"), ("Wife", "partner"), ("PARTNER", "partner"), ("boyfriend", "partner"),
    ("fiancée", "partner"), ("cohabitee", "partner"), ("husbands", "partner"),
    ("Ex-Husband", "ex-partner"), ("ex girlfriend", "ex-partner"), ("former partner", "ex-partner"),
    ("Ex_Partner", "ex-partner"), ("estranged wife", "ex-partner"), ("ex", "ex-partner"),
    ("son", "family"), ("Mother", "family"), ("step-father", "family"), ("stepdaughter", "family"),
    ("grandson", "family"), ("sister-in-law", "family"), ("half-brother", "family"),
    ("friend", "other"), ("neighbour", "other"), ("", "other"), (None, "other"), ("ex-friend", "other"),
])
def test_relationships_normalise(text, kind):
    assert normalise_relationship(text) == kind


@pytest.mark.parametrize("text, key", [
    ("Common assault", "common assault"), ("  COMMON   Assault ", "common assault"),
    ("Non-crime domestic incident", "non-crime domestic incident"),
])
def test_offence_key(text, key):
    assert normalise_offence(text) == key


@pytest.mark.parametrize("text, level", [("High", "high"), (" medium ", "medium"), ("STANDARD", "standard"),
                                         ("", None), ("std", "standard")])
def test_dash(text, level):
    assert normalise_dash(text) == level


@pytest.mark.parametrize("text", ["very high", "5", "x"])
def test_dash_rejects(text):
    with pytest.raises(ValueError):
        normalise_dash(text)


@pytest.mark.parametrize("text, n", [("yes", 1), ("No", 0), ("3", 3), ("", None), ("0", 0)])
def test_children(text, n):
    assert parse_children(text) == n


@pytest.mark.parametrize("text", ["-1", "many", "2.5"])
def test_children_rejects(text):
    with pytest.raises(ValueError):
        parse_children(text)


@pytest.mark.parametrize("parts, key", [
    (("Siobhán", "O'Neill"), "siobhan o neill"),
    (("Łukasz", "Wójcik"), "lukasz wojcik"),
    (("ZOË", "Smith-Jones"), "zoe smith jones"),
    (("فاطمة", "خان"), "فاطمة خان"),
    ((None, "Smith"), "smith"),
])
def test_name_key_folds(parts, key):
    assert name_key(*parts) == key


@pytest.mark.parametrize("value", ["=1+2", "+44 7700", "-5", "@SUM(A1)", "\t=x", "plain", "O'Neill", ""])
def test_safe_cell_round_trip(value):
    cell = safe_cell(value)
    assert not cell.startswith(("=", "+", "-", "@", "\t"))
    assert unsafe_cell(cell) == value
