from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="CallbackCreated")


@_attrs_define
class CallbackCreated:
    """A registered callback listener. The account is `accountName` in the vendor's current SDKs
    and `aname` on the doc pages and in older SDKs; either is accepted (D8), the sandbox sends
    `accountName`.

    """

    name: str
    """ The name of the callback service, which identifies the type and format of messages
    that will be sent to the registered URL.
     """
    account_name: str | Unset = UNSET
    """ The account the listener belongs to (current SDKs). """
    aname: str | Unset = UNSET
    """ The account the listener belongs to (doc pages, older SDKs). """
    url: str | Unset = UNSET
    """ The address on your server where the callback messages are sent. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        account_name = self.account_name

        aname = self.aname

        url = self.url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
            }
        )
        if account_name is not UNSET:
            field_dict["accountName"] = account_name
        if aname is not UNSET:
            field_dict["aname"] = aname
        if url is not UNSET:
            field_dict["url"] = url

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        account_name = UNSET if (_value := d.pop("accountName", None)) is None else _value

        aname = UNSET if (_value := d.pop("aname", None)) is None else _value

        url = UNSET if (_value := d.pop("url", None)) is None else _value

        callback_created = cls(
            name=name,
            account_name=account_name,
            aname=aname,
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
