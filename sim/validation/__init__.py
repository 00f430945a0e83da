"""Validation against published results, run by `aligned validate` (docs/validation.md).

Each validation is a function from `Settings` (how many runs and seeds) to a `Validation`:
tables of model-against-published figures and checks with their tolerances.
"""

from __future__ import annotations

from collections.abc import Callable

from sim.validation import calibration, march, multitask, public_goods
from sim.validation.checks import Check, Settings, Validation

#: Name → validation, in the order `aligned validate` runs them.
VALIDATIONS: dict[str, Callable[[Settings], Validation]] = {
    "march1991": march.validate,
    "holmstrom_milgrom1991": multitask.validate,
    "public_goods": public_goods.validate,
    "calibration": calibration.validate,
}

__all__ = ["VALIDATIONS", "Check", "Settings", "Validation", "run"]


def run(names: list[str] | None = None, settings: Settings | None = None) -> list[Validation]:
    """Run the named validations (all when none are named); with `settings.progress`, a
    progress bar on stderr advances by validation and names the one running."""
    import sys

    from tqdm import tqdm

    settings = settings or Settings()
    chosen = names or list(VALIDATIONS)
    results = []
    with tqdm(total=len(chosen), unit="validation", file=sys.stderr, leave=False,
              disable=not settings.progress) as bar:
        for name in chosen:
            bar.set_description(name)
            results.append(VALIDATIONS[name](settings))
            bar.update()
    return results
