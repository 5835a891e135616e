from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="HyperPreciseLocationFault")


@_attrs_define
class HyperPreciseLocationFault:
    """Fault occurred while responding."""

    code: str | Unset = UNSET
    """ Hyper precise location fault code. """
    message: str | Unset = UNSET
    """ Fault message. """
    description: str | Unset = UNSET
    """ Fault description. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        code = self.code

        message = self.message

        description = self.description

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if code is not UNSET:
            field_dict["code"] = code
        if message is not UNSET:
            field_dict["message"] = message
        if description is not UNSET:
            field_dict["description"] = description

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        code = UNSET if (_value := d.pop("code", None)) is None else _value

        message = UNSET if (_value := d.pop("message", None)) is None else _value

        description = UNSET if (_value := d.pop("description", None)) is None else _value

        hyper_precise_location_fault = cls(
            code=code,
            message=message,
            description=description,
        )

        hyper_precise_location_fault.additional_properties = d
        return hyper_precise_location_fault

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
