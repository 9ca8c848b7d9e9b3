"""vista-mock: a mock of Vista's identity service and Integration Platform API."""

from .app import create_app
from .clock import Clock, ControllableClock, FixedClock
from .config import AUDIENCE, ClientConfig, ConfigError, Settings, TokenLimit, load_settings
from .state import MockState

__all__ = [
    "AUDIENCE",
    "ClientConfig",
    "Clock",
    "ConfigError",
    "ControllableClock",
    "FixedClock",
    "MockState",
    "Settings",
    "TokenLimit",
    "__version__",
    "create_app",
    "load_settings",
]

__version__ = "0.1.0"
