from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="CallbackCreated")


@_attrs_define
class CallbackCreated:
    """A registered callback listener."""

    aname: str
    """ The unique identifier for the account, 10 digits, a dash and 5 digits, with leading zeroes. """
    name: str
    """ The name of the callback service, which identifies the type and format of messages
    that will be sent to the registered URL.
     """
    url: str | Unset = UNSET
    """ The address on your server where the callback messages are sent. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        aname = self.aname

        name = self.name

        url = self.url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "aname": aname,
                "name": name,
            }
        )
        if url is not UNSET:
            field_dict["url"] = url

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        aname = d.pop("aname")

        name = d.pop("name")

        url = UNSET if (_value := d.pop("url", None)) is None else _value

        callback_created = cls(
            aname=aname,
            name=name,
            url=url,
        )

        callback_created.additional_properties = d
        return callback_created

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
