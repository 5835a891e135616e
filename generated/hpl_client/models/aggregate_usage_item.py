from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="AggregateUsageItem")


@_attrs_define
class AggregateUsageItem:
    """Contains usage information per device."""

    imei: str | Unset = UNSET
    """ International Mobile Equipment Identifier of the device reporting usage. """
    number_of_sessions: int | Unset = UNSET
    """ Number of sessions established by the device reporting usage. """
    bytes_transferred: int | Unset = UNSET
    """ The amount of data transferred by the device reporting usage, measured in Bytes. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        imei = self.imei

        number_of_sessions = self.number_of_sessions

        bytes_transferred = self.bytes_transferred

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if imei is not UNSET:
            field_dict["imei"] = imei
        if number_of_sessions is not UNSET:
            field_dict["numberOfSessions"] = number_of_sessions
        if bytes_transferred is not UNSET:
            field_dict["bytesTransferred"] = bytes_transferred

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        imei = UNSET if (_value := d.pop("imei", None)) is None else _value

        number_of_sessions = UNSET if (_value := d.pop("numberOfSessions", None)) is None else _value

        bytes_transferred = UNSET if (_value := d.pop("bytesTransferred", None)) is None else _value

        aggregate_usage_item = cls(
            imei=imei,
            number_of_sessions=number_of_sessions,
            bytes_transferred=bytes_transferred,
        )

        aggregate_usage_item.additional_properties = d
        return aggregate_usage_item

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
