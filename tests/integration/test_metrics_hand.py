"""Every report figure (METRICS.md A1-A6, B1-B6, C1-C5, D1-D6, E1, G1) on small ledgers built
through the real ledger code, with the answer worked out by hand in the test.

The period is two whole months in the past: START is day(0), END the last day of the second
month; day(3) is always in the first month and day(31) to day(57) always in the second.
Runs on SQLite and PostgreSQL (the `app` fixture).
"""
import uuid
from datetime import UTC, date, datetime, time, timedelta

import pytest

from tests.metrics_support import END, START, Book, assert_close, day, figures, report
from timebank.extensions import db
from timebank.models import Confirmation, ListingStatus, Role
from timebank.services.people import kind_by_code


def near(value):
    """Published shares have 4 decimals."""
    return pytest.approx(value, rel=0, abs=5.001e-5)


@pytest.fixture
def book(app):
    return Book.new("handmade")


def at(d: date, hour=12) -> datetime:
    return datetime.combine(d, time(hour), tzinfo=UTC)


def month(d: date) -> str:
    return d.strftime("%Y-%m")


# -- B3 and friends: the collapsed member graph -------------------------------------------


def test_three_entries_one_way_and_one_back_reciprocate_fully(book):
    a, b = book.person(), book.person()
    for minutes, k in ((60, 1), (30, 2), (30, 3)):
        book.give(a, b, minutes, day(k))
    book.give(b, a, 60, day(4))
    rep = report(book.community)
    # Collapsed graph: a->b (120 min over three entries) and b->a (60): two directed ties, both
    # reciprocated, so r = 2/2 = 1.0. N = 2, L = 2, a = L/(N(N-1)) = 2/2 = 1, so
    # rho = (r - a)/(1 - a) = 0/0: cannot be computed (null).
    # r_w = (min(120, 60) + min(60, 120)) / (120 + 60) = 120/180 = 2/3.
    assert_close(rep["B3"], {"r": 1.0, "rho": None, "r_w": 2 / 3})
    assert rep["B1"] == 1.0  # both gave and received
    assert_close(rep["D1"], {"components": 1, "largest_share": 1.0})
    assert rep["A2"]["entries"] == 4 and rep["A2"]["minutes"] == 180


def test_density_correction_counts_a_member_who_only_dealt_with_an_organisation(book):
    a, b, c, e = (book.person() for _ in range(4))
    clinic = book.organisation()
    for minutes, k in ((60, 1), (30, 2), (30, 3)):
        book.give(a, b, minutes, day(k))
    book.give(b, a, 60, day(4))
    book.give(a, c, 45, day(5))
    book.give(e, clinic, 30, day(6))
    rep = report(book.community)
    # Nodes: the active members a, b, c, e (e exchanged only with the clinic): N = 4.
    # Edges: a->b (120), b->a (60), a->c (45): L = 3; a->b and b->a are reciprocated.
    # r = 2/3; a = 3/(4*3) = 1/4; rho = (2/3 - 1/4)/(3/4) = (5/12)/(3/4) = 5/9.
    # r_w = (min(120,60) + min(60,120) + min(45,0)) / (120+60+45) = 120/225 = 8/15.
    # The clinic is no node and e->clinic no edge.
    assert_close(rep["B3"], {"r": 2 / 3, "rho": 5 / 9, "r_w": 8 / 15})
    # Weak components {a, b, c} and {e}: 2; the largest holds 3 of 4.
    assert_close(rep["D1"], {"components": 2, "largest_share": 0.75})
    # a (G 165, R 60) and b (G 60, R 120) both gave and received; c only received, e only gave.
    assert rep["B1"] == near(0.5)
    # Undirected: a-b, a-c; a's neighbours b and c are not linked: every clustering is 0.
    assert rep["D2"] == 0.0


# -- group entries: proportional split --------------------------------------------------------


