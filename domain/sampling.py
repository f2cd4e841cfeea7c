"""The yearly random inspection sample (双随机一公开 抽查): reproducible from its recorded seed."""

from __future__ import annotations

import math
import random
from decimal import Decimal, InvalidOperation
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.base import SupervisedAggregate
from domain.context import Context
from domain.errors import InvalidInput
from domain.settings import LocalitySettings
from domain.values import checked_identifier, checked_name, refuse_forbidden_characters


def sample_size(population: int, ratio: Decimal) -> int:
    """At least ``ratio`` of the population, rounded up; at least one when there is anyone."""
    if population == 0:
        return 0
    return max(1, math.ceil(Decimal(population) * ratio))


def draw_sample(population: list[str], ratio: Decimal, seed: str, weights: dict[str, int] | None = None) -> list[str]:
    """The drawn ids. Anyone with the population, ratio, seed and weights gets the same draw.

    Weighted (an organization on a credit list is 重点监督管理对象 and weighs more): each organization, in sorted
    order, gets the key u ** (1 / weight) from the seeded generator and the largest keys are drawn (weighted
    sampling without replacement, Efraimidis and Spirakis). Without weights, the draw is the unweighted one."""
    ordered = sorted(set(population))
    size = sample_size(len(ordered), ratio)
    if not weights:
        return sorted(random.Random(seed).sample(ordered, size))
    generator = random.Random(seed)
    keys = {org: generator.random() ** (1 / weights.get(org, 1)) for org in ordered}
    return sorted(sorted(ordered, key=lambda org: (-keys[org], org))[:size])


class SampleDraw(SupervisedAggregate):
    """One year's draw for one jurisdiction; its id follows from them, so a year is drawn once."""

    @staticmethod
    def create_id(year: int, jurisdiction: str, **_: object) -> UUID:
        return uuid5(NAMESPACE_URL, f"lianjian:sample-draw:{jurisdiction}:{year}")

    @classmethod
    def draw(
        cls,
        ctx: Context,
        *,
        year: int,
        jurisdiction: str,
        population: list[str],
        seed: str,
        settings: LocalitySettings,
        ratio: Decimal | None = None,
        weights: dict[str, int] | None = None,
    ) -> SampleDraw:
        """抽取: draw this year's sample with a recorded seed (and the weights of those weighing more)."""
        try:
            ratio = settings.sample_ratio if ratio is None else Decimal(ratio)
        except (InvalidOperation, TypeError, ValueError):
            raise InvalidInput(f"the sample ratio is not a number: {ratio!r}"[:200]) from None
        if not ratio.is_finite() or ratio < settings.sample_ratio or ratio > 1:
            raise InvalidInput(f"the sample ratio is at least {settings.sample_ratio} and at most 1")
        if not population:
            raise InvalidInput("there is no one to draw from")
        if not seed or len(seed) > 200:
            raise InvalidInput("a seed of 1 to 200 characters is recorded with the draw")
        refuse_forbidden_characters(seed, "seed")
        population = [checked_identifier(org_id, "organization id in the population") for org_id in population]
        if not 2000 <= year <= ctx.occurred_on.year + 1:
            raise InvalidInput(f"no sample can be drawn for {year}")
        population = sorted(set(population))
        weights = {org: weight for org, weight in sorted((weights or {}).items()) if org in population and weight != 1}
        if any(not isinstance(w, int) or isinstance(w, bool) or not 1 <= w <= 100 for w in weights.values()):
            raise InvalidInput("a draw weight is a whole number from 1 to 100")
        return cls._create(
            cls.Drawn,
            ctx=ctx,
            year=year,
            jurisdiction=checked_name(jurisdiction, "jurisdiction"),
            ratio=ratio,
            seed=seed,
            population=population,
            weights=weights,
            drawn=draw_sample(population, ratio, seed, weights),
        )

    class Drawn(SupervisedAggregate.Created):
        """抽取: organizations were drawn at random for the yearly inspection sample; those on a credit list
        weighed more (their weights recorded with the seed)."""

        class_version = 2
        ctx: Context
        year: int
        jurisdiction: str
        ratio: Decimal
        seed: str
        population: list[str]
        weights: dict[str, int]
        drawn: list[str]

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            """Version 1 drew without weights: every organization weighed the same."""
            state["weights"] = {}

    def __init__(
        self, ctx: Context, year: int, jurisdiction: str, ratio: Decimal, seed: str,
        population: list[str], drawn: list[str], weights: dict[str, int] | None = None,
    ) -> None:
        self.year = year
        self.jurisdiction = jurisdiction
        self.ratio = ratio
        self.seed = seed
        self.population = population
        self.weights = weights or {}
        self.drawn = drawn

    def rerun(self) -> list[str]:
        """The draw re-run from its recorded inputs; equal to ``drawn`` unless something was altered."""
        return draw_sample(self.population, self.ratio, self.seed, self.weights)
