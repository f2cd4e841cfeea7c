"""The commands, one module for each area of supervision; each a mixin of ``Supervision``
(domain/application.py) that decides on loaded aggregates and hands the decision to the command runner."""
