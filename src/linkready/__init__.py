"""linkready: measure whether English health and care extracts are ready to link."""

from linkready._version import __version__
from linkready.errors import ConfigError, InputError, LinkreadyError

__all__ = ["ConfigError", "InputError", "LinkreadyError", "__version__"]