def test_a_group_entry_with_two_givers_and_three_receivers_splits_in_proportion(book):
    g1, g2 = book.person("professional"), book.person("volunteer")
    r1, r2, r3 = book.person("service_user"), book.person("service_user"), book.person("carer")
    book.group({g1: 100, g2: 50}, {r1: 50, r2: 50, r3: 50}, day(2))
    book.give(r1, g1, 40, day(3))
    book.give(r1, g2, 10, day(4))
    rep = report(book.community)
    # Each receiver's 50 min is split 100:50 between g1 and g2: w(g1, r) = 50*100/150 = 33.33,
    # w(g2, r) = 50*50/150 = 16.67.
    # C1: professional->service_user = 2 * 33.33 = 66.67 -> 67; professional->carer 33.33 -> 33;
    #     volunteer->service_user = 2 * 16.67 = 33.33 -> 33; volunteer->carer 16.67 -> 17;
    #     service_user->professional 40; service_user->volunteer 10.
    c1 = rep["C1"]
    assert c1["professional"]["service_user"] == 67
    assert c1["professional"]["carer"] == 33
    assert c1["volunteer"]["service_user"] == 33
    assert c1["volunteer"]["carer"] == 17
    assert c1["service_user"]["professional"] == 40
    assert c1["service_user"]["volunteer"] == 10
    for giver, row in c1.items():
        for receiver, minutes in row.items():
            if (giver, receiver) not in {
                ("professional", "service_user"), ("professional", "carer"), ("volunteer", "service_user"),
                ("volunteer", "carer"), ("service_user", "professional"), ("service_user", "volunteer"),
            }:
                assert not minutes, f"C1.{giver}.{receiver} = {minutes}"
    # w_ij in B3: r_w = sum min(w_ij, w_ji) / sum w_ij
    #   pairs with flow both ways: g1<->r1: min(33.33, 40) = 33.33 (twice: once each direction)
    #                              g2<->r1: min(16.67, 10) = 10 (twice)
    #   = (2*100/3 + 2*10) / (150 + 40 + 10) = (260/3) / 200 = 13/30.
    # (An even split, 25 each, would give (2*25 + 2*10)/200 = 0.35 instead.)
    # Directed ties: g1->r1, g1->r2, g1->r3, g2->r1, g2->r2, g2->r3, r1->g1, r1->g2: L = 8, of
    # which g1->r1, r1->g1, g2->r1, r1->g2 are reciprocated: r = 4/8 = 1/2.
    # N = 5: a = 8/20 = 2/5; rho = (1/2 - 2/5)/(3/5) = 1/6.
    assert_close(rep["B3"], {"r": 0.5, "rho": 1 / 6, "r_w": 13 / 30})
    # Every tie joins two kinds: E-I = (E - 0)/(E + 0) = 1.
    assert rep["D3"] == near(1.0)
    # Undirected graph is K(2,3) plus nothing: no triangles, average clustering 0.
    assert rep["D2"] == 0.0
    # Kind assortativity (Newman, directed mixing matrix over the 8 ties, e = counts/8):
    #   out-shares a: professional 3/8, volunteer 3/8, service_user 2/8, carer 0
    #   in-shares  b: service_user 4/8, carer 2/8, professional 1/8, volunteer 1/8
    #   trace(e) = 0 (no tie within a kind); sum a_k b_k = 3/64 + 3/64 + 8/64 = 7/32
    #   r = (0 - 7/32)/(1 - 7/32) = -7/25 = -0.28
    assert rep["C4"] == near(-0.28)


# -- networks: clustering, E-I, assortativity --------------------------------------------------


def test_clustering_and_mixing_on_a_triangle_with_a_tail(book):
    a, b, d = book.person("volunteer"), book.person("volunteer"), book.person("volunteer")
    c = book.person("service_user")
    book.give(a, b, 60, day(1))
    book.give(b, c, 60, day(2))
    book.give(c, a, 60, day(3))
    book.give(a, d, 60, day(4))
    rep = report(book.community)
    # Undirected: triangle a-b-c, and a-d. Clustering: a has neighbours b, c, d with one link
    # (b-c) among 3 possible: 1/3; b: 1; c: 1; d (one neighbour): 0. Mean (1/3+1+1+0)/4 = 7/12.
    assert rep["D2"] == near(7 / 12)
    # Ties (no pair exchanged both ways, so directed and undirected agree): within a kind
    # a->b, a->d (volunteer-volunteer): I = 2; between: b->c, c->a: E = 2. (2-2)/4 = 0.
    assert rep["D3"] == near(0.0)
    # Assortativity over the 4 directed ties: e(v,v) = 2/4, e(v,s) = 1/4, e(s,v) = 1/4.
    #   a: v 3/4, s 1/4; b: v 3/4, s 1/4; sum a_k b_k = 9/16 + 1/16 = 10/16; trace = 8/16
    #   r = (8/16 - 10/16)/(1 - 10/16) = (-2/16)/(6/16) = -1/3
    assert rep["C4"] == near(-1 / 3)


def test_assortativity_is_minus_one_when_every_exchange_crosses_kinds(book):
    s, p = book.person("service_user"), book.person("professional")
    book.give(s, p, 60, day(1))
    book.give(p, s, 30, day(2))
    rep = report(book.community)
    # e(s,p) = e(p,s) = 1/2; a = b = (1/2, 1/2); sum a_k b_k = 1/2; trace 0: r = -1/2 / 1/2 = -1.
    assert rep["C4"] == near(-1.0)
    assert rep["D3"] == near(1.0)


