"""The reference sandbox of the HPL Device Reports API: `hpl_sandbox.app.create_app`, `hpl-sandbox`."""

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _distribution_version

try:
    # pyproject.toml's `version` is the one source; installed metadata carries it here.
    __version__ = _distribution_version("thingspace-hpl")
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"
