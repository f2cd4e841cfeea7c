"""Deadlines of tasks (督办期限): each alert or proposal is due a number of working days after it was raised,
set per rule in the locality's settings; its owner is reminded some working days before, and an overdue task
escalates (see projections.rules.tick)."""

from __future__ import annotations

from datetime import date

from domain.calendar import add_working_days
from domain.settings import LocalitySettings


def task_due_on(rule: str, raised_on: date, settings: LocalitySettings) -> date:
    """The day a task of ``rule`` raised on ``raised_on`` is due (it is overdue the working day after)."""
    days = settings.task_due_working_days.get(rule, settings.task_default_working_days)
    return add_working_days(raised_on, days)


def reminder_due(due_on: date, today: date, settings: LocalitySettings) -> bool:
    """Is ``today`` within the reminder's working days before ``due_on`` (and not yet past it)?"""
    return today <= due_on and add_working_days(today, settings.task_reminder_working_days) >= due_on


def overdue(due_on: date | None, today: date) -> bool:
    """Past its due day: the due day itself is still in time."""
    return due_on is not None and today > due_on