def test_assortativity_is_plus_one_when_kinds_keep_to_themselves(book):
    v1, v2 = book.person("volunteer"), book.person("volunteer")
    s1, s2 = book.person("service_user"), book.person("service_user")
    book.give(v1, v2, 60, day(1))
    book.give(s1, s2, 60, day(2))
    rep = report(book.community)
    # e(v,v) = e(s,s) = 1/2: trace 1, sum a_k b_k = 1/4 + 1/4: r = (1 - 1/2)/(1 - 1/2) = 1.
    assert rep["C4"] == near(1.0)
    # I = 2, E = 0: (0 - 2)/2 = -1.
    assert rep["D3"] == near(-1.0)


# -- organisations and the pot ------------------------------------------------------------


def test_organisation_and_pot_count_in_volume_and_flows_but_not_as_members(book):
    a, b = book.person("volunteer"), book.person("service_user")
    clinic, pot = book.organisation(), book.pot()
    book.give(a, b, 60, day(3))
    book.give(b, clinic, 30, day(40))
    book.give(pot, a, 60, day(45), kind="grant")
    book.give(a, b, 90, day(50))
    rep = report(book.community)
    # A2: 4 entries, 60+30+60+90 = 240 min = 4 h; 2 active members (a, b): 2 h each;
    # sizes 30, 60, 60, 90: median 60. Month 1: 60 min in 1 entry; month 2: 180 in 3.
    a2 = rep["A2"]
    assert (a2["entries"], a2["minutes"], a2["hours"]) == (4, 240, 4.0)
    assert a2["hours_per_active"] == near(2.0)
    assert a2["median_minutes_per_entry"] == 60
    monthly = {m["month"]: (m["minutes"], m["entries"]) for m in a2["monthly"]}
    assert monthly == {month(day(3)): (60, 1), month(day(40)): (180, 3)}
    # Shown apart: member-to-member 150 min in 2 entries, with the clinic 30 in 1, the pot 60 in 1.
    assert_close(
        a2["by_flow"],
        {"member": {"minutes": 150, "entries": 2}, "organisation": {"minutes": 30, "entries": 1},
         "pot": {"minutes": 60, "entries": 1}},
    )
    # C1 has an organisation and a pot row/column.
    c1 = rep["C1"]
    assert c1["volunteer"]["service_user"] == 150
    assert c1["service_user"]["organisation"] == 30
    assert sum(v or 0 for row in c1.values() for v in row.values()) == 240
    # Member counts: the clinic and the pot are not members. Registered 2, active 2.
    assert rep["A1"]["share"] == 1.0
    assert (rep["A1"]["active"], rep["A1"]["registered"]) == (2, 2)
    # Network: nodes a, b; one tie a->b; no reciprocity: r = 0, a = 1/2, rho = (0-1/2)/(1/2) = -1.
    assert_close(rep["B3"], {"r": 0.0, "rho": -1.0, "r_w": 0.0})
    assert_close(rep["D1"], {"components": 1, "largest_share": 1.0})
    # B1: a gave 150, received 60 (from the pot); b gave 30 (to the clinic), received 150: 2/2.
    assert rep["B1"] == 1.0
    # B2: b_a = (150-60)/210 = 0.43 (bin 0.2..0.6); b_b = (30-150)/180 = -0.67 (bin -1..-0.6).
    assert rep["B2"]["histogram"] == [1, 0, 0, 1, 0]
    assert rep["B2"]["within_half"] == 0.5
    # E1 values time people gave (exchanges, group sessions), not credits from the pot:
    # 60 + 30 + 90 = 180 min = 3 h.
    assert rep["E1"]["hours"] == 3.0
    # The pot's row and column are keyed by its kind code, "community_pot" (docs/report-format.md),
    # labelled "Community pot".
    assert rep["kinds"]["community_pot"] == "Community pot"
    assert c1["community_pot"]["volunteer"] == 60


# -- corrections ----------------------------------------------------------------------------


def test_a_reversed_entry_and_its_reversal_drop_out_of_every_figure(app, book):
    a, b = book.person("volunteer"), book.person("service_user")
    clinic = book.organisation()
    book.give(a, b, 60, day(1))
    book.give(b, a, 30, day(2))
    wrong = book.give(a, b, 600, day(3))
    book.reverse(wrong)  # dated as the original
    late = book.give(b, a, 45, day(4))
    book.reverse(late, on=book.community.today())  # dated after the period: the original still drops out
    third = book.give(b, clinic, 20, day(5))
    book.reverse(third, on=day(40))
    rep = report(book.community)
    # As if only a->b 60 and b->a 30 had happened:
    assert (rep["A2"]["entries"], rep["A2"]["minutes"]) == (2, 90)
    assert rep["B1"] == 1.0
    # r = 1; r_w = (30 + 30)/90 = 2/3
    assert_close(rep["B3"], {"r": 1.0, "rho": None, "r_w": 2 / 3})
    assert rep["C1"]["volunteer"]["service_user"] == 60
    assert rep["C1"]["service_user"]["volunteer"] == 30
    assert not rep["C1"].get("service_user", {}).get("organisation")

    twin = Book.new("twin")
    ta, tb = twin.person("volunteer"), twin.person("service_user")
    twin.organisation()
    twin.give(ta, tb, 60, day(1))
    twin.give(tb, ta, 30, day(2))
    assert_close(figures(rep), figures(report(twin.community)))


