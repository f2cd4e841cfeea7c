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


def draw_sample(population: list[str], ratio: Decimal, seed: str) -> list[str]:
    """The drawn ids. Anyone with the population, ratio and seed gets the same draw."""
    ordered = sorted(set(population))
    chosen = random.Random(seed).sample(ordered, sample_size(len(ordered), ratio))
    return sorted(chosen)


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
    ) -> SampleDraw:
        """抽取: draw this year's sample with a recorded seed."""
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
        return cls._create(
            cls.Drawn,
            ctx=ctx,
            year=year,
            jurisdiction=checked_name(jurisdiction, "jurisdiction"),
            ratio=ratio,
            seed=seed,
            population=population,
            drawn=draw_sample(population, ratio, seed),
        )

    class Drawn(SupervisedAggregate.Created):
        """抽取: organizations were drawn at random for the yearly inspection sample."""

        ctx: Context
        year: int
        jurisdiction: str
        ratio: Decimal
        seed: str
        population: list[str]
        drawn: list[str]

    def __init__(
        self, ctx: Context, year: int, jurisdiction: str, ratio: Decimal, seed: str,
        population: list[str], drawn: list[str],
    ) -> None:
        self.year = year
        self.jurisdiction = jurisdiction
        self.ratio = ratio
        self.seed = seed
        self.population = population
        self.drawn = drawn

    def rerun(self) -> list[str]:
        """The draw re-run from its recorded inputs; equal to ``drawn`` unless something was altered."""
        return draw_sample(self.population, self.ratio, self.seed)
