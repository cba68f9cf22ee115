"""``cairn.extras``: one table of the optional extras, and one guard that names the missing one."""

from __future__ import annotations

import pytest

from cairn.errors import BadInput, MissingExtra
from cairn.extras import EXTRAS, missing, require
from tests.packaging.conftest import PYPROJECT


def test_the_extras_table_names_every_feature_extra_of_pyproject() -> None:
    declared = set(PYPROJECT["project"]["optional-dependencies"]) - {"all", "test", "bench"}
    assert set(EXTRAS) == declared
    assert PYPROJECT["project"]["optional-dependencies"]["all"] == [f"cairn-store[{','.join(EXTRAS)}]"]


def test_with_every_extra_installed_nothing_is_missing() -> None:
    """The test install holds cairn-store[all]: each import name in the table must resolve there."""
    assert {extra: missing(extra) for extra in EXTRAS} == {extra: [] for extra in EXTRAS}


def test_require_names_the_feature_the_extra_and_the_pip_line() -> None:
    with pytest.raises(MissingExtra) as caught:
        require("postgres", "a thing", "cairn_no_such_module")
    assert str(caught.value) == "a thing needs the 'postgres' extra: pip install 'cairn-store[postgres]'"
    assert isinstance(caught.value, BadInput), "exit 2, like any other unusable request"
    require("postgres", "a thing")  # installed here: no error


def test_require_refuses_an_extra_that_does_not_exist() -> None:
    with pytest.raises(ValueError, match="no extra 'gpu'"):
        require("gpu", "a thing")
