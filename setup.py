"""Build step for wheels and `pip install .`: metadata lives in setup.cfg.

Two things a plain setuptools build would miss, so that an installed Senim works without the
Makefile and outside the repository (issue 14, item 2):
- the kk/ru/en catalogues are compiled from the .po files into .mo files in the build;
- the top-level ``templates/`` folder (kept at the top for reviewers, see README) is copied
  into the package as ``casework/templates``, where ``create_app`` looks first.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildWithCatalogues(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            # An editable install reads templates/ and the Makefile-compiled catalogues
            # from the source tree.
            return
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        target = Path(self.build_lib) / "casework"
        for po in sorted((HERE / "casework" / "translations").glob("*/LC_MESSAGES/messages.po")):
            mo = target / po.relative_to(HERE / "casework").with_suffix(".mo")
            mo.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as source:
                catalogue = read_po(source, locale=po.parts[-3])
            with mo.open("wb") as out:
                write_mo(out, catalogue)
        templates = target / "templates"
        if templates.exists():
            shutil.rmtree(templates)
        shutil.copytree(HERE / "templates", templates)


setup(cmdclass={"build_py": BuildWithCatalogues})