# -- kinds ----------------------------------------------------------------------------------


def test_c1_uses_the_kind_snapshotted_on_each_posting(book):
    from timebank.services.people.standing import set_kind

    coordinator = book.person("professional", role=Role.COORDINATOR)
    m, p = book.person("service_user"), book.person("professional")
    book.give(m, p, 60, day(2))
    membership = book.accounts[m.id]
    coordinating = book.accounts[coordinator.id]
    set_kind(coordinating, membership.id, kind_by_code(book.cid, "volunteer").id)
    db.session.commit()
    book.give(m, p, 30, day(1))  # dated earlier, posted after the change: a volunteer's
    book.give(p, m, 20, day(4))
    rep = report(book.community)
    c1 = rep["C1"]
    assert c1["service_user"]["professional"] == 60
    assert c1["volunteer"]["professional"] == 30
    assert c1["professional"]["volunteer"] == 20
    assert not c1.get("professional", {}).get("service_user")
    # C2: service user -> professional 60, professional -> service user 0 (the 20 went to a
    # volunteer by then): the ratio 60/0 cannot be computed; min/max = 0/60 = 0.
    assert rep["C2"]["ratio"] is None
    assert rep["C2"]["symmetric"] == 0.0
    # C5: the change was made today, outside the period ...
    assert rep["C5"] == []
    # ... and inside a period that runs to today. The first kind given on joining is no change.
    today = book.community.today()
    assert report(book.community, START, today)["C5"] == [{"from": "service_user", "to": "volunteer", "members": 1}]


def test_kind_changes_are_counted_by_from_and_to(book):
    from timebank.services.people.standing import set_kind

    coordinator = book.person("professional", role=Role.COORDINATOR)
    coordinating = book.accounts[coordinator.id]
    today = book.community.today()
    changes = [("service_user", "volunteer"), ("service_user", "volunteer"), ("carer", "professional")]
    for before, after in changes:
        account = book.person(before)
        set_kind(coordinating, book.accounts[account.id].id, kind_by_code(book.cid, after).id)
    book.person("carer", joined=today)  # joined (a first kind) today: not a change
    db.session.commit()
    found = sorted((c["from"], c["to"], c["members"]) for c in report(book.community, START, today)["C5"])
    assert found == [("carer", "professional", 1), ("service_user", "volunteer", 2)]


def test_upward_flow_and_role_crossers(book):
    s1, s2 = book.person("service_user"), book.person("service_user")
    p1, p2 = book.person("professional"), book.person("professional")
    v = book.person("volunteer")
    book.give(s1, p1, 90, day(1))
    book.give(p1, s2, 60, day(2))
    book.give(p2, v, 30, day(3))
    rep = report(book.community)
    # C2: service user -> professional 90; professional -> service user 60: 90/60 = 1.5;
    # symmetric min/max = 60/90 = 2/3.
    assert_close(rep["C2"], {"ratio": 1.5, "symmetric": 2 / 3})
    # C3: professionals p1 (received 90 from s1) and p2 (received nothing): 1/2;
    # service users s1 (gave 90) and s2 (only received): 1/2.
    assert_close(rep["C3"], {"professionals_receiving": 0.5, "service_users_giving": 0.5})


# -- participation -------------------------------------------------------------------------


def test_active_share_now_and_over_the_last_90_days(book):
    p = [book.person() for _ in range(7)]
    clinic = book.organisation()
    book.person(joined=END + timedelta(days=3))  # joined after `to`: not registered
    book.give(p[0], p[1], 60, day(10))
    book.give(p[2], clinic, 30, day(20))
    book.give(p[3], p[4], 45, START - timedelta(days=20))  # at most 81 days before END
    book.give(p[5], p[6], 45, START - timedelta(days=100))  # more than 90 days before END
    rep = report(book.community)
    # Registered at `to`: p0..p6 = 7. Active in T: p0, p1, p2 (with the clinic) = 3.
    # Active in the 90 days before `to`: p0..p4 = 5.
    assert_close(
        rep["A1"], {"share": 3 / 7, "share_90d": 5 / 7, "active": 3, "registered": 7, "active_90d": 5}
    )


