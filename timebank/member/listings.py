"""Offers and requests: browse, search, post, edit, close, keep open or renew, and "I can help"."""
from flask import abort, g, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from wtforms import SelectChoice

from ..auth import clock
from ..errors import TimebankError
from ..extensions import db
from ..formatting import format_day
from ..models import ActivityCategory, ListingType
from ..services.listing_expiry import keep_open
from ..services.listings import (
    browse,
    close_listing,
    create_listing,
    help_offers,
    offer_help,
    own_listing,
    own_listings,
    update_listing,
    visible_listing,
)
from ..services.messages import help_conversations
from ..web import Done, button, form_page
from ..web.args import int_arg, text_arg
from . import bp
from .context import member_required
from .forms import HelpForm, ListingForm


def _categories() -> list[SelectChoice]:
    rows = db.session.execute(
        select(ActivityCategory.id, ActivityCategory.name)
        .where(ActivityCategory.community_id == g.membership.community_id, ActivityCategory.active.is_(True))
        .order_by(ActivityCategory.name)
    ).all()
    return [SelectChoice(0, _("Any or none"))] + [SelectChoice(row.id, row.name) for row in rows]


@bp.get("/listings")
@member_required
def listings():
    type_ = request.args.get("type") if request.args.get("type") in set(ListingType) else None
    category_id = int_arg("category") or None
    text = text_arg("q")
    rows, next_before = browse(
        g.membership, type_=type_, category_id=category_id, text=text, before=int_arg("before"),
        today=g.membership.community.today(clock.now()),
    )
    return render_template(
        "member/listings.html",
        rows=rows,
        next_before=next_before,
        type_=type_,
        category_id=category_id,
        text=text,
        categories=_categories()[1:],
    )


@bp.get("/listings/mine")
@member_required
def my_listings():
    today = g.membership.community.today(clock.now())
    return render_template("member/my_listings.html", rows=own_listings(g.membership), today=today)


@bp.route("/listings/new", methods=["GET", "POST"])
@member_required
def new_listing():
    form = ListingForm()
    form.category.choices = _categories()
    if request.method == "GET":
        form.type.data = request.args.get("type") if request.args.get("type") in set(ListingType) else None

    def create():
        listing, _created = create_listing(
            g.membership,
            type_=form.type.data,
            title=form.title.data,
            description=form.description.data,
            category_id=form.category.data or None,
            submission_id=form.submission_id.data or "",
        )
        return listing

    return form_page(
        form,
        create,
        lambda listing: Done(
            url_for("member.listing", listing_id=listing.id),
            _("Your offer is listed.") if listing.type == "offer" else _("Your request is listed."),
        ),
        lambda: render_template("member/listing_form.html", form=form, editing=None),
        field="title",
    )


@bp.route("/listings/<int:listing_id>/edit", methods=["GET", "POST"])
@member_required
def edit_listing(listing_id: int):
    listing = _own_or_404(listing_id)
    form = ListingForm(obj=listing if request.method == "GET" else None)
    form.category.choices = _categories()
    form.type.data = listing.type
    if request.method == "GET":
        form.category.data = listing.category_id or 0
    return form_page(
        form,
        lambda: update_listing(
            g.membership, listing.id, title=form.title.data, description=form.description.data, category_id=form.category.data or None
        ),
        Done(url_for("member.listing", listing_id=listing.id), _("Saved.")),
        lambda: render_template("member/listing_form.html", form=form, editing=listing),
        field="title",
        once=False,
    )


@bp.post("/listings/<int:listing_id>/close")
@member_required
def close(listing_id: int):
    _own_or_404(listing_id)
    back = url_for("member.my_listings")
    return button(lambda: close_listing(g.membership, listing_id), Done(back, _("Closed. It no longer shows to others.")), back=back)


@bp.post("/listings/<int:listing_id>/keep")
@member_required
def keep(listing_id: int):
    """"Keep it open" (from the reminder) or "Renew" (once expired): a button, never a link."""
    _own_or_404(listing_id)
    back = url_for("member.listing", listing_id=listing_id)
    return button(
        lambda: keep_open(g.membership, listing_id, now=clock.now()),
        lambda item: Done(back, _("Kept open until %(date)s.", date=format_day(item.expires_on))),
        back=back,
    )


@bp.get("/listings/<int:listing_id>")
@member_required
def listing(listing_id: int):
    item = _visible_or_404(listing_id)
    mine = item.membership_id == g.membership.id
    return render_template(
        "member/listing.html",
        item=item,
        mine=mine,
        today=g.membership.community.today(clock.now()),
        offers=help_offers(item) if mine else [],
        replies=help_conversations(item) if mine else {},
        already=any(o.membership_id == g.membership.id for o in help_offers(item)) if not mine else False,
        form=HelpForm(),
    )


@bp.post("/listings/<int:listing_id>/help")
@member_required
def help_with(listing_id: int):
    form = HelpForm()
    _visible_or_404(listing_id)
    back = url_for("member.listing", listing_id=listing_id)
    thanks = _("Thank you. We have told them and the coordinator that you can help.")
    return button(
        lambda: offer_help(g.membership, listing_id, form.message.data),
        lambda offered: Done(back, thanks if offered[1] else None),
        back=back,
    )


def _own_or_404(listing_id: int):
    try:
        return own_listing(g.membership, listing_id)
    except TimebankError:
        abort(404)


def _visible_or_404(listing_id: int):
    try:
        return visible_listing(g.membership, listing_id)
    except TimebankError:
        abort(404)
