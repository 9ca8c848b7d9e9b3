"""pytest fixtures for the mock (registered through the ``pytest11`` entry point).

``vista_mock`` is a running mock, shared by the session and reset after every test.
Override ``vista_mock_settings`` in a ``conftest.py`` to serve your own config.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # imported lazily so that merely having the plugin installed costs nothing
    from .config import Settings
    from .testing import VistaMock


@pytest.fixture(scope="session")
def vista_mock_settings() -> Settings:
    """Settings of the session's mock: the embedded default. Override to use your own."""
    from .config import load_settings  # noqa: PLC0415 - lazy, see the module docstring

    return load_settings()


@pytest.fixture(scope="session")
def vista_mock_server(vista_mock_settings: Settings) -> Iterator[VistaMock]:
    """The mock, started once per session on a free loopback port."""
    from .testing import VistaMock  # noqa: PLC0415 - lazy, see the module docstring

    mock = VistaMock.start(vista_mock_settings)
    try:
        yield mock
    finally:
        mock.close()


@pytest.fixture
def vista_mock(vista_mock_server: VistaMock) -> Iterator[VistaMock]:
    """The session's mock, reset after the test; fails the test if the mock hit an internal error."""
    try:
        yield vista_mock_server
    finally:
        errors = vista_mock_server.state.internal_errors()
        vista_mock_server.reset()
    if errors:
        pytest.fail("the mock hit internal errors:\n" + "\n".join(errors), pytrace=False)