def test_concentration_top_fifth_and_gini(book):
    a, b, c, d, e = (book.person() for _ in range(5))
    book.give(a, b, 240, day(1))
    book.give(c, d, 60, day(2))
    book.give(e, a, 60, day(3))
    rep = report(book.community)
    # G+R: a 240+60 = 300, b 240, c 60, d 60, e 60; total 720.
    # Top 20% of 5 active members = 1 member (a): 300/720 = 5/12.
    # Gini: sum |x_i - x_j| over ordered pairs = 2 * (3*180 + 3*240 + 60) = 2640;
    #       / (2 n^2 mean) = 2640 / (2 * 25 * 144) = 11/30.
    assert_close(rep["A3"], {"top20_share": 5 / 12, "gini": 11 / 30})


def test_asset_use_counts_offers_open_at_any_time_in_the_period(book):
    from timebank.services.listings import create_listing

    people = [book.person() for _ in range(6)]
    p1, p2, p3, p4, p5, other = people

    def listing(account, type_, created, closed=None):
        made, _ = create_listing(
            book.accounts[account.id], type_=type_, title="Gardening", description="", category_id=None,
            submission_id=uuid.uuid4().hex,
        )
        made.created_at = made.updated_at = at(created)
        if closed is not None:
            made.status, made.closed_at = ListingStatus.CLOSED, at(closed)
        db.session.commit()
        return made

    listing(p1, "offer", START - timedelta(days=30))  # open all through T
    listing(p2, "offer", day(1))  # open in T, but p2 only received
    listing(p3, "offer", day(10), closed=day(20))  # open for part of T
    listing(p4, "offer", START - timedelta(days=60), closed=START - timedelta(days=30))  # closed before T
    listing(p5, "request", day(2))  # a request is no offer
    book.give(p1, other, 60, day(5))
    book.give(other, p2, 60, day(6))
    book.give(p3, other, 60, day(30))
    book.give(p4, other, 60, day(31))
    book.give(p5, other, 60, day(32))
    rep = report(book.community)
    # With an offer open at some time in T: p1, p2, p3 (3); of them gave in T: p1, p3 (2): 2/3.
    assert rep["A4"] == near(2 / 3)
    assert rep["A4_base"] == {"with_offer": 3, "gave": 2}


def test_new_members_and_their_first_exchange(book):
    old = book.person(joined=date(2025, 1, 1))
    n1 = book.person(joined=day(2))
    n2 = book.person(joined=day(3))
    book.person(joined=day(4))  # n3: never exchanged
    book.give(n1, old, 60, day(12))  # 10 days after joining
    book.give(old, n2, 60, day(48))  # 45 days after joining
    rep = report(book.community)
    # Joined in T: n1, n2, n3 = 3; a first exchange within 30 days: n1 only: 1/3.
    assert_close(rep["A6"], {"joined": 3, "first_within_30d": 1 / 3})


# -- reciprocity ----------------------------------------------------------------------------


def test_two_way_share_and_balance_index(book):
    a, b, c, d, e, f, g, h = (book.person() for _ in range(8))
    clinic, pot = book.organisation(), book.pot()
    book.give(a, b, 60, day(1))
    book.give(b, a, 30, day(2))
    book.give(c, d, 60, day(3))
    book.give(e, clinic, 30, day(4))
    book.give(pot, f, 60, day(5), kind="grant")
    book.give(g, h, 50, day(6))
    book.give(h, g, 40, day(7))
    rep = report(book.community)
    # Two-way (G > 0 and R > 0): a, b, g, h of 8 active: 0.5.
    assert rep["B1"] == near(0.5)
    # b_i = (G-R)/(G+R): a 30/90 = 0.33 -> bin 4 of 5 (0.2..0.6); b -0.33 -> bin 2 (-0.6..-0.2);
    # c +1, e +1 (only gave) -> bin 5; d -1, f -1 -> bin 1; g 10/90 = 0.11, h -0.11 -> bin 3.
    assert rep["B2"]["histogram"] == [2, 1, 2, 1, 2]
    # |b_i| <= 0.5: a, b, g, h: 4/8.
    assert rep["B2"]["within_half"] == 0.5


def test_balance_spread_at_to_and_ginis_of_given_and_received(book):
    a, b, c, d, e, f = (book.person() for _ in range(6))
    before = START - timedelta(days=10)
    book.give(a, b, 1600, before)
    book.give(e, f, 1500, before)
    book.give(c, d, 60, day(5))
    book.give(c, d, 1500, END + timedelta(days=5))  # after `to`: not in the balance at `to`
    rep = report(book.community)
    # Balances at `to`: a +1600, b -1600 (beyond 25 h = 1500 min); e +1500, f -1500 (exactly
    # 25 h: not beyond); c +60, d -60. Of the 6 members, 2: 1/3.
    assert rep["B6"]["beyond_25h"] == near(1 / 3)
    # Ginis over the active members in T (c, d): given [60, 0] -> |60-0|*2/(2*4*30) = 0.5;
    # received [0, 60] -> 0.5.
    assert rep["B6"]["gini_given"] == near(0.5)
    assert rep["B6"]["gini_received"] == near(0.5)


