"""One alert on the dashboard: the first few rows to show and how many there are in all."""
from dataclasses import dataclass, field

from sqlalchemy import Select, func

from ...extensions import db


@dataclass(frozen=True)
class Section:
    rows: list = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> int:
        return self.total - len(self.rows)


def section(query: Select, shown: int) -> Section:
    """The first `shown` rows of `query` and, through a window count, how many it has in all."""
    rows = db.session.execute(query.add_columns(func.count().over().label("total")).limit(shown)).all()
    return Section(rows, rows[0].total if rows else 0)
