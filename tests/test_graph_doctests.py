"""The examples in the graph modules' docstrings run."""

from __future__ import annotations

import doctest

import pytest

import matac_desk.duplicates
import matac_desk.graph
import matac_desk.picture


@pytest.mark.parametrize("module", [matac_desk.graph, matac_desk.duplicates, matac_desk.picture])
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
