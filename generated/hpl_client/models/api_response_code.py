from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.error_response_code import ErrorResponseCode
from ..types import UNSET, UnknownEnumValue, Unset

T = TypeVar("T", bound="ApiResponseCode")


@_attrs_define
class ApiResponseCode:
    """The doc pages' answer to a listener removal."""

    response_code: ErrorResponseCode | UnknownEnumValue | Unset = UNSET
    """ Error Code. """
    message: str | Unset = UNSET
    """ What was done. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        response_code: str | Unset = UNSET
        if not isinstance(self.response_code, Unset):
            response_code = self.response_code.value

        message = self.message

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if response_code is not UNSET:
            field_dict["responseCode"] = response_code
        if message is not UNSET:
            field_dict["message"] = message

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        _response_code = UNSET if (_value := d.pop("responseCode", None)) is None else _value
        response_code: ErrorResponseCode | UnknownEnumValue | Unset
        if isinstance(_response_code, Unset):
            response_code = UNSET
        else:
            response_code = ErrorResponseCode.parse(_response_code)

        message = UNSET if (_value := d.pop("message", None)) is None else _value

        api_response_code = cls(
            response_code=response_code,
            message=message,
        )

        api_response_code.additional_properties = d
        return api_response_code

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
