from marshmallow import Schema, fields, validate

from ...models import EntryKind
from .common import CursorArgs, LoadSchema, Text


class EntryArgs(CursorArgs):
    month = fields.String(load_default=None, validate=validate.Regexp(r"^(19|2\d)\d{2}-(0[1-9]|1[0-2])$"))
    kind = fields.String(load_default=None, validate=validate.OneOf([str(k) for k in EntryKind]))


class ReverseSchema(LoadSchema):
    reason = Text(multiline=True, required=True, validate=validate.Length(1, 500))
    limit_override = fields.Boolean(load_default=False)


class EntryPartySchema(Schema):
    account_id = fields.Integer(required=True)
    membership_id = fields.Integer(allow_none=True, required=True)
    name = fields.String(required=True)
    minutes = fields.Integer(required=True)


class EntrySchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    occurred_on = fields.Date(required=True)
    recorded_at = fields.DateTime(required=True)
    recorded_by = fields.String(allow_none=True, required=True)
    confirmed_by = fields.String(allow_none=True, required=True)
    confirmation = fields.String(allow_none=True, required=True)
    activity = fields.String(allow_none=True, required=True)
    note = fields.String(allow_none=True, required=True)
    reason = fields.String(allow_none=True, required=True)
    limit_override = fields.Boolean(required=True)
    reverses_id = fields.Integer(allow_none=True, required=True)
    reversed_by_id = fields.Integer(allow_none=True, required=True)
    minutes = fields.Integer(required=True)
    givers = fields.List(fields.Nested(EntryPartySchema), required=True)
    receivers = fields.List(fields.Nested(EntryPartySchema), required=True)


class EntryPageSchema(Schema):
    items = fields.List(fields.Nested(EntrySchema), required=True)
    next_cursor = fields.Integer(allow_none=True, required=True)
