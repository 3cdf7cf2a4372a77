"""Guard closed periods: a sealed month cannot be reopened or have its seal changed.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26

"""
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = {
    f"reporting_period_no_{op_name.lower()}": (
        f"CREATE TRIGGER reporting_period_no_{op_name.lower()} BEFORE {op_name} ON reporting_period "
        "BEGIN SELECT RAISE(ABORT, 'a closed period cannot be changed or reopened'); END"
    )
    for op_name in ("UPDATE", "DELETE")
}
POSTGRES_TRIGGERS = {
    "reporting_period_immutable": "CREATE TRIGGER reporting_period_immutable BEFORE UPDATE OR DELETE ON reporting_period "
    "FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()",
    "reporting_period_no_truncate": "CREATE TRIGGER reporting_period_no_truncate BEFORE TRUNCATE ON reporting_period "
    "FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()",
}


def upgrade():
    triggers = POSTGRES_TRIGGERS if op.get_bind().dialect.name == "postgresql" else SQLITE_TRIGGERS
    for statement in triggers.values():
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name in POSTGRES_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON reporting_period")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
