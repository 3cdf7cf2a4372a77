"""A member suspended last week (the reason kept as a private note), and one who left today,
their credit donated to the pot (or frozen)."""
import random
from datetime import datetime
from functools import partial

from ..services.people import leaving, standing
from .phrases import SUSPEND_REASON
from .script import Script
from .stage import Stage


def plan_suspension_and_leaving(stage: Stage, rng: random.Random, script: Script) -> None:
    if stage.suspended is not None:
        script.at(script.moment(script.ago(3, 10)), partial(_suspend, stage, stage.mid(stage.suspended)))
    if stage.leaver is not None:
        donate = stage.balance[stage.leaver.account_id] > 0
        balance = leaving.DONATE if donate else leaving.FREEZE
        script.at(None, partial(_leave, stage, stage.mid(stage.leaver), balance))
        stage.counts["donation"] += donate


def _suspend(stage: Stage, membership_id: int, *, now: datetime) -> None:
    standing.suspend(stage.actor, membership_id, SUSPEND_REASON, now=now)


def _leave(stage: Stage, membership_id: int, balance: str, *, now: datetime) -> None:
    leaving.leave(stage.actor, membership_id, balance, now=now)
