from marshmallow import Schema, fields, validate

from ...models import CoproductionStep, LadderRung, SessionPayer
from .common import Id, LoadSchema, Slug, Text


class NewSessionSchema(LoadSchema):
    community = Slug(load_default=None)
    title = Text(required=True, validate=validate.Length(1, 200))
    occurred_on = fields.Date(required=True)
    activity_id = Id(required=True)
    minutes_each = fields.Integer(strict=True, required=True, validate=validate.Range(1, 24 * 60))
    payer = fields.String(required=True, validate=validate.OneOf([str(p) for p in SessionPayer]))
    payer_account_id = Id(load_default=None, allow_none=True)
    facilitator_ids = fields.List(Id(), required=True, validate=validate.Length(1, 500), metadata={"description": "Membership ids."})
    attendee_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=500), metadata={"description": "Membership ids."})
    coproduction_step = fields.String(load_default=None, allow_none=True, validate=validate.OneOf([str(s) for s in CoproductionStep]))
    ladder_rung = fields.String(load_default=None, allow_none=True, validate=validate.OneOf([str(r) for r in LadderRung]))
    note = Text(multiline=True, load_default=None, allow_none=True, validate=validate.Length(max=500))


class SessionSchema(Schema):
    id = fields.Integer(required=True)
    community = fields.String(required=True)
    title = fields.String(required=True)
    occurred_on = fields.Date(required=True)
    activity_id = fields.Integer(allow_none=True, required=True)
    coproduction_step = fields.String(allow_none=True, required=True)
    ladder_rung = fields.String(allow_none=True, required=True)
    payer = fields.String(required=True)
    payer_account_id = fields.Integer(allow_none=True, required=True)
    minutes_each = fields.Integer(required=True)
    people = fields.Integer(required=True)
    entry_id = fields.Integer(allow_none=True, required=True)
    created_at = fields.DateTime(required=True)


class SessionPageSchema(Schema):
    items = fields.List(fields.Nested(SessionSchema), required=True)
    next_cursor = fields.Integer(allow_none=True, required=True)
