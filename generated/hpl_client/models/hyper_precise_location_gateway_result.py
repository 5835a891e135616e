from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.error_response_code import ErrorResponseCode
from ..types import UNSET, UnknownEnumValue, Unset

if TYPE_CHECKING:
    from ..models.hyper_precise_location_fault import HyperPreciseLocationFault


T = TypeVar("T", bound="HyperPreciseLocationGatewayResult")


@_attrs_define
class HyperPreciseLocationGatewayResult:
    """The API gateway's error envelope, as the vendor's current SDKs model an error (D8); the
    `fault` codes (e.g. 900906) are the gateway's. `fault` is what tells it from
    `HyperPreciseLocationResult`.

    """

    fault: HyperPreciseLocationFault
    """ Fault occurred while responding. """
    response_code: ErrorResponseCode | UnknownEnumValue | Unset = UNSET
    """ Error Code. """
    message: str | Unset = UNSET
    """ Error message. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        fault = self.fault.to_dict()

        response_code: str | Unset = UNSET
        if not isinstance(self.response_code, Unset):
            response_code = self.response_code.value

        message = self.message

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "fault": fault,
            }
        )
        if response_code is not UNSET:
            field_dict["responseCode"] = response_code
        if message is not UNSET:
            field_dict["message"] = message

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.hyper_precise_location_fault import HyperPreciseLocationFault  # noqa: PLC0415

        d = dict(src_dict)
        fault = HyperPreciseLocationFault.from_dict(d.pop("fault"))

        _response_code = UNSET if (_value := d.pop("responseCode", None)) is None else _value
        response_code: ErrorResponseCode | UnknownEnumValue | Unset
        if isinstance(_response_code, Unset):
            response_code = UNSET
        else:
            response_code = ErrorResponseCode.parse(_response_code)

        message = UNSET if (_value := d.pop("message", None)) is None else _value

        hyper_precise_location_gateway_result = cls(
            fault=fault,
            response_code=response_code,
            message=message,
        )

        hyper_precise_location_gateway_result.additional_properties = d
        return hyper_precise_location_gateway_result

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
