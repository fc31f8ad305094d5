"""The examples in the graph modules' docstrings run."""

from __future__ import annotations

import doctest

import pytest

import matac_desk.analysis.duplicates
import matac_desk.analysis.graph
import matac_desk.analysis.picture


@pytest.mark.parametrize("module", [matac_desk.analysis.graph, matac_desk.analysis.duplicates, matac_desk.analysis.picture])
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