# -- value and co-production ----------------------------------------------------------------


def test_replacement_value_uses_the_communitys_rates_and_currency(app):
    book = Book.new("valued", value_rate_low=1000, value_rate_central=1800, value_rate_high=3000, currency="EUR")
    a, b = book.person(), book.person()
    clinic = book.organisation()
    book.give(a, b, 90, day(1))
    book.give(b, a, 120, day(2))
    book.give(clinic, a, 30, day(3))
    # 240 minutes = 4 h: low 4 * 10.00 = 40.00, central 4 * 18.00 = 72.00, high 4 * 30.00 = 120.00.
    assert_close(
        report(book.community)["E1"], {"low": 40.0, "central": 72.0, "high": 120.0, "currency": "EUR", "hours": 4.0}
    )


def test_coproduction_steps_and_rungs(book):
    g, r1, r2 = book.person(), book.person(), book.person()
    book.group({g: 120}, {r1: 60, r2: 60}, day(1), coproduction_step="ideas", ladder_rung="co_design")
    book.give(r1, g, 60, day(2), coproduction_step="identify")
    book.give(r2, g, 45, day(3), ladder_rung="consultation")
    book.give(g, r2, 30, day(4))
    wrong = book.give(g, r1, 500, day(5), coproduction_step="identify", ladder_rung="co_design")
    book.reverse(wrong)
    g1 = report(book.community)["G1"]
    # Steps: ideas 120 min in 1 entry; identify 60 in 1 (the reversed 500 drops out).
    # Rungs: co_design 120 in 1; consultation 45 in 1. The plain 30 carries neither.
    steps = {k: v for k, v in g1["steps"].items() if v and v.get("entries")}
    rungs = {k: v for k, v in g1["rungs"].items() if v and v.get("entries")}
    assert steps == {"ideas": {"minutes": 120, "entries": 1}, "identify": {"minutes": 60, "entries": 1}}
    assert rungs == {"co_design": {"minutes": 120, "entries": 1}, "consultation": {"minutes": 45, "entries": 1}}


def test_retention_by_joining_month(book):
    from tests.metrics_support import months_ago

    # `to` = END, in the month months_ago(2). Cohort J = months_ago(9): its 3-month mark
    # (J+3) and 6-month mark (J+6) are before `to`'s month is over; its 12-month mark is not.
    old = book.person(joined=date(2025, 1, 1))
    j1, j2, j3 = (book.person(joined=months_ago(9, 10)) for _ in range(3))
    book.person(joined=months_ago(9, 12))  # j4: never exchanged
    book.give(j1, old, 60, months_ago(5, 10))  # J+4: active at 3 months, not at 6
    book.give(old, j2, 60, months_ago(2, 10))  # J+7: active at 3 and at 6 months
    book.give(j3, old, 60, months_ago(9, 20))  # only in the joining month
    rep = report(book.community)
    cohort = {row["cohort"]: row for row in rep["A5"]}[months_ago(9).strftime("%Y-%m")]
    # 4 joined; an entry in or after J+3: j1, j2 (2/4); in or after J+6: j2 (1/4); J+12 unknown.
    assert_close(cohort, {**cohort, "joined": 4, "m3": 0.5, "m6": 0.25, "m12": None})


def test_indirect_reciprocity_largest_strongly_connected_component(book):
    a, b, c, d, e, f = (book.person() for _ in range(6))
    book.give(a, b, 60, day(1))
    book.give(b, c, 60, day(2))
    book.give(c, a, 60, day(3))
    book.give(c, d, 30, day(4))
    book.give(e, f, 30, day(5))
    rep = report(book.community)
    # Strong components: {a, b, c} (the cycle), {d}, {e}, {f}. Members: 3/6 = 0.5.
    # Minutes on ties inside {a, b, c}: 180 of all 240 between members: 0.75.
    assert_close(rep["B4"], {"member_share": 0.5, "minute_share": 0.75})


