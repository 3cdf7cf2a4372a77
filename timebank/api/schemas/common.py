"""Fields and schemas every resource uses: safe text and ids, cursors, problems."""
import re

from marshmallow import INCLUDE, RAISE, Schema, ValidationError, fields, validate

from ...input_rules import has_control_characters
from ...pagination import PAGE_SIZE

#: Ids fit a 32-bit signed integer column on every database.
ID_MAX = 2**31 - 1
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")


class Text(fields.String):
    """A string a database can store and a header can carry: no control characters (line breaks
    only where `multiline`, as in a note; `timebank.input_rules`) and no lone surrogates."""

    def __init__(self, *, multiline: bool = False, **kwargs):
        self.multiline = multiline
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in value:
            raise ValidationError("Must not contain NUL characters.")
        if has_control_characters(value, multiline=self.multiline):
            raise ValidationError(
                "Must not contain control characters" + (" other than tabs and line breaks." if self.multiline else ".")
            )
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValidationError("Must be valid Unicode text.") from None
        return value


def Id(**kwargs):  # noqa: N802 (a field factory, used like a field class)
    """An id in a JSON body: a JSON integer, not a string of digits."""
    return fields.Integer(strict=True, validate=validate.Range(1, ID_MAX), **kwargs)


def QueryId(**kwargs):  # noqa: N802
    """An id in the query string, where everything is text."""
    return fields.Integer(validate=validate.Range(1, ID_MAX), **kwargs)


def Slug(**kwargs):  # noqa: N802
    return Text(validate=validate.Regexp(SLUG_RE), **kwargs)


class LoadSchema(Schema):
    class Meta:
        unknown = RAISE


class CommunityArgs(LoadSchema):
    community = Slug(
        load_default=None,
        metadata={"description": "A community's slug; by default the first community you belong to."},
    )


class CursorArgs(CommunityArgs):
    cursor = QueryId(load_default=None, metadata={"description": "`next_cursor` of the previous page."})
    limit = fields.Integer(load_default=PAGE_SIZE, validate=validate.Range(1, 100))


class ProblemSchema(Schema):
    """RFC 9457 problem details, with a stable `code`."""

    class Meta:
        unknown = INCLUDE

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    code = fields.String(required=True, metadata={"description": "Stable: the domain error's code."})
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "For invalid input: the messages of each field."},
    )


class CommunityRefSchema(Schema):
    slug = fields.String(required=True)
    name = fields.String(required=True)


class PartySchema(Schema):
    account_id = fields.Integer(required=True)
    name = fields.String(required=True)
