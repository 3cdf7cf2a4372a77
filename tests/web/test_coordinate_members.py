"""Coordinators and members, through the test client, on SQLite and PostgreSQL: applications from
the public sign-up form, invitations, the member list and page, role and kind, suspending,
leaving (balance frozen or donated), importing a CSV file, and who may reach any of it."""
import hashlib
import io
import re
from datetime import timedelta
from html import unescape
from types import SimpleNamespace

import pytest
from sqlalchemy import event, func, select

from timebank.extensions import db
from timebank.ledger import exchange as exchange_spec
from timebank.ledger import post_entries, verify
from timebank.mail import sent_messages
from timebank.models import (
    Account,
    AuditEvent,
    Entry,
    EntryKind,
    ExchangeStatus,
    FormSubmission,
    Invitation,
    KindChange,
    MemberKind,
    MemberNote,
    Membership,
    MembershipStatus,
    Posting,
    Role,
    User,
)
from timebank.services.communities import create_community, pot_account
from timebank.services.exchanges.log import log_exchange
from timebank.services.people.applications import apply

# -- helpers ---------------------------------------------------------------------------------


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def assert_form_error(response, field_id: str, message: str) -> str:
    """The GOV.UK pattern: 422, "Error:" in the title, the summary links to the field, and the
    message is beside it."""
    html = response.get_data(as_text=True)
    assert response.status_code == 422, html
    assert re.search(r"<title>\s*Error:", html), "the title starts with Error:"
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S).group(0)
    assert f'href="#{field_id}"' in summary and message in unescape(summary), summary
    assert f'id="{field_id}"' in html, f"the summary links to #{field_id}, which is not on the page"
    beside = re.search(rf'id="{re.escape(field_id)}-error">(.*?)</p>', html, re.S)
    assert beside and message in unescape(beside.group(1)), f"no message beside #{field_id}"
    return unescape(html)