def test_time_to_reciprocation(book):
    a, b, c, d, e, f, g, h = (book.person() for _ in range(8))
    early = START - timedelta(days=100)
    book.give(a, b, 60, early)  # a's first entry is a give, b's a receive
    book.give(b, a, 60, early + timedelta(days=20))  # 20 days for both
    book.give(a, c, 60, day(1))  # a active in T; c's first entry (a receive) is in T
    book.give(b, a, 30, day(2))  # b active in T
    book.give(c, d, 60, day(31))  # c reciprocates after 30 days; d never does
    earlier = START - timedelta(days=150)
    book.give(e, f, 60, earlier)
    book.give(f, e, 60, earlier + timedelta(days=120))  # 120 days for e and f
    book.give(e, f, 60, day(5))  # e and f active in T
    book.give(g, h, 60, START - timedelta(days=200))  # g, h not active in T: left out
    book.give(h, g, 60, START - timedelta(days=195))
    rep = report(book.community)
    # Members active in T: a, b, c, d, e, f. Days to the first entry the other way:
    # a 20, b 20, c 30, e 120, f 120; d none. Median of [20, 20, 30, 120, 120] = 30.
    # Within 90 days, over those whose first entry is 90+ days before `to` (a, b, e, f; not c,
    # d): a, b -> 2/4.
    assert rep["B5"]["median_days"] == near(30)
    assert rep["B5"]["within_90d"] == near(0.5)


def _request(book, account, created: date):
    from timebank.services.listings import create_listing

    listing, _ = create_listing(
        book.accounts[account.id], type_="request", title="Lift to the clinic", description="", category_id=None,
        submission_id=uuid.uuid4().hex,
    )
    listing.created_at = listing.updated_at = at(created)
    db.session.commit()
    return listing


def _matched_exchange(book, coordinating, listing, helper, requester, on: date, minutes=60, confirmation="phone"):
    from timebank.services.brokering.matches import introduce
    from timebank.services.exchanges.on_behalf import record_exchange

    match, _ = introduce(coordinating, listing.id, book.accounts[helper.id].id)
    db.session.commit()
    entry, _ = record_exchange(
        coordinating, giver_account_id=helper.id, receiver_account_id=requester.id, minutes=minutes,
        occurred_on=on, activity_id=None, confirmation=confirmation, note=None, submission_id=uuid.uuid4().hex,
        match_id=match.id,
    )
    db.session.commit()
    return entry.id


def test_broker_dependence(book):
    from timebank.services.exchanges.on_behalf import record_exchange

    coordinator = book.person("professional", role=Role.COORDINATOR)
    coordinating = book.accounts[coordinator.id]
    a, b, c = book.person(), book.person(), book.person()
    pot = book.pot()
    listing = _request(book, b, day(1))
    _matched_exchange(book, coordinating, listing, a, b, day(2))  # 1: coordinator, by phone, matched
    record_exchange(  # 2: coordinator, from a paper timesheet
        coordinating, giver_account_id=b.id, receiver_account_id=c.id, minutes=30, occurred_on=day(3),
        activity_id=None, confirmation="paper", note=None, submission_id=uuid.uuid4().hex,
    )
    db.session.commit()
    user = lambda account: book.accounts[account.id].user_id  # noqa: E731
    book.give(c, a, 45, day(4), confirmation=Confirmation.MEMBER, recorded_by_id=user(c), confirmed_by_id=user(a))  # 3
    book.give(a, c, 20, day(5), confirmation=Confirmation.AUTO_TIMEOUT, recorded_by_id=user(a))  # 4
    book.group(  # 5: a group session a coordinator recorded
        {a: 60}, {b: 30, c: 30}, day(6), confirmation=Confirmation.PHONE, recorded_by_id=coordinating.user_id,
        confirmed_by_id=coordinating.user_id,
    )
    book.give(pot, a, 60, day(7), kind="grant", confirmation=Confirmation.RECORDER, recorded_by_id=coordinating.user_id)
    rep = report(book.community)
    # Over the 5 exchanges and group sessions (the grant from the pot is not time people gave):
    # recorded or confirmed by a coordinator: 1, 2, 5 -> 3/5; from a brokered match: 1 -> 1/5.
    assert rep["D4"]["coordinator_share"] == near(3 / 5)
    assert rep["D4"]["matched_share"] == near(1 / 5)


def test_matching_of_requests(book):
    coordinator = book.person("professional", role=Role.COORDINATOR)
    coordinating = book.accounts[coordinator.id]
    r1, r2, r3, r4, helper = (book.person() for _ in range(5))
    first = _request(book, r1, day(2))
    second = _request(book, r2, day(5))
    third = _request(book, r3, day(6))
    before = _request(book, r4, START - timedelta(days=10))  # opened before T
    _matched_exchange(book, coordinating, first, helper, r1, day(12))  # 10 days
    _matched_exchange(book, coordinating, second, helper, r2, day(25))  # 20 days
    from timebank.services.brokering.matches import introduce

    introduce(coordinating, third.id, book.accounts[helper.id].id)  # introduced, no exchange (yet)
    db.session.commit()
    _matched_exchange(book, coordinating, before, helper, r4, day(3))
    rep = report(book.community)
    # Requests opened in T: 3; matched (a match that led to an exchange): 2 -> 2/3;
    # days from request to exchange: 10 and 20, median 15.
    assert rep["D6"]["requests"] == 3
    assert rep["D6"]["matched_share"] == near(2 / 3)
    assert rep["D6"]["median_days"] == near(15)


