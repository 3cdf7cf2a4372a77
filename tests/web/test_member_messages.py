"""Messages between members through the pages (test client, both backends): "I can help" then
the requester replies; "Ask about this" on an offer; bad input kept with the message beside the
field; a double tap sends once; a blocked member is told; a coordinator reads a conversation
only once it is reported, and can block; contact details only with consent; the unread count."""
import re
import uuid
from html import unescape

from sqlalchemy import func, select

from timebank.extensions import db
from timebank.models import Conversation, Message, MessagingBlock
from timebank.services.listings import create_listing


def _listing(member, type_="request", title="Help with the shopping"):
    listing, _ = create_listing(member, type_=type_, title=title, description="", category_id=None, submission_id=uuid.uuid4().hex)
    db.session.commit()
    return listing


def _submission_id(html: str) -> str:
    return re.search(r'name="submission_id"[^>]*value="([0-9a-f]+)"', html).group(1)


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


def test_a_helper_offers_and_the_requester_replies_and_both_see_the_conversation(client, auth, make_member):
    requester, _ = make_member(name="Rita Requester")
    helper, _ = make_member(name="Harry Helper")
    listing = _listing(requester)
    auth.login(helper.user.email)
    client.post(f"/listings/{listing.id}/help", data={"message": "I can go on Saturday"})
    auth.logout()

    auth.login(requester.user.email)
    assert "1 new message" in _text(client.get("/messages"))
    page = _text(client.get(f"/listings/{listing.id}"))
    link = re.search(r'href="(/messages/\d+)">Reply to Harry Helper', page).group(1)
    page = _text(client.get(link))
    assert "I can go on Saturday" in page and "Mark as read" in page
    sent = client.post(link, data={"body": "Saturday is perfect", "submission_id": _submission_id(page)})
    assert sent.status_code == 303 and sent.headers["Location"].endswith("#latest")
    auth.logout()

    auth.login(helper.user.email)
    page = _text(client.get(link))
    assert page.index("I can go on Saturday") < page.index("Saturday is perfect")  # newest at the bottom
    assert client.post(f"{link}/read").status_code == 303
    assert "new message" not in _text(client.get("/messages"))


def test_ask_about_an_offer_refuses_bad_input_keeping_it_and_sends_once(client, auth, make_member):
    holder, _ = make_member(name="Olive Offerer")
    asker, _ = make_member()
    offer = _listing(holder, "offer", "Dog walking")
    auth.login(asker.user.email)
    assert "Ask about this" in _text(client.get(f"/listings/{offer.id}"))
    page = _text(client.get(f"/listings/{offer.id}/ask"))
    sid = _submission_id(page)
    too_long = "x" * 2001
    refused = client.post(f"/listings/{offer.id}/ask", data={"body": too_long, "submission_id": sid})
    assert refused.status_code == 422
    page = _text(refused)
    # The edge keeps what fits (the first 2000 characters) and says what to fix beside the field.
    assert "2000 characters or fewer" in page and too_long[:2000] in page and "Error:" in page
    assert client.post(f"/listings/{offer.id}/ask", data={"body": "\x07", "submission_id": sid}).status_code == 422
    for _ in range(2):  # a double tap
        sent = client.post(f"/listings/{offer.id}/ask", data={"body": "Is Tuesday possible?", "submission_id": sid})
        assert sent.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Message)) == 1
    # Asking again goes to the same conversation.
    conversation = db.session.scalar(select(Conversation))
    again = client.get(f"/listings/{offer.id}/ask")
    assert again.status_code == 303 and again.headers["Location"].endswith(f"/messages/{conversation.id}")


def test_contact_details_show_only_with_the_owners_consent(client, auth, make_member):
    holder, _ = make_member()
    asker, _ = make_member()
    holder.phone, holder.contact_by = "07700 900123", "phone"
    db.session.commit()
    offer = _listing(holder, "offer")
    auth.login(asker.user.email)
    page = _text(client.get(f"/listings/{offer.id}/ask"))
    client.post(f"/listings/{offer.id}/ask", data={"body": "Hello", "submission_id": _submission_id(page)})
    conversation = db.session.scalar(select(Conversation))
    assert "07700 900123" not in _text(client.get(f"/messages/{conversation.id}"))
    holder.share_contact = True
    db.session.commit()
    assert "07700 900123" in _text(client.get(f"/messages/{conversation.id}"))


