"""The page-action edge (timebank/web/), through a tiny blueprint of its own on SQLite and
PostgreSQL: a repeat shows the first result and writes nothing; a refusal goes beside its field
(422, what was typed kept), to the 404 or 403 page, or into a message; every refusal and every
dry run leaves nothing written."""
import pytest
from flask import Blueprint, current_app, render_template_string
from flask_login import current_user, login_required
from sqlalchemy import func, select
from wtforms import StringField
from wtforms.validators import DataRequired

from timebank.errors import InvalidInput, NotFound, NotPermitted, TimebankError
from timebank.extensions import db
from timebank.models import AuditEvent, FormSubmission
from timebank.services.communities import create_community
from timebank.web import Done, SubmissionForm, button, dry_run, form_page

PASSWORD = "long password 1"
PAGE = """{% for m in get_flashed_messages() %}<p class="flash">{{ m }}</p>{% endfor %}
{{ form.submission_id() }}{{ form.body() }}{% for e in form.body.errors %}<p class="error">{{ e }}</p>{% endfor %}"""


class NoteForm(SubmissionForm):
    body = StringField("Body", validators=[DataRequired()])


#: What the test service does for a body: the refusals it raises after writing its row.
REFUSALS = {
    "refuse-field": lambda: InvalidInput("Not that one.", field="body"),
    "refuse-by-code": lambda: TimebankError("Said by its code."),
    "missing": NotFound,
    "forbidden": NotPermitted,
    "later": lambda: TimebankError("Try again later."),
}


def write(body: str) -> AuditEvent:
    """A stand-in for a service: it adds and flushes a row, then maybe refuses."""
    event = AuditEvent(community_id=current_app.config["EDGE_COMMUNITY_ID"], actor_id=current_user.id, action="edge.note", details={"body": body})
    db.session.add(event)
    db.session.flush()
    if body in REFUSALS:
        raise REFUSALS[body]()
    return event


def edge_blueprint() -> Blueprint:
    bp = Blueprint("edge_test", __name__, url_prefix="/edge")

    @bp.route("/note", methods=["GET", "POST"])
    @login_required
    def note():
        form = NoteForm()
        return form_page(
            form,
            lambda: write(form.body.data),
            lambda event: Done(f"/edge/note?made={event.id}", "Saved."),
            lambda: render_template_string(PAGE, form=form),
            fields={"timebank_error": "body"} if form.body.data == "refuse-by-code" else None,
        )

    @bp.post("/button")
    @login_required
    def press():
        body = NoteForm().body.data
        return button(lambda: write(body), Done("/edge/note", "Pressed."), back="/edge/note?back=1")

    @bp.post("/check")
    @login_required
    def check():
        form = NoteForm()
        checked = dry_run(form, lambda: write(form.body.data).details["body"], field="body")
        return render_template_string("checked: {{ checked }} " + PAGE, form=form, checked=checked), (422 if form.errors else 200)

    return bp


@pytest.fixture
def edge(make_app):
    from timebank.services.people import add_membership, create_user

    app = make_app(EDGE_COMMUNITY_ID=None)  # an app of its own, so that it can take a blueprint
    app.register_blueprint(edge_blueprint())
    with app.app_context():
        community = create_community("riverside", "Riverside Timebank")
        add_membership(create_user("person1@riverside.example", "Person 1", PASSWORD), community)
        db.session.commit()
        app.config["EDGE_COMMUNITY_ID"] = community.id
        client = app.test_client()
        assert client.post("/login", data={"email": "person1@riverside.example", "password": PASSWORD}).status_code == 302
        yield client


def written() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "edge.note"))


def remembered() -> int:
    return db.session.scalar(select(func.count()).select_from(FormSubmission))


def test_a_form_page_acts_once_and_a_repeat_shows_the_first_result(edge):
    page = edge.get("/edge/note").get_data(as_text=True)
    assert 'name="submission_id"' in page
    data = {"submission_id": "s" * 32, "body": "hello"}
    first = edge.post("/edge/note", data=data)
    assert first.status_code == 303 and first.headers["Location"].startswith("/edge/note?made=")
    assert written() == 1 and remembered() == 1
    again = edge.post("/edge/note", data=data)
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    assert written() == 1 and remembered() == 1, "the repeat wrote nothing"
    shown = edge.get(first.headers["Location"]).get_data(as_text=True)
    assert shown.count("Saved.") == 1, "the message is shown once, for the first sending"
    other = edge.post("/edge/note", data={"submission_id": "t" * 32, "body": "hello"})
    assert other.status_code == 303 and other.headers["Location"] != first.headers["Location"]
    assert written() == 2


def test_a_refusal_with_a_field_goes_beside_it_with_422_and_what_was_typed(edge):
    for body in ("refuse-field", "refuse-by-code"):
        response = edge.post("/edge/note", data={"submission_id": body, "body": body})
        html = response.get_data(as_text=True)
        assert response.status_code == 422, html
        assert f'value="{body}"' in html, "what was typed is kept"
        assert '<p class="error">' in html
    assert written() == 0 and remembered() == 0, "the refusal rolled back the service's row"
    assert edge.post("/edge/note", data={"submission_id": "refuse-field", "body": "fine now"}).status_code == 303, (
        "a refused form is not remembered: sent again, it acts"
    )
    assert written() == 1


def test_a_form_with_errors_of_its_own_calls_nothing(edge):
    response = edge.post("/edge/note", data={"submission_id": "x", "body": ""})
    assert response.status_code == 422
    assert written() == 0


def test_a_404_or_403_refusal_gives_that_page_and_writes_nothing(edge):
    assert edge.post("/edge/note", data={"submission_id": "m", "body": "missing"}).status_code == 404
    assert edge.post("/edge/button", data={"body": "missing"}).status_code == 404
    assert edge.post("/edge/button", data={"body": "forbidden"}).status_code == 403
    assert written() == 0 and remembered() == 0


def test_a_refusal_without_a_field_is_a_message_on_the_page_it_goes_back_to(edge):
    response = edge.post("/edge/button", data={"body": "later"})
    assert response.status_code == 303 and response.headers["Location"] == "/edge/note?back=1"
    assert '<p class="flash">Try again later.</p>' in edge.get(response.headers["Location"]).get_data(as_text=True)
    assert written() == 0
    done = edge.post("/edge/button", data={"body": "fine"})
    assert done.status_code == 303 and done.headers["Location"] == "/edge/note"
    assert '<p class="flash">Pressed.</p>' in edge.get("/edge/note").get_data(as_text=True)
    assert written() == 1


def test_a_dry_run_returns_what_the_service_said_and_rolls_it_back(edge):
    response = edge.post("/edge/check", data={"body": "just looking"})
    assert response.status_code == 200 and "checked: just looking" in response.get_data(as_text=True)
    refused = edge.post("/edge/check", data={"body": "refuse-field"})
    assert refused.status_code == 422 and "checked: None" in refused.get_data(as_text=True)
    assert written() == 0 and remembered() == 0
