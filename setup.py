"""Finds the package's subpackages: ``src/`` is ``litellm_codex_oauth_provider`` itself.

pyproject.toml cannot say "every package below src/, under another name", and a list
kept by hand silently leaves a new subpackage out of the wheel; everything else is in
pyproject.toml.
"""

from setuptools import find_packages, setup

ROOT = "litellm_codex_oauth_provider"

setup(packages=[ROOT, *(f"{ROOT}.{name}" for name in find_packages("src"))])
