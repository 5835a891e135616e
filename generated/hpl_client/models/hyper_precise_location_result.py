from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.error_response_code import ErrorResponseCode
from ..types import UnknownEnumValue

T = TypeVar("T", bound="HyperPreciseLocationResult")


@_attrs_define
class HyperPreciseLocationResult:
    """Error response."""

    error_code: ErrorResponseCode | UnknownEnumValue
    """ Error Code. """
    error_message: str
    """ Error message. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        error_code = self.error_code.value

        error_message = self.error_message

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "errorCode": error_code,
                "errorMessage": error_message,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        error_code = ErrorResponseCode.parse(d.pop("errorCode"))

        error_message = d.pop("errorMessage")

        hyper_precise_location_result = cls(
            error_code=error_code,
            error_message=error_message,
        )

        hyper_precise_location_result.additional_properties = d
        return hyper_precise_location_result

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
