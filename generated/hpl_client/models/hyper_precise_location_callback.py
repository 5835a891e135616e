from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="HyperPreciseLocationCallback")


@_attrs_define
class HyperPreciseLocationCallback:
    """Callback registration request."""

    name: str
    """ The name of the callback service that you want to subscribe to. """
    url: str
    """ The address on your server where you have enabled a listening service for the
    specific type of callback messages. Specify a URL that is reachable from the Verizon
    data centers. If your service is running on HTTPS, you should use a one-way
    authentication certificate with a white-listed IP address.
     """

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        url = self.url

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "url": url,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        url = d.pop("url")

        hyper_precise_location_callback = cls(
            name=name,
            url=url,
        )

        return hyper_precise_location_callback
