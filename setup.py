"""The build's one step beyond pyproject.toml: the scenario library and the experiment specs
ship inside the package (`sim/library/scenarios`, `sim/library/experiments`), copied from
the checkout's folders, so an installed package runs its scenarios anywhere. A checkout's
editable install reads the folders themselves (`sim.files.library_folder`).
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
#: The checkout's folders that ship, and which of their files (the experiments' scripts
#: stay in the checkout).
LIBRARY = {"scenarios": ("*.toml", "README.md", "calibration/posterior.parquet"),
           "experiments": ("*.toml", "README.md")}


class BuildWithLibrary(build_py):
    """build_py that also copies the libraries into the built package."""

    def run(self) -> None:
        """Build the package, then add the libraries (not for an editable install)."""
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for folder, patterns in LIBRARY.items():
            target = Path(self.build_lib) / "sim" / "library" / folder
            self.mkpath(str(target))
            for pattern in patterns:
                for path in sorted((ROOT / folder).glob(pattern)):
                    into = target / path.relative_to(ROOT / folder)
                    self.mkpath(str(into.parent))
                    self.copy_file(str(path), str(into))


setup(cmdclass={"build_py": BuildWithLibrary})
