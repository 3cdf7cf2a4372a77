from marshmallow import Schema, fields, validate

from ...models import MembershipStatus, Role
from .common import CursorArgs, QueryId, Text


class MemberArgs(CursorArgs):
    q = Text(load_default="", validate=validate.Length(max=100))
    status = fields.String(load_default=None, validate=validate.OneOf([str(s) for s in MembershipStatus]))
    role = fields.String(load_default=None, validate=validate.OneOf([str(r) for r in Role]))
    kind_id = QueryId(load_default=None)


class MemberRowSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    email = fields.String(required=True)
    role = fields.String(required=True)
    status = fields.String(required=True)
    kind = fields.String(allow_none=True, required=True)
    balance_minutes = fields.Integer(allow_none=True, required=True, attribute="balance")


class MemberPageSchema(Schema):
    items = fields.List(fields.Nested(MemberRowSchema), required=True)
    next_cursor = fields.Integer(allow_none=True, required=True)


class KindChangeSchema(Schema):
    changed_on = fields.Date(required=True)
    from_kind = fields.String(allow_none=True, required=True)
    to_kind = fields.String(required=True)
    by = fields.String(allow_none=True, required=True)


class CheckSchema(Schema):
    check_type = fields.String(required=True)
    reference = fields.String(allow_none=True, required=True)
    issued_on = fields.Date(allow_none=True, required=True)
    expires_on = fields.Date(allow_none=True, required=True)
    references_received = fields.Integer(required=True)
    warning = fields.String(allow_none=True, required=True, metadata={"description": "expired, expiring or null"})
    superseded = fields.Boolean(required=True)


class RestrictionSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    detail = fields.String(allow_none=True, required=True)
    created_at = fields.DateTime(required=True)
    lifted_at = fields.DateTime(allow_none=True, required=True)


class NoteSchema(Schema):
    author = fields.String(allow_none=True, required=True)
    body = fields.String(required=True)
    created_at = fields.DateTime(required=True)


class MemberSchema(Schema):
    """What the coordinator's member page shows."""

    id = fields.Integer(required=True)
    community = fields.String(required=True)
    name = fields.String(required=True)
    email = fields.String(required=True)
    role = fields.String(required=True)
    status = fields.String(required=True)
    kind = fields.String(allow_none=True, required=True)
    phone = fields.String(allow_none=True, required=True)
    joined_on = fields.Date(required=True)
    left_on = fields.Date(allow_none=True, required=True)
    application_note = fields.String(allow_none=True, required=True)
    account_id = fields.Integer(allow_none=True, required=True)
    balance_minutes = fields.Integer(allow_none=True, required=True)
    account_closed = fields.Boolean(required=True)
    kind_history = fields.List(fields.Nested(KindChangeSchema), required=True)
    checks = fields.List(fields.Nested(CheckSchema), required=True)
    restrictions = fields.List(fields.Nested(RestrictionSchema), required=True)
    notes = fields.List(fields.Nested(NoteSchema), required=True, metadata={"description": "Private: coordinators only."})
