from marshmallow import INCLUDE, Schema, fields, validate

from .common import LoadSchema


class ActivitySchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class CommunitySchema(Schema):
    slug = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True, metadata={"description": "Your role there."})
    timezone = fields.String(required=True)
    currency = fields.String(required=True)
    auto_confirm_days = fields.Integer(allow_none=True, required=True)
    backdate_days = fields.Integer(required=True)


class CommunityDetailSchema(CommunitySchema):
    activities = fields.List(fields.Nested(ActivitySchema), required=True)


class CommunityListSchema(Schema):
    items = fields.List(fields.Nested(CommunitySchema), required=True)


class ReportArgs(LoadSchema):
    period = fields.String(validate=validate.Length(max=20), metadata={
        "description": "2026-10 (a month), 2026-Q3 (a quarter), 2026 (a year) or programme. A funder may ask only "
                       "for closed ones (else the problem `period_not_available`); a coordinator may give from and to instead."})
    from_ = fields.Date(data_key="from")
    to = fields.Date()


class ReportSchema(Schema):
    """The report as in docs/report-format.md: the same dict as the report pages and report.json."""

    class Meta:
        unknown = INCLUDE

    period = fields.Dict(required=True)
    community = fields.Dict(required=True)
    suppressed = fields.Dict(required=True)
