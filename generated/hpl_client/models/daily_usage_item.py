from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="DailyUsageItem")


@_attrs_define
class DailyUsageItem:
    """One session of the device, with its start, end and the data it transferred."""

    start_time: datetime.datetime | Unset = UNSET
    """ Start date of session. ISO 8601 format. """
    end_time: datetime.datetime | Unset = UNSET
    """ End date of session. ISO 8601 format. """
    num_bytes: int | Unset = UNSET
    """ Amount of data transferred, measured in Bytes. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        start_time: str | Unset = UNSET
        if not isinstance(self.start_time, Unset):
            start_time = self.start_time.isoformat()

        end_time: str | Unset = UNSET
        if not isinstance(self.end_time, Unset):
            end_time = self.end_time.isoformat()

        num_bytes = self.num_bytes

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if start_time is not UNSET:
            field_dict["startTime"] = start_time
        if end_time is not UNSET:
            field_dict["endTime"] = end_time
        if num_bytes is not UNSET:
            field_dict["numBytes"] = num_bytes

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        _start_time = UNSET if (_value := d.pop("startTime", None)) is None else _value
        start_time: datetime.datetime | Unset
        if isinstance(_start_time, Unset):
            start_time = UNSET
        else:
            try:
                start_time = datetime.datetime.fromisoformat(_start_time)
            except ValueError:
                start_time = datetime.datetime.fromisoformat(_start_time.upper())

        _end_time = UNSET if (_value := d.pop("endTime", None)) is None else _value
        end_time: datetime.datetime | Unset
        if isinstance(_end_time, Unset):
            end_time = UNSET
        else:
            try:
                end_time = datetime.datetime.fromisoformat(_end_time)
            except ValueError:
                end_time = datetime.datetime.fromisoformat(_end_time.upper())

        num_bytes = UNSET if (_value := d.pop("numBytes", None)) is None else _value

        daily_usage_item = cls(
            start_time=start_time,
            end_time=end_time,
            num_bytes=num_bytes,
        )

        daily_usage_item.additional_properties = d
        return daily_usage_item

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
