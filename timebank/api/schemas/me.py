from marshmallow import Schema, fields

from .common import CommunityRefSchema


class UserSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    email = fields.String(required=True)


class MembershipSchema(Schema):
    community = fields.Nested(CommunityRefSchema, required=True)
    role = fields.String(required=True)
    status = fields.String(required=True)
    kind = fields.String(allow_none=True, required=True)
    display_name = fields.String(allow_none=True, required=True)
    account_id = fields.Integer(allow_none=True, required=True)
    balance_minutes = fields.Integer(allow_none=True, required=True)


class MeSchema(Schema):
    user = fields.Nested(UserSchema, required=True)
    memberships = fields.List(fields.Nested(MembershipSchema), required=True)


class StatementLineSchema(Schema):
    sequence = fields.Integer(required=True)
    entry_id = fields.Integer(required=True)
    kind = fields.String(required=True)
    occurred_on = fields.Date(required=True)
    minutes = fields.Integer(required=True, metadata={"description": "Positive: you gave time; negative: you received it."})
    balance_after = fields.Integer(required=True)
    activity = fields.String(allow_none=True, required=True)
    others = fields.List(fields.String(), required=True)
    reverses_id = fields.Integer(allow_none=True, required=True)


class StatementSchema(Schema):
    community = fields.Nested(CommunityRefSchema, required=True)
    balance_minutes = fields.Integer(required=True)
    lines = fields.List(fields.Nested(StatementLineSchema), required=True)
    next_cursor = fields.Integer(allow_none=True, required=True)
