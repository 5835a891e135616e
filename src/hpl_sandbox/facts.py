"""The sandbox's own facts, written once: its development accounts and their credentials, the
fixed devices of the demo data and how the API refuses each, and the control plane's prefix. The
sandbox seeds and checks with them; the tests, the contract suite and the benchmarks name them from
here. Nothing of the server is imported, so a benchmark or a test helper can use it without
Starlette; the credentials' values are `hpl`'s (`hpl.core.sandbox_credentials`), which needs them too.

The paths of the API and the token services are `hpl.paths`' (the client needs them, and `hpl`
does not import the sandbox). docs/sandbox-interface.md states these facts for people.
"""

from __future__ import annotations

from dataclasses import dataclass

from hpl.core import sandbox_credentials

ACCOUNT_1 = "0844021539-00001"
ACCOUNT_2 = "0844021539-00002"
ACCOUNTS = (ACCOUNT_1, ACCOUNT_2)

CONTROL_PREFIX = "/_sandbox"


@dataclass(frozen=True)
class DevelopmentLogin:
    """What one development account's client and user present, bound to that account. The
    sandbox accepts other values where the environment sets them (config.py)."""

    account: str
    client_id: str
    client_secret: str
    username: str
    password: str

    def __repr__(self) -> str:
        return f"DevelopmentLogin(account={self.account!r}, client_id={self.client_id!r}, username={self.username!r})"


def development_login(index: int) -> DevelopmentLogin:
    """The default credentials of development account `index` (1 or 2)."""
    defaults = sandbox_credentials(index)
    return DevelopmentLogin(
        account=ACCOUNTS[index - 1],
        client_id=defaults.client_id,
        client_secret=defaults.client_secret,
        username=defaults.username,
        password=defaults.password,
    )


@dataclass(frozen=True)
class Refusal:
    """How the API refuses a device in one state (D5): the status, the message, and the detail
    an aggregate's `errors` entry carries."""

    status: int
    message: str
    detail: str


# A device the account does not own: 400 in the sessions report, an `errors` entry in aggregates.
NOT_FOUND = Refusal(400, "Device Not Found", "The account does not own this device.")
# By device state, the refusals of the states that are not "active".
REFUSALS = {
    "not_certified": Refusal(403, "Device Not Certified", "The device is not certified for HPL."),
    "inactive": Refusal(404, "Device inactive", "The device is not active."),
    "not_purchased": Refusal(409, "Service Not Purchased", "The HPL service is not purchased for the device."),
    "multi_account": Refusal(
        500, "Device is active in several accounts", "The device is active in more than one account."
    ),
}


@dataclass(frozen=True)
class FixedDevice:
    """A device every seed writes, whatever the fleet's size, so docs and tests can name it."""

    imei: str
    account: str
    state: str
    device_group: str
    data_plan: str
    has_sessions: bool


# Account 1's active device with sessions, and one device per refusing state.
ACTIVE = "709312034493372"
NOT_CERTIFIED = "709312034493380"
INACTIVE = "709312034493381"
NOT_PURCHASED = "709312034493382"
MULTI_ACCOUNT = "709312034493383"
# Account 2's devices; the last has no sessions.
ACCOUNT_2_DEVICES = ("709312034499001", "709312034499002", "709312034499003")
# An IMEI no seed gives any account.
UNOWNED = "709312034493373"

FIXED_DEVICES = (
    FixedDevice(ACTIVE, ACCOUNT_1, "active", "fleet-north", "hpl-basic", True),
    FixedDevice(NOT_CERTIFIED, ACCOUNT_1, "not_certified", "fleet-south", "hpl-pro", True),
    FixedDevice(INACTIVE, ACCOUNT_1, "inactive", "fleet-south", "hpl-pro", True),
    FixedDevice(NOT_PURCHASED, ACCOUNT_1, "not_purchased", "fleet-south", "hpl-pro", True),
    FixedDevice(MULTI_ACCOUNT, ACCOUNT_1, "multi_account", "fleet-south", "hpl-pro", True),
    FixedDevice(ACCOUNT_2_DEVICES[0], ACCOUNT_2, "active", "fleet-north", "hpl-basic", True),
    FixedDevice(ACCOUNT_2_DEVICES[1], ACCOUNT_2, "active", "fleet-south", "hpl-pro", True),
    FixedDevice(ACCOUNT_2_DEVICES[2], ACCOUNT_2, "active", "fleet-north", "hpl-pro", False),
)

# The fixed devices that are refused, by IMEI: (status, message) as the sessions report answers.
REFUSING_DEVICES = {device.imei: REFUSALS[device.state] for device in FIXED_DEVICES if device.state in REFUSALS}
