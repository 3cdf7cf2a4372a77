from marshmallow import Schema, fields, validate

from .common import CursorArgs, Id, LoadSchema, QueryId, Slug, Text

TYPES = ["offer", "request"]


class ListingArgs(CursorArgs):
    type = fields.String(load_default=None, validate=validate.OneOf(TYPES))
    category_id = QueryId(load_default=None)
    q = Text(load_default="", validate=validate.Length(max=100))


class NewListingSchema(LoadSchema):
    community = Slug(load_default=None)
    type = fields.String(required=True, validate=validate.OneOf(TYPES))
    title = Text(required=True, validate=validate.Length(1, 120))
    description = Text(multiline=True, load_default="", validate=validate.Length(max=2000))
    category_id = Id(load_default=None, allow_none=True)


class CategorySchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class ListingSchema(Schema):
    id = fields.Integer(required=True)
    community = fields.String(required=True)
    type = fields.String(required=True)
    status = fields.String(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    category = fields.Nested(CategorySchema, allow_none=True, required=True)
    posted_by = fields.String(required=True)
    mine = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)
    closed_at = fields.DateTime(allow_none=True, required=True)


class ListingPageSchema(Schema):
    items = fields.List(fields.Nested(ListingSchema), required=True)
    next_cursor = fields.Integer(allow_none=True, required=True)
