from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.i_error_message import IErrorMessage


T = TypeVar("T", bound="AggregateUsageError")


@_attrs_define
class AggregateUsageError:
    """Error reported by a device."""

    imei: str | Unset = UNSET
    """ International Mobile Equipment Identifier. This is the ID of the device reporting errors. """
    error_message: str | Unset = UNSET
    """ A general error message. """
    error_response: IErrorMessage | Unset = UNSET
    """ Error message. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        imei = self.imei

        error_message = self.error_message

        error_response: dict[str, Any] | Unset = UNSET
        if not isinstance(self.error_response, Unset):
            error_response = self.error_response.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if imei is not UNSET:
            field_dict["imei"] = imei
        if error_message is not UNSET:
            field_dict["errorMessage"] = error_message
        if error_response is not UNSET:
            field_dict["errorResponse"] = error_response

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.i_error_message import IErrorMessage  # noqa: PLC0415

        d = dict(src_dict)
        imei = UNSET if (_value := d.pop("imei", None)) is None else _value

        error_message = UNSET if (_value := d.pop("errorMessage", None)) is None else _value

        _error_response = UNSET if (_value := d.pop("errorResponse", None)) is None else _value
        error_response: IErrorMessage | Unset
        if isinstance(_error_response, Unset):
            error_response = UNSET
        else:
            error_response = IErrorMessage.from_dict(_error_response)

        aggregate_usage_error = cls(
            imei=imei,
            error_message=error_message,
            error_response=error_response,
        )

        aggregate_usage_error.additional_properties = d
        return aggregate_usage_error

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
