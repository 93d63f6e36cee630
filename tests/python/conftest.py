"""Shared fixtures: the kernel is used as installed in the test venv (kernelspec spark-sql-kbase)."""

import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
KERNEL_NAME = "spark-sql-kbase"


@pytest.fixture
def notebooks():
    return ROOT / "tests" / "notebooks"


@pytest.fixture
def kernel_env():
    """The environment a kernel started by these tests gets."""
    return dict(os.environ)
