"""How a typed length of time is read (issue 13): "1.5 hours" is 90 minutes, not a wrong
second error; what cannot be read is one clear refusal; a ticked quick length and a typed one
that disagree are a conflict, never one chosen silently."""
import pytest

from timebank.durations import DurationError, parse_hours, quick_conflict


@pytest.mark.parametrize(
    ("typed", "minutes"),
    [
        ("2", 120), ("1.5", 90), ("1.5 hours", 90), ("1,5", 90), (" 1.5 h ", 90), ("0.25", 15), (".5", 30),
        ("1 hour", 60), ("1:30", 90), ("1 h 30", 90), ("2h15min", 135), ("0", 0), ("", None), (None, None),
    ],
)
def test_hours_as_people_type_them(typed, minutes):
    assert parse_hours(typed) == minutes


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("abc", "not_a_number"), ("-1", "not_a_number"), ("1.5.2", "not_a_number"), ("one", "not_a_number"),
        ("1:75", "not_a_number"), ("1e3", "not_a_number"), ("1.33", "not_whole_minutes"), ("0.001", "not_whole_minutes"),
    ],
)
def test_what_cannot_be_read_is_one_refusal(typed, code):
    with pytest.raises(DurationError) as refusal:
        parse_hours(typed)
    assert refusal.value.code == code


@pytest.mark.parametrize(
    ("quick", "typed", "conflict"),
    [
        ("90", 120, True),  # 1 h 30 ticked, 2 h typed: ask, do not choose
        ("90", 90, False),  # the same length twice is no conflict
        ("90", None, False),  # nothing typed
        ("other", 120, False),  # "another length": the typed one is the answer
        (None, 120, False),  # nothing ticked: the typed one is the answer
        ("", None, False),
    ],
)
def test_a_quick_length_and_a_typed_one_that_disagree_conflict(quick, typed, conflict):
    assert quick_conflict(quick, typed) is conflict