def test_tie_growth_partners_and_new_partners_per_quarter(app, today):
    book = Book.new("quarterly")
    # The last whole calendar quarter before this one.
    q = (today.month - 1) // 3
    index = today.year * 4 + q - 1
    qstart = date(index // 4, index % 4 * 3 + 1, 1)
    qend = date(index // 4 + (index % 4 == 3), (index % 4 * 3 + 3) % 12 + 1, 1) - timedelta(days=1)
    a, b, c, d, e = (book.person() for _ in range(5))
    clinic = book.organisation()
    book.give(d, a, 30, qstart - timedelta(days=20))  # a-d first exchanged before the quarter
    book.give(a, b, 60, qstart + timedelta(days=5))
    book.give(c, a, 60, qstart + timedelta(days=6))
    book.give(a, d, 60, qstart + timedelta(days=7))
    book.give(b, c, 60, qstart + timedelta(days=40))
    book.give(c, b, 30, qstart + timedelta(days=41))
    book.give(e, clinic, 30, qstart + timedelta(days=50))
    rep = report(book.community, qstart, qend)
    # Partners in T: a {b, c, d} 3, b {a, c} 2, c {a, b} 2, d {a} 1, e (only the clinic) 0.
    # Median of [0, 1, 2, 2, 3] = 2; max 3.
    assert rep["D5"]["median_partners"] == 2
    assert rep["D5"]["max_partners"] == 3
    # New pairs in the quarter: a-b, a-c, b-c (a-d is old): 3 pairs, a new partner for each of
    # two members = 6, over the 5 members active in the quarter: 1.2.
    label = f"{qstart.year}-Q{qstart.month // 3 + 1}"
    assert rep["D5"]["new_partners_per_quarter"] == [{"quarter": label, "value": near(1.2)}]


def test_a_small_cell_is_hidden_and_cannot_be_recomputed_from_the_total(book):
    volunteers = [book.person("volunteer") for _ in range(6)]
    users = [book.person("service_user") for _ in range(6)]
    carer, professional = book.person("carer"), book.person("professional")
    for i, (v, u) in enumerate(zip(volunteers, users, strict=False)):
        book.give(v, u, 60, day(i + 1))
        book.give(u, v, 30, day(i + 10))
    book.give(carer, professional, 45, day(20))
    full = report(book.community)
    rep = report(book.community, suppress=True)
    # volunteer -> service_user: 6 * 60 = 360 from 12 people; service_user -> volunteer 180 from
    # 12; carer -> professional 45 from 2 people: under the threshold of 5, hidden.
    assert full["C1"]["carer"]["professional"] == 45
    assert rep["C1"]["carer"]["professional"] is None
    assert "C1.carer.professional" in rep["suppressed"]
    # The total is 360 + 180 + 45 = 585 minutes. If A2 shows it, hiding the 45 alone would not
    # hide it (585 - 360 - 180 = 45): a second cell must be hidden too (or the total).
    hidden = [(a, b) for a, row in rep["C1"].items() for b, v in row.items() if v is None]
    assert rep["A2"]["minutes"] is None or len(hidden) >= 2, (rep["A2"]["minutes"], hidden)


def test_a_small_cell_after_a_kind_change_is_hidden(book):
    from timebank.services.people.standing import set_kind

    coordinator = book.person("professional", role=Role.COORDINATOR)
    carers = [book.person("carer") for _ in range(6)]
    pros = [book.person("professional") for _ in range(6)]
    for i, (c, p) in enumerate(zip(carers, pros, strict=False)):
        book.give(c, p, 60, day(i + 1))
    s, m = book.person("service_user"), book.person("service_user")
    book.give(m, s, 60, day(10))  # service user -> service user
    set_kind(book.accounts[coordinator.id], book.accounts[m.id].id, kind_by_code(book.cid, "volunteer").id)
    db.session.commit()
    book.give(s, m, 30, day(5))  # dated earlier, posted after the change: service user -> volunteer
    full = report(book.community)
    rep = report(book.community, suppress=True)
    # C1.service_user.volunteer = 30 min between 2 people (s and m): under 5, hidden.
    # C1.service_user.service_user = 60 min between the same 2 people: hidden.
    assert full["C1"]["service_user"]["volunteer"] == 30
    assert full["C1"]["service_user"]["service_user"] == 60
    assert rep["C1"]["service_user"]["volunteer"] is None, rep["suppressed"]
    assert rep["C1"]["service_user"]["service_user"] is None, rep["suppressed"]
