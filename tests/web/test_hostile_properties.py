"""Hypothesis drives the log-time form and the listings API with hostile values (control
characters, 100k-character text, numbers far past 64 bits, dates from year 1 to 9999, deep
JSON): never a 5xx, on SQLite and PostgreSQL. Bounded to a few dozen examples each, so it runs
in seconds; the examples that matter most are pinned in test_hostile_input.py."""
import uuid

from api_support import bearer, new_key, token_for
from coordinate_support import activity, sign_in
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EXAMPLES = 40
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))

hostile_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(max_codepoint=0x20), max_size=10),
    st.sampled_from(["\x00", "Sam\r\nBcc: x@evil.example", "=HYPERLINK(1)", "x" * 100_000, "\ud800"]),
)
hostile_int = st.one_of(
    st.integers(),
    st.sampled_from([2**31, -(2**31) - 1, 2**63, 10**20, -(10**20)]),
).map(str)
hostile_value = st.one_of(hostile_text, hostile_int, st.dates().map(lambda d: d.isoformat()))


@SETTINGS
@given(
    partner=hostile_value, q=hostile_text, hours=hostile_value, minutes=hostile_value, occurred_on=hostile_value,
    activity_id=hostile_value, note=hostile_text, action=st.sampled_from(["check", "send", "search"]),
)
def test_the_log_form_never_answers_5xx(client, auth, community, make_member, partner, q, hours, minutes, occurred_on, activity_id, note, action):
    if not hasattr(community, "_signed_in"):
        member, _ = make_member(name="Hal Hostile")
        sign_in(auth, member)
        community._signed_in = True
    data = {
        "submission_id": uuid.uuid4().hex, "direction": "gave", "q": q, "partner": partner, "quick": "other",
        "hours": hours, "minutes": minutes, "occurred_on": occurred_on, "activity": activity_id, "note": note, "action": action,
    }
    data = {k: v.encode("utf-8", "surrogatepass").decode("utf-8", "replace") for k, v in data.items()}
    response = client.post("/log", data=data)
    assert response.status_code < 500, response.get_data(as_text=True)[:500]


json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), hostile_text)
json_value = st.recursive(json_leaf, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=20)


@SETTINGS
@given(
    title=st.one_of(hostile_text, json_value), description=st.one_of(hostile_text, json_value),
    category_id=st.one_of(st.integers(), json_value), extra=json_value, depth=st.integers(0, 200),
)
def test_the_listings_api_never_answers_5xx(client, community, make_member, title, description, category_id, extra, depth):
    if not hasattr(community, "_secret"):
        member, _ = make_member(name="Hal Hostile")
        community._secret = token_for(member)
        community._activity = activity(community)
    body = {"type": "offer", "title": title, "description": description, "category_id": category_id, "extra": extra}
    for _ in range(depth):
        body = [body]
    response = client.post("/api/v1/listings", json=body, headers=bearer(community._secret, new_key()))
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    assert response.mimetype in ("application/json", "application/problem+json")