def sign_in(auth, membership_or_email):
    auth.logout()
    email = getattr(getattr(membership_or_email, "user", None), "email", membership_or_email)
    response = auth.login(email)
    assert response.status_code == 302, response.get_data(as_text=True)


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def fresh(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


def kind_id(community, code) -> int:
    return db.session.scalar(select(MemberKind.id).where(MemberKind.community_id == community.id, MemberKind.code == code))


def audited(action: str, actor_user_id: int, subject_id: int | None = None) -> AuditEvent:
    """The one audit event of this action, by this actor, about this member."""
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()
    assert len(events) == 1, [(e.action, e.subject_membership_id) for e in events]
    (event_,) = events
    assert event_.actor_id == actor_user_id
    assert event_.subject_membership_id == subject_id
    assert event_.remote_addr
    return event_


def give(community, giver_account, receiver_account, minutes):
    post_entries([exchange_spec(community.id, giver_account.id, receiver_account.id, minutes, community.today())])
    db.session.commit()


@pytest.fixture
def elsewhere(app):
    community = create_community("elsewhere", "Elsewhere Timebank")
    db.session.commit()
    return community


@pytest.fixture
def team(community, make_member):
    """A coordinator and two members of Riverside."""
    cora, cora_account = make_member(kind="professional", role="coordinator", name="Cora Coordinator")
    alice, alice_account = make_member(kind="service_user", name="Alice Adeyemi")
    bola, bola_account = make_member(kind="volunteer", name="Bola Okafor")
    return SimpleNamespace(cora=cora, alice=alice, alice_account=alice_account, bola=bola, bola_account=bola_account)


@pytest.fixture
def as_coordinator(auth, team):
    sign_in(auth, team.cora)
    return team


def signup_form(community, **overrides) -> dict:
    data = {
        "submission_id": "",
        "name": "Dele Ade",
        "email": "dele@example.org",
        "password": "correct horse battery",  # the fixtures' password, so that sign_in works
        "kind": str(kind_id(community, "carer")),
        "note": "I can cook and I like gardening.",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def apply_via_form(client, community, **overrides) -> Membership:
    response = client.post(f"/join/{community.slug}", data=signup_form(community, **overrides))
    assert response.status_code == 303, response.get_data(as_text=True)
    return db.session.scalar(select(Membership).join(User).where(User.email == overrides.get("email", "dele@example.org")))


# -- applications ----------------------------------------------------------------------------


def test_the_sign_up_form_makes_a_pending_application_with_no_account(app, client, community, team):
    form = client.get(f"/join/{community.slug}")
    assert form.status_code == 200
    shown = text(form)
    assert "Join Riverside Timebank" in shown and "Carer" in shown and "Service user" in shown
    submission_id = re.search(r'name="submission_id"[^>]*value="([0-9a-f]{32})"', shown).group(1)

    data = signup_form(community, submission_id=submission_id, email="Dele@Example.org")
    response = client.post(f"/join/{community.slug}", data=data)
    assert response.status_code == 303 and response.headers["Location"] == f"/join/{community.slug}?sent=1"
    assert "Application sent" in text(client.get(response.headers["Location"]))
    again = client.post(f"/join/{community.slug}", data=data)
    assert again.status_code == 303 and again.headers["Location"] == response.headers["Location"]

    (applicant,) = db.session.scalars(select(User).where(User.email == "dele@example.org")).all()
    membership = db.session.scalar(select(Membership).where(Membership.user_id == applicant.id))
    assert membership.status == MembershipStatus.PENDING and membership.kind.code == "carer"
    assert membership.application_note == "I can cook and I like gardening."
    assert count(Account, Account.membership_id == membership.id) == 0, "no account until approved"
    audited("member.apply", applicant.id, membership.id)
    assert sent_messages(app) == [], "nobody is emailed until a coordinator decides"


def test_the_sign_up_form_refuses_what_is_missing_and_keeps_the_answers(client, community):
    html = assert_form_error(client.post("/join/riverside", data=signup_form(community, name="")), "name", "Enter your name")
    assert 'value="dele@example.org"' in html and "I can cook" in html
    assert 'value="correct horse battery"' not in html, "a password is never sent back"
    assert_form_error(client.post("/join/riverside", data=signup_form(community, password="short")), "password", "at least 8 characters")
    assert_form_error(client.post("/join/riverside", data=signup_form(community, email="not-an-email")), "email", "right format")
    assert_form_error(client.post("/join/riverside", data=signup_form(community, kind=None)), "kind", "Choose which best describes you")
    assert count(User) == 0
    assert client.get("/join/nowhere").status_code == 404


def test_applying_with_an_email_that_has_an_account_creates_nothing_and_says_nothing(app, client, community, team):
    users = count(User)
    response = client.post("/join/riverside", data=signup_form(community, email=team.alice.user.email))
    assert response.status_code == 303 and response.headers["Location"].endswith("?sent=1"), "the page does not tell"
    assert count(User) == users and count(Membership, Membership.status == MembershipStatus.PENDING) == 0
    (message,) = sent_messages(app)
    assert message["To"] == team.alice.user.email and "already has an account" in message.get_content()


def test_a_pending_applicant_cannot_use_the_member_pages(client, auth, community):
    apply_via_form(client, community)
    sign_in(auth, "dele@example.org")
    for path in ("/log", "/statement", "/listings", "/profile", "/my-data"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "You do not have a time account here" in text(response)


def test_approving_opens_the_account_and_emails_the_applicant(app, client, auth, community, team):
    applicant = apply_via_form(client, community)
    sign_in(auth, team.cora)
    listed = text(client.get("/coordinate/applications"))
    assert "Dele Ade" in listed and "dele@example.org" in listed and "I can cook" in listed and "Carer" in listed
    assert "1 application to decide" in text(client.get("/coordinate/members"))

    response = client.post(f"/coordinate/applications/{applicant.id}/approve", data={"submission_id": "a" * 32})
    assert response.status_code == 303 and response.headers["Location"] == "/coordinate/applications"
    assert "Dele Ade is now a member" in text(client.get(response.headers["Location"]))
    applicant = fresh(applicant)
    assert applicant.status == MembershipStatus.ACTIVE and applicant.joined_on == community.today()
    account = db.session.scalar(select(Account).where(Account.membership_id == applicant.id))
    assert account is not None and account.floor == community.default_floor and account.closed_at is None
    history = db.session.scalars(select(KindChange).where(KindChange.membership_id == applicant.id)).all()
    assert [(h.from_kind_id, h.to_kind_id, h.changed_by_id) for h in history] == [(None, applicant.kind_id, team.cora.user_id)]
    (email,) = sent_messages(app)
    assert email["To"] == "dele@example.org" and "approved" in email.get_content()
    audited("member.approve", team.cora.user_id, applicant.id)

    again = client.post(f"/coordinate/applications/{applicant.id}/approve", data={"submission_id": "a" * 32})
    assert again.status_code == 303 and count(Account, Account.membership_id == applicant.id) == 1
    assert len(sent_messages(app)) == 1, "a repeated form does nothing twice"
    later = client.post(f"/coordinate/applications/{applicant.id}/approve", data={"submission_id": "b" * 32})
    assert "already been decided" in text(client.get(later.headers["Location"]))

    sign_in(auth, "dele@example.org")
    assert client.get("/log").status_code == 200


def test_declining_emails_the_applicant_and_opens_nothing(app, client, auth, community, team):
    applicant = apply_via_form(client, community)
    sign_in(auth, team.cora)
    response = client.post(f"/coordinate/applications/{applicant.id}/decline", data={"message": "We are full until spring."})
    assert response.status_code == 303
    applicant = fresh(applicant)
    assert applicant.status == MembershipStatus.LEFT and applicant.left_on == community.today()
    assert count(Account, Account.membership_id == applicant.id) == 0
    (email,) = sent_messages(app)
    assert email["To"] == "dele@example.org" and "We are full until spring." in email.get_content()
    audited("member.decline", team.cora.user_id, applicant.id)
    assert "No applications are waiting" in text(client.get("/coordinate/applications"))
    sign_in(auth, "dele@example.org")
    assert client.get("/log").status_code == 403


# -- invitations -----------------------------------------------------------------------------


def invite(client, community, **overrides):
    data = {"name": "Efe Eze", "email": "efe@example.org", "role": "member", "kind": str(kind_id(community, "volunteer"))}
    data.update(overrides)
    return client.post("/coordinate/members/invite", data={k: v for k, v in data.items() if v is not None})


#: Where an invitation link leads once its secret has moved into the session.
PAGE = "/invitation"


def link_in(response) -> str:
    return re.search(r'value="http://localhost(/invitation/[^"]+)"', response.get_data(as_text=True)).group(1)


def test_an_invitation_link_works_once_and_makes_the_member(app, client, auth, community, as_coordinator, clock):
    assert "Invite someone" in text(client.get("/coordinate/members/invite"))
    response = invite(client, community)
    assert response.status_code == 200 and "Invitation sent" in text(response)
    path = link_in(response)
    token = path.rsplit("/", 1)[1]
    invitation = db.session.scalar(select(Invitation))
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in invitation.token_hash
    assert timedelta(days=13, hours=23) < invitation.expires_at - clock() <= timedelta(days=14)
    (email,) = sent_messages(app)
    assert email["To"] == "efe@example.org" and path in email.get_content()
    audit = audited("member.invite", as_coordinator.cora.user_id, None)
    assert (audit.target_type, audit.target_id) == ("invitation", invitation.id)
    assert count(User, User.email == "efe@example.org") == 0, "nobody exists until they accept"

    auth.logout()
    form = client.get(path, follow_redirects=True)  # the link's secret moves out of the address
    assert form.status_code == 200 and 'value="Efe Eze"' in form.get_data(as_text=True)
    mismatch = client.post(PAGE, data={"name": "Efe Eze", "password": "a long enough password", "confirm": "another one entirely"})
    assert_form_error(mismatch, "confirm", "The two passwords are not the same")
    accepted = client.post(PAGE, data={"name": "Efe Eze", "password": "a long enough password", "confirm": "a long enough password"})
    assert accepted.status_code == 303 and accepted.headers["Location"] == "/"
    assert client.get("/log").status_code == 200, "signed in, with a time account"
    user = db.session.scalar(select(User).where(User.email == "efe@example.org"))
    membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
    assert membership.status == MembershipStatus.ACTIVE and membership.kind.code == "volunteer" and membership.role == Role.MEMBER
    assert count(Account, Account.membership_id == membership.id) == 1
    assert fresh(invitation).used_at is not None
    audited("member.join", user.id, membership.id)

    auth.logout()
    used = {"name": "X", "password": "another password!", "confirm": "another password!"}
    for response in (client.get(path, follow_redirects=True), client.post(PAGE, data=used)):
        assert response.status_code == 410 and "already been used" in text(response)
    assert count(User, User.email == "efe@example.org") == 1


def test_an_expired_or_wrong_invitation_link_is_refused(client, auth, community, as_coordinator, now):
    path = link_in(invite(client, community))
    invitation = db.session.scalar(select(Invitation))
    invitation.expires_at = now - timedelta(minutes=1)
    db.session.commit()
    auth.logout()
    late = {"name": "Efe", "password": "a long enough password", "confirm": "a long enough password"}
    for response in (client.get(path, follow_redirects=True), client.post(PAGE, data=late)):
        assert response.status_code == 410 and "This invitation has expired" in text(response)
    assert count(User, User.email == "efe@example.org") == 0
    wrong = client.get("/invitation/not-a-real-token", follow_redirects=True)
    assert wrong.status_code == 404 and "not right" in text(wrong)


def test_an_invitation_is_refused_for_a_used_email_or_without_a_kind(client, community, as_coordinator):
    assert_form_error(invite(client, community, email=as_coordinator.alice.user.email), "email", "already uses")
    html = assert_form_error(invite(client, community, kind=None), "kind", "Choose the kind of person they are")
    assert 'value="Efe Eze"' in html
    assert_form_error(invite(client, community, name=""), "name", "Enter their name")
    assert_form_error(invite(client, community, role="admin"), "role", "Not a valid choice")
    assert invite(client, community, role="funder", kind=None, email="fay@example.org").status_code == 200
    assert count(Invitation) == 1 and count(AuditEvent) == 1


# -- the member list and page ----------------------------------------------------------------


def test_member_list_searches_filters_and_pages_by_key(client, community, make_member, as_coordinator, elsewhere):
    for n in range(30):
        make_member(kind="carer" if n % 3 == 0 else "volunteer", name=f"Member {n:02d}")
    make_member(name="Member Elsewhere", target=elsewhere)
    first = client.get("/coordinate/members")
    assert first.status_code == 200
    names = re.findall(r'/coordinate/members/\d+">([^<]+)</a>', first.get_data(as_text=True))
    assert len(names) == 25 and names == sorted(names, key=str.lower)
    assert "Member Elsewhere" not in first.get_data(as_text=True)
    next_link = unescape(re.search(r'href="(/coordinate/members\?after=\d+)"', first.get_data(as_text=True)).group(1))
    second = client.get(next_link).get_data(as_text=True)
    rest = re.findall(r'/coordinate/members/\d+">([^<]+)</a>', second)
    assert len(rest) == 33 - 25 and not set(rest) & set(names), "the next page follows on, nothing twice"
    assert 'href="/coordinate/members?after=' not in second, "no next link on the last page"

    found = text(client.get("/coordinate/members?q=member+07"))
    assert "Member 07" in found and "Member 08" not in found
    carers = re.findall(r'/coordinate/members/\d+">([^<]+)</a>', client.get(f"/coordinate/members?kind={kind_id(community, 'carer')}").get_data(as_text=True))
    assert len(carers) == 10 and all(int(n.split()[1]) % 3 == 0 for n in carers)
    coordinators = text(client.get("/coordinate/members?role=coordinator"))
    assert "Cora Coordinator" in coordinators and "Alice Adeyemi" not in coordinators
    as_coordinator.alice.status = MembershipStatus.SUSPENDED
    db.session.commit()
    suspended = re.findall(r'/coordinate/members/\d+">([^<]+)</a>', client.get("/coordinate/members?status=suspended").get_data(as_text=True))
    assert suspended == ["Alice Adeyemi"]


def _queries_for(app, client, path) -> int:
    statements = []

    def counter(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    # The test and its requests share one session: start each count with nothing loaded.
    db.session.commit()
    db.session.expire_all()
    event.listen(db.engine, "before_cursor_execute", counter)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
    return len(statements)


def test_member_list_runs_the_same_queries_for_5_or_30_members(app, client, community, make_member, as_coordinator):
    for n in range(2):
        make_member(name=f"Few {n}")
    few = _queries_for(app, client, "/coordinate/members")
    for n in range(28):
        make_member(kind="carer", name=f"Many {n}")
    many = _queries_for(app, client, "/coordinate/members")
    assert few == many, (few, many)
    assert _queries_for(app, client, "/coordinate/members?q=many") == many


def test_applications_run_the_same_queries_for_1_or_6_applicants(app, client, community, as_coordinator):
    def applicants(n, start):
        for i in range(start, start + n):
            apply(community, name=f"Applicant {i}", email=f"applicant{i}@example.org", password="a long enough password", kind_id=kind_id(community, "carer"), note="Hello")

    applicants(1, 0)
    one = _queries_for(app, client, "/coordinate/applications")
    applicants(5, 1)
    six = _queries_for(app, client, "/coordinate/applications")
    assert one == six, (one, six)


def test_the_member_page_shows_who_they_are_and_their_kind_history(client, community, as_coordinator):
    alice = as_coordinator.alice
    page = client.get(f"/coordinate/members/{alice.id}")
    assert page.status_code == 200
    shown = text(page)
    for what in ("Alice Adeyemi", alice.user.email, "Service user", "Active", "Member", "joined as Service user"):
        assert what in shown, what
    assert client.get("/coordinate/members/999999").status_code == 404


# -- role and kind ---------------------------------------------------------------------------


def test_changing_the_kind_keeps_the_history_with_its_date_and_who(client, community, as_coordinator):
    alice = as_coordinator.alice
    form = client.get(f"/coordinate/members/{alice.id}/kind")
    assert form.status_code == 200 and "checked" in form.get_data(as_text=True)
    response = client.post(f"/coordinate/members/{alice.id}/kind", data={"kind": kind_id(community, "volunteer")})
    assert response.status_code == 303 and response.headers["Location"] == f"/coordinate/members/{alice.id}"
    alice = fresh(alice)
    assert alice.kind.code == "volunteer"
    change = db.session.scalars(select(KindChange).where(KindChange.membership_id == alice.id).order_by(KindChange.id)).all()[-1]
    assert (change.from_kind_id, change.to_kind_id) == (kind_id(community, "service_user"), kind_id(community, "volunteer"))
    assert change.changed_on == community.today() and change.changed_by_id == as_coordinator.cora.user_id
    event_ = audited("member.kind", as_coordinator.cora.user_id, alice.id)
    assert event_.details == {"before": "service_user", "after": "volunteer"}
    assert "Service user to Volunteer" in text(client.get(response.headers["Location"]))

    assert_form_error(client.post(f"/coordinate/members/{alice.id}/kind", data={"kind": kind_id(community, "volunteer")}), "kind", "already")
    assert_form_error(client.post(f"/coordinate/members/{alice.id}/kind", data={}), "kind", "Choose a kind")


def test_changing_the_role_and_what_is_refused(client, community, make_member, as_coordinator):
    alice = as_coordinator.alice
    response = client.post(f"/coordinate/members/{alice.id}/role", data={"role": "coordinator"})
    assert response.status_code == 303 and fresh(alice).role == Role.COORDINATOR
    assert audited("member.role", as_coordinator.cora.user_id, alice.id).details == {"before": "member", "after": "coordinator"}
    assert_form_error(client.post(f"/coordinate/members/{alice.id}/role", data={"role": "funder"}), "role", "cannot become a funder")
    assert_form_error(client.post(f"/coordinate/members/{as_coordinator.cora.id}/role", data={"role": "member"}), "role", "yourself")
    assert_form_error(client.post(f"/coordinate/members/{alice.id}/role", data={"role": "admin"}), "role", "Not a valid choice")
    funder, _ = make_member(role="funder", name="Fola Funder")
    assert_form_error(client.post(f"/coordinate/members/{funder.id}/role", data={"role": "member"}), "role", "Set the kind")
    assert client.post(f"/coordinate/members/{funder.id}/kind", data={"kind": kind_id(community, "professional")}).status_code == 303
    assert client.post(f"/coordinate/members/{funder.id}/role", data={"role": "member"}).status_code == 303
    assert count(Account, Account.membership_id == funder.id) == 1, "a funder who becomes a member gets an account"


# -- suspending and leaving ------------------------------------------------------------------


def test_suspending_blocks_the_member_pages_and_reinstating_restores_them(client, auth, as_coordinator):
    alice = as_coordinator.alice
    assert "Suspend Alice Adeyemi" in text(client.get(f"/coordinate/members/{alice.id}/suspend"))
    response = client.post(f"/coordinate/members/{alice.id}/suspend", data={"reason": "Missed three sessions without word."})
    assert response.status_code == 303 and fresh(alice).status == MembershipStatus.SUSPENDED
    audited("member.suspend", as_coordinator.cora.user_id, alice.id)
    assert db.session.scalar(select(MemberNote.body)) == "Suspended: Missed three sessions without word."
    assert "Missed three sessions" in text(client.get(f"/coordinate/members/{alice.id}"))
    again = client.post(f"/coordinate/members/{alice.id}/suspend", data={})
    assert_form_error(again, "reason", "Only an active member can be suspended")

    sign_in(auth, alice)
    assert client.get("/log").status_code == 403 and client.get("/statement").status_code == 403

    sign_in(auth, as_coordinator.cora)
    response = client.post(f"/coordinate/members/{alice.id}/reinstate")
    assert response.status_code == 303 and fresh(alice).status == MembershipStatus.ACTIVE
    audited("member.reinstate", as_coordinator.cora.user_id, alice.id)
    sign_in(auth, alice)
    assert client.get("/log").status_code == 200


def test_leaving_with_a_donation_posts_it_to_the_pot_then_closes_the_account(client, auth, community, as_coordinator):
    t = as_coordinator
    give(community, t.alice_account, t.bola_account, 90)
    pending, _ = log_exchange(
        t.bola, gave=True, partner_account_id=t.alice_account.id, minutes=30, occurred_on=community.today(),
        activity_id=None, note=None, submission_id="p1",
    )
    db.session.commit()
    page = text(client.get(f"/coordinate/members/{t.alice.id}/leave"))
    assert "1 h 30 min" in page and "Donate it to the community pot" in page

    response = client.post(f"/coordinate/members/{t.alice.id}/leave", data={"balance": "donate"})
    assert response.status_code == 303
    alice, account = fresh(t.alice), fresh(t.alice_account)
    assert alice.status == MembershipStatus.LEFT and alice.left_on == community.today()
    assert account.closed_at is not None and account.balance == 0
    donation = db.session.scalar(select(Entry).where(Entry.kind == EntryKind.DONATION))
    pot = pot_account(community.id)
    assert sorted((p.account_id, p.minutes) for p in donation.postings) == sorted([(account.id, -90), (pot.id, 90)])
    assert donation.recorded_by_id == t.cora.user_id and pot.balance == 90
    assert fresh(pending).status == ExchangeStatus.CANCELLED
    assert all(check.ok for check in verify())
    assert audited("member.leave", t.cora.user_id, alice.id).details == {"balance": "donate", "donated_minutes": 90}
    assert "Left" in text(client.get(f"/coordinate/members/{alice.id}"))
    sign_in(auth, alice)
    assert client.get("/log").status_code == 403


def test_leaving_with_the_balance_frozen_keeps_it_in_the_closed_account(client, community, as_coordinator):
    t = as_coordinator
    give(community, t.alice_account, t.bola_account, 45)
    assert client.post(f"/coordinate/members/{t.alice.id}/leave", data={"balance": "freeze"}).status_code == 303
    account = fresh(t.alice_account)
    assert account.closed_at is not None and account.balance == 45
    assert count(Entry, Entry.kind == EntryKind.DONATION) == 0
    assert all(check.ok for check in verify())
    assert_form_error(client.post(f"/coordinate/members/{t.alice.id}/leave", data={"balance": "freeze"}), "balance", "Only an active or suspended member")


def test_a_negative_balance_cannot_be_donated_only_frozen(client, community, as_coordinator):
    t = as_coordinator
    give(community, t.bola_account, t.alice_account, 60)
    page = client.get(f"/coordinate/members/{t.alice.id}/leave").get_data(as_text=True)
    assert "cannot be donated" in unescape(page) and 'value="donate"' not in page
    refused = client.post(f"/coordinate/members/{t.alice.id}/leave", data={"balance": "donate"})
    assert_form_error(refused, "balance", "cannot be donated")
    assert fresh(t.alice).status == MembershipStatus.ACTIVE and fresh(t.alice_account).closed_at is None
    assert count(AuditEvent, AuditEvent.action == "member.leave") == 0
    assert client.post(f"/coordinate/members/{t.alice.id}/leave", data={"balance": "freeze"}).status_code == 303
    assert fresh(t.alice_account).balance == -60 and fresh(t.alice_account).closed_at is not None
    assert count(Posting, Posting.account_id == t.alice_account.id) == 1


def test_a_coordinator_cannot_suspend_or_remove_themselves(client, as_coordinator):
    cora = as_coordinator.cora
    assert_form_error(client.post(f"/coordinate/members/{cora.id}/suspend", data={}), "reason", "yourself")
    assert_form_error(client.post(f"/coordinate/members/{cora.id}/leave", data={"balance": "freeze"}), "balance", "yourself")
    assert fresh(cora).status == MembershipStatus.ACTIVE


# -- importing a file ------------------------------------------------------------------------


def upload(client, content: str, **extra):
    data = {"file": (io.BytesIO(content.encode()), "members.csv"), **extra}
    return client.post("/coordinate/members/import", data=data, content_type="multipart/form-data")


def test_an_import_with_bad_lines_reports_each_with_its_line_and_imports_nothing(app, client, as_coordinator):
    users = count(User)
    content = (
        "name,email,kind,role,phone\n"
        "Gina Good,gina@example.org,carer,,01234 567890\n"
        ",nameless@example.org,carer,,\n"
        "Hal Twice,hal@example.org,volunteer,,\n"
        "Hal Again,HAL@example.org,volunteer,,\n"
        f"Alice Copy,{as_coordinator.alice.user.email},volunteer,,\n"
        "Ike Kind,ike@example.org,wizard,,\n"
        "Jo Mail,not-an-email,carer,,\n"
        "Kim Role,kim@example.org,carer,superuser,\n"
    )
    response = upload(client, content, send_invitations="y")
    html = assert_form_error(response, "file", "Line 3: the name is missing")
    for expected in (
        "Line 5: hal@example.org is also on line 4",
        f"Line 6: someone already uses {as_coordinator.alice.user.email}",
        "Line 7: the kind “wizard” is not one of",
        "Line 8: “not-an-email” is not an email address",
        "Line 9: the role “superuser” is not one of",
    ):
        assert expected in html, expected
    assert "Line 2" not in html and "Line 4:" not in html
    assert count(User) == users and count(Membership) == 3, "all or nothing"
    assert sent_messages(app) == [] and count(AuditEvent) == 0


def test_an_import_without_a_header_or_rows_is_refused(client, as_coordinator):
    assert_form_error(upload(client, "Gina,gina@example.org,carer\n"), "file", "Line 1: The first line must name the columns")
    assert_form_error(upload(client, "name,email,kind\n"), "file", "The file has no members in it")
    assert_form_error(client.post("/coordinate/members/import", data={}, content_type="multipart/form-data"), "file", "Choose a CSV file")


def test_an_import_adds_everyone_and_emails_nobody_unless_asked(app, client, auth, community, as_coordinator):
    content = (
        "\ufeffName,Email,Kind,Role,Phone\n"
        "Gina Good,gina@example.org,Carer,,01234 567890\n"
        '"Hal, the Helper",hal@example.org,volunteer,coordinator,\n'
        "Fay Funder,fay@example.org,,funder,\n"
    )
    response = upload(client, content)
    assert response.status_code == 303 and response.headers["Location"] == "/coordinate/members"
    assert "3 people imported" in text(client.get(response.headers["Location"]))
    gina = db.session.scalar(select(Membership).join(User).where(User.email == "gina@example.org"))
    hal = db.session.scalar(select(Membership).join(User).where(User.email == "hal@example.org"))
    fay = db.session.scalar(select(Membership).join(User).where(User.email == "fay@example.org"))
    assert (gina.kind.code, gina.role, gina.phone, gina.status) == ("carer", "member", "01234 567890", "active")
    assert (hal.user.name, hal.role, hal.kind.code) == ("Hal, the Helper", "coordinator", "volunteer")
    assert (fay.role, fay.kind_id) == ("funder", None)
    assert count(Account, Account.membership_id.in_([gina.id, hal.id])) == 2 and count(Account, Account.membership_id == fay.id) == 0
    assert gina.user.password_hash is None
    assert sent_messages(app) == [] and count(Invitation) == 0
    assert count(AuditEvent, AuditEvent.action == "member.import", AuditEvent.actor_id == as_coordinator.cora.user_id) == 3
    assert db.session.scalar(select(KindChange.changed_by_id).where(KindChange.membership_id == gina.id)) == as_coordinator.cora.user_id


def test_an_import_can_send_each_person_a_link_to_choose_a_password(app, client, auth, as_coordinator):
    response = upload(client, "name,email,kind\nGina Good,gina@example.org,carer\n", send_invitations="y")
    assert response.status_code == 303
    (email,) = sent_messages(app)
    path = re.search(r"http://localhost(/invitation/\S+)", email.get_content()).group(1)
    auth.logout()
    client.get(path)
    accepted = client.post(PAGE, data={"name": "Gina Good", "password": "a long enough password", "confirm": "a long enough password"})
    assert accepted.status_code == 303
    assert client.get("/log").status_code == 200
    assert count(Membership, Membership.user_id == db.session.scalar(select(User.id).where(User.email == "gina@example.org"))) == 1
    auth.logout()
    assert auth.login("gina@example.org", "a long enough password").status_code == 302


# -- who may reach these pages ---------------------------------------------------------------

GET_ROUTES = [
    "/coordinate/members/{m}",
    "/coordinate/members/{m}/role",
    "/coordinate/members/{m}/kind",
    "/coordinate/members/{m}/suspend",
    "/coordinate/members/{m}/leave",
]
LIST_ROUTES = ["/coordinate/members", "/coordinate/applications", "/coordinate/members/invite", "/coordinate/members/import"]
POST_ROUTES = [
    ("/coordinate/applications/{p}/approve", {}),
    ("/coordinate/applications/{p}/decline", {}),
    ("/coordinate/members/{m}/role", {"role": "coordinator"}),
    ("/coordinate/members/{m}/kind", {"kind": "{k}"}),
    ("/coordinate/members/{m}/suspend", {}),
    ("/coordinate/members/{m}/reinstate", {}),
    ("/coordinate/members/{m}/leave", {"balance": "freeze"}),
]


@pytest.fixture
def ids(client, community, team):
    applicant = apply_via_form(client, community)
    return {"m": team.alice.id, "p": applicant.id, "k": kind_id(community, "carer")}


def _nothing_changed(team, applicant_id):
    db.session.expire_all()
    assert db.session.get(Membership, team.alice.id).status == MembershipStatus.ACTIVE
    assert db.session.get(Membership, team.alice.id).role == Role.MEMBER
    assert db.session.get(Membership, applicant_id).status == MembershipStatus.PENDING
    assert count(AuditEvent, AuditEvent.action != "member.apply") == 0
    assert count(FormSubmission) == 0


def test_signed_out_visitors_are_sent_to_sign_in(client, team, ids, subtests):
    for path in GET_ROUTES + LIST_ROUTES:
        with subtests.test(method="GET", path=path):
            response = client.get(path.format(**ids))
            assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    for path, data in POST_ROUTES + [("/coordinate/members/invite", {}), ("/coordinate/members/import", {})]:
        with subtests.test(method="POST", path=path):
            response = client.post(path.format(**ids), data={k: v.format(**ids) for k, v in data.items()})
            assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    _nothing_changed(team, ids["p"])


@pytest.mark.parametrize("who", ["member", "other_coordinator"])
def test_members_and_other_communities_coordinators_get_404(client, auth, make_member, elsewhere, team, ids, who, subtests):
    outsider, _ = make_member(role="member") if who == "member" else make_member(role="coordinator", target=elsewhere)
    sign_in(auth, outsider)
    for path in GET_ROUTES:
        with subtests.test(method="GET", path=path):
            assert client.get(path.format(**ids)).status_code == 404
    for path, data in POST_ROUTES:
        with subtests.test(method="POST", path=path):
            assert client.post(path.format(**ids), data={k: v.format(**ids) for k, v in data.items()}).status_code == 404
    for path in LIST_ROUTES:
        with subtests.test(method="GET", path=path):
            response = client.get(path)
            if who == "member":
                assert response.status_code == 404
            else:  # their own community's page, with nothing of Riverside's on it
                assert response.status_code == 200
                assert "Alice Adeyemi" not in text(response) and "Dele Ade" not in text(response)
    _nothing_changed(team, ids["p"])
