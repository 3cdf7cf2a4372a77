"""The demo's script (timebank.demo.script): its times, without a database or an app."""
import random
from datetime import UTC, date, datetime, timedelta

from timebank.demo.script import Script, years_before

NOW = datetime(2026, 3, 18, 10, 30, tzinfo=UTC)


class Community:
    timezone = "Europe/London"

    def today(self, now=None):
        return (now or NOW).date()


def script(seed: int = 1) -> Script:
    return Script(random.Random(seed), Community(), NOW)


def test_moments_are_in_the_past_and_in_working_hours():
    s = script()
    for day in (s.today - timedelta(days=30), s.today, s.today + timedelta(days=3)):
        moment = s.moment(day, 8, 21)
        assert moment <= s.latest < datetime(2026, 3, 18, tzinfo=UTC)
        assert 8 <= moment.hour <= 21 or moment == s.latest


def test_later_never_goes_back_nor_past_yesterday():
    s = script()
    for start in (datetime(2026, 3, 10, 20, 50, tzinfo=UTC), s.latest - timedelta(minutes=5), s.latest):
        for _ in range(50):
            later = s.later(start, 60, 4 * 1440)
            assert start <= later <= s.latest


def test_actions_are_kept_with_their_time_clamped_to_yesterday():
    s = script()
    s.at(NOW - timedelta(days=2), print)
    s.at(NOW, print)
    s.at(None, print, "203.0.113.9")
    assert [when for when, *_ in s.actions] == [NOW - timedelta(days=2), s.latest, NOW]
    assert s.actions[-1][3] == "203.0.113.9"


def test_the_same_seed_plans_the_same_times():
    one, two = script(7), script(7)
    assert [one.moment(one.ago(1, 90)) for _ in range(20)] == [two.moment(two.ago(1, 90)) for _ in range(20)]


def test_years_before_keeps_the_day_or_takes_the_28th():
    assert years_before(date(2027, 5, 4), 3) == date(2024, 5, 4)
    assert years_before(date(2024, 2, 29), 3) == date(2021, 2, 28)
    assert years_before(date(2024, 2, 29), -3) == date(2027, 2, 28)