def test_a_coordinator_reads_only_a_reported_conversation_and_can_block(client, auth, make_member):
    coordinator, _ = make_member(role="coordinator")
    holder, _ = make_member(name="Olive Offerer")
    asker, _ = make_member(name="Adam Asker")
    offer = _listing(holder, "offer")
    auth.login(asker.user.email)
    page = _text(client.get(f"/listings/{offer.id}/ask"))
    client.post(f"/listings/{offer.id}/ask", data={"body": "Something unpleasant", "submission_id": _submission_id(page)})
    conversation = db.session.scalar(select(Conversation))
    auth.logout()

    auth.login(coordinator.user.email)
    assert client.get(f"/coordinate/messages/{conversation.id}").status_code == 404
    auth.logout()

    auth.login(holder.user.email)
    page = _text(client.get(f"/messages/{conversation.id}/report"))
    assert client.post(f"/messages/{conversation.id}/report", data={"reason": "", "submission_id": _submission_id(page)}).status_code == 422
    reported = client.post(f"/messages/{conversation.id}/report", data={"reason": "Unpleasant", "submission_id": _submission_id(page)})
    assert reported.status_code == 303
    auth.logout()

    auth.login(coordinator.user.email)
    assert "Adam Asker and Olive Offerer" in _text(client.get("/coordinate/messages"))
    page = _text(client.get(f"/coordinate/messages/{conversation.id}"))
    assert "Something unpleasant" in page and "Unpleasant" in page
    blocked = client.post(f"/coordinate/messages/{conversation.id}",
                          data={"who": str(asker.id), "reason": "Rude", "submission_id": _submission_id(page)})
    assert blocked.status_code == 303
    assert db.session.scalar(select(MessagingBlock.membership_id)) == asker.id
    auth.logout()

    auth.login(asker.user.email)
    page = _text(client.get(f"/messages/{conversation.id}"))
    assert "A coordinator has stopped you sending messages" in page and 'name="body"' not in page
    refused = client.post(f"/messages/{conversation.id}", data={"body": "Hello?", "submission_id": uuid.uuid4().hex})
    assert refused.status_code == 422 and "stopped you sending messages" in _text(refused)
    assert db.session.scalar(select(func.count()).select_from(Message)) == 1


def test_nobody_else_sees_a_conversation(client, auth, make_member):
    holder, _ = make_member()
    asker, _ = make_member()
    stranger, _ = make_member()
    offer = _listing(holder, "offer")
    auth.login(asker.user.email)
    page = _text(client.get(f"/listings/{offer.id}/ask"))
    client.post(f"/listings/{offer.id}/ask", data={"body": "Hello", "submission_id": _submission_id(page)})
    conversation = db.session.scalar(select(Conversation))
    auth.logout()
    auth.login(stranger.user.email)
    assert client.get(f"/messages/{conversation.id}").status_code == 404
    assert client.post(f"/messages/{conversation.id}", data={"body": "hi"}).status_code == 404
    assert client.get(f"/listings/{offer.id}/ask").status_code == 200  # they may start their own


def test_an_exchange_page_links_to_a_conversation_about_it(client, auth, make_member, community):
    from timebank.services.exchanges.log import log_exchange

    giver, _ = make_member(name="Gina Giver")
    receiver, theirs = make_member(name="Rob Receiver")
    exchange, _ = log_exchange(giver, gave=True, partner_account_id=theirs.id, minutes=30, occurred_on=community.today(),
                               activity_id=None, note=None, submission_id=uuid.uuid4().hex)
    db.session.commit()
    auth.login(giver.user.email)
    page = _text(client.get(f"/exchanges/{exchange.id}"))
    assert f"/exchanges/{exchange.id}/message" in page and "Message Rob Receiver about this exchange" in page
    page = _text(client.get(f"/exchanges/{exchange.id}/message"))
    sent = client.post(f"/exchanges/{exchange.id}/message", data={"body": "Thanks!", "submission_id": _submission_id(page)})
    assert sent.status_code == 303
    assert db.session.scalar(select(Conversation.exchange_id)) == exchange.id
