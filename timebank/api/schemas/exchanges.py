from marshmallow import Schema, fields, validate

from .common import CommunityArgs, Id, LoadSchema, PartySchema, Slug, Text


class LogExchangeSchema(LoadSchema):
    community = Slug(load_default=None)
    direction = fields.String(required=True, validate=validate.OneOf(["gave", "received"]))
    partner_account_id = Id(required=True)
    minutes = fields.Integer(strict=True, required=True, validate=validate.Range(1, 24 * 60))
    occurred_on = fields.Date(required=True)
    activity_id = Id(required=True)
    note = Text(multiline=True, load_default=None, allow_none=True, validate=validate.Length(max=500))


class DeclineSchema(LoadSchema):
    reason = Text(multiline=True, load_default=None, allow_none=True, validate=validate.Length(max=500))


class PartnerArgs(CommunityArgs):
    q = Text(load_default="", validate=validate.Length(max=100))


class PartnerSchema(Schema):
    account_id = fields.Integer(required=True)
    name = fields.String(required=True)
    is_organisation = fields.Boolean(required=True)


class ExchangeSchema(Schema):
    id = fields.Integer(required=True)
    community = fields.String(required=True, metadata={"description": "The community's slug."})
    status = fields.String(required=True)
    minutes = fields.Integer(required=True)
    occurred_on = fields.Date(required=True)
    giver = fields.Nested(PartySchema, required=True)
    receiver = fields.Nested(PartySchema, required=True)
    logged_by_me = fields.Boolean(required=True)
    waiting_for_me = fields.Boolean(required=True, metadata={"description": "Pending, and yours to confirm or decline."})
    activity_id = fields.Integer(allow_none=True, required=True)
    note = fields.String(allow_none=True, required=True)
    created_at = fields.DateTime(required=True)
    decided_at = fields.DateTime(allow_none=True, required=True)
    decline_reason = fields.String(allow_none=True, required=True)
    entry_id = fields.Integer(allow_none=True, required=True)


class ExchangeListSchema(Schema):
    items = fields.List(fields.Nested(ExchangeSchema), required=True)
