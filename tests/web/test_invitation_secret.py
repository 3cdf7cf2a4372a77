"""An invitation link's secret leaves the address at once (issue 11), as a reset link's does:
opening the link keeps the secret in the session and redirects to a page whose address, form
and fields hold no secret; accepting works from there, once."""
import pytest
from sqlalchemy import select

from timebank.extensions import db
from timebank.models import MemberKind, User
from timebank.services.people import invitations

PASSWORD = "a long enough password"


@pytest.fixture
def token(app, community, make_member):
    coordinator, _ = make_member(role="coordinator")
    volunteer = db.session.scalar(
        select(MemberKind.id).where(MemberKind.community_id == community.id, MemberKind.code == "volunteer")
    )
    _, secret = invitations.new_invitation(
        coordinator, name="Efe Eze", email="efe@example.org", role="member", kind_id=volunteer, link_for=lambda t: f"/invitation/{t}"
    )
    db.session.commit()
    return secret


def accept(client):
    return client.post("/invitation", data={"name": "Efe Eze", "password": PASSWORD, "confirm": PASSWORD})


def test_opening_the_link_moves_its_secret_out_of_the_address_and_the_page(client, token):
    opened = client.get(f"/invitation/{token}")
    assert opened.status_code == 303 and opened.headers["Location"] == "/invitation"
    page = client.get("/invitation")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'value="Efe Eze"' in html
    assert token not in html, "not in a form action, a hidden field or anywhere else"
    assert '<form method="post"' in html and "action=" not in html.split('<form method="post"', 1)[1].split(">", 1)[0]

    followed = client.get(f"/invitation/{token}", follow_redirects=True)
    assert followed.request.path == "/invitation" and token not in followed.request.url


def test_accepting_works_from_the_clean_address_once(client, auth, token):
    client.get(f"/invitation/{token}")
    accepted = accept(client)
    assert accepted.status_code == 303 and accepted.headers["Location"] == "/"
    assert token not in accepted.headers["Location"]
    assert db.session.scalar(select(User.id).where(User.email == "efe@example.org")) is not None
    with client.session_transaction() as session:
        assert token not in repr(dict(session)), "the used secret is not kept"

    auth.logout()
    again = client.get(f"/invitation/{token}", follow_redirects=True)
    assert again.status_code == 410 and "already been used" in again.get_data(as_text=True)
    assert accept(client).status_code == 410


def test_the_page_without_a_link_or_with_a_wrong_one_is_the_same_clear_refusal(client, token):
    assert client.get("/invitation").status_code == 404
    assert accept(client).status_code == 404
    wrong = client.get("/invitation/not-a-real-token", follow_redirects=True)
    assert wrong.status_code == 404 and "This invitation cannot be used" in wrong.get_data(as_text=True)
    assert db.session.scalar(select(User.id).where(User.email == "efe@example.org")) is None
