from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.error_response_code import ErrorResponseCode
from ..models.http_status_code import HttpStatusCode
from ..types import UNSET, UnknownEnumValue, Unset

T = TypeVar("T", bound="IErrorMessage")


@_attrs_define
class IErrorMessage:
    """Error message."""

    error_code: ErrorResponseCode | UnknownEnumValue | Unset = UNSET
    """ Error Code. """
    error_message: str | Unset = UNSET
    """ Details and additional information about the error code. """
    http_status_code: HttpStatusCode | UnknownEnumValue | Unset = UNSET
    """ HTML error code and description. """
    detail_error_message: str | Unset = UNSET
    """ More detail and information about the HTML error code. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        error_code: str | Unset = UNSET
        if not isinstance(self.error_code, Unset):
            error_code = self.error_code.value

        error_message = self.error_message

        http_status_code: str | Unset = UNSET
        if not isinstance(self.http_status_code, Unset):
            http_status_code = self.http_status_code.value

        detail_error_message = self.detail_error_message

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if error_code is not UNSET:
            field_dict["errorCode"] = error_code
        if error_message is not UNSET:
            field_dict["errorMessage"] = error_message
        if http_status_code is not UNSET:
            field_dict["httpStatusCode"] = http_status_code
        if detail_error_message is not UNSET:
            field_dict["detailErrorMessage"] = detail_error_message

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        _error_code = UNSET if (_value := d.pop("errorCode", None)) is None else _value
        error_code: ErrorResponseCode | UnknownEnumValue | Unset
        if isinstance(_error_code, Unset):
            error_code = UNSET
        else:
            error_code = ErrorResponseCode.parse(_error_code)

        error_message = UNSET if (_value := d.pop("errorMessage", None)) is None else _value

        _http_status_code = UNSET if (_value := d.pop("httpStatusCode", None)) is None else _value
        http_status_code: HttpStatusCode | UnknownEnumValue | Unset
        if isinstance(_http_status_code, Unset):
            http_status_code = UNSET
        else:
            http_status_code = HttpStatusCode.parse(_http_status_code)

        detail_error_message = UNSET if (_value := d.pop("detailErrorMessage", None)) is None else _value

        i_error_message = cls(
            error_code=error_code,
            error_message=error_message,
            http_status_code=http_status_code,
            detail_error_message=detail_error_message,
        )

        i_error_message.additional_properties = d
        return i_error_message

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
