"""Security events are one JSON object per line on `timebank.security`, and a field named for a
secret is refused before anything is written."""
import json
import logging

import pytest

from timebank import security_log
from timebank.security_log import SECRET_FIELDS, record


def lines(caplog) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "timebank.security"]


def test_an_event_is_one_line_of_json_with_its_fields(caplog):
    caplog.set_level(logging.INFO, logger="timebank.security")
    record("access.refused", user_id=7, endpoint="coordinate.member", status=404)
    [line] = lines(caplog)
    assert line["event"] == "access.refused"
    assert (line["user_id"], line["endpoint"], line["status"]) == (7, "coordinate.member", 404)
    assert line["at"].endswith("+00:00")
    assert "\n" not in caplog.records[-1].getMessage()


def test_values_json_cannot_hold_are_written_as_text(caplog):
    from datetime import date

    caplog.set_level(logging.INFO, logger="timebank.security")
    record("export.downloaded", what="statement.csv", month=date(2026, 3, 1))
    assert lines(caplog)[0]["month"] == "2026-03-01"


@pytest.mark.parametrize("name", sorted(SECRET_FIELDS))
def test_a_field_named_for_a_secret_is_refused(caplog, name):
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ValueError, match=name):
        record("signin.failed", user_id=1, **{name: "hunter2"})
    assert not [r for r in caplog.records if "hunter2" in r.getMessage()]


def test_a_secret_is_refused_even_when_nobody_listens(caplog):
    caplog.set_level(logging.CRITICAL, logger="timebank.security")
    with pytest.raises(ValueError):
        record("signin.failed", password="hunter2")


def test_nothing_is_built_when_the_logger_is_off(caplog, monkeypatch):
    caplog.set_level(logging.WARNING, logger="timebank.security")
    monkeypatch.setattr(security_log, "utcnow", lambda: pytest.fail("built a line nobody reads"))
    record("access.refused", status=404)
    assert lines(caplog) == []
