"""Recording when an API token was last used, off the request: a read (a GET) writes nothing,
so it enqueues this instead (at most once per token every few minutes)."""
from datetime import datetime

from ..extensions import db
from ..models import ApiToken
from ..services.tokens import needs_use_recorded, record_use
from .queue import task


@task
def record_token_use(token_id: int, used_at: datetime) -> None:
    token = db.session.get(ApiToken, token_id)
    if token is not None and needs_use_recorded(token, used_at):
        record_use(token, used_at)
        db.session.commit()
