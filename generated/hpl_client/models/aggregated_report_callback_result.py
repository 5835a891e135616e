from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.aggregated_report_callback_status import AggregatedReportCallbackStatus
from ..types import UNSET, UnknownEnumValue, Unset

T = TypeVar("T", bound="AggregatedReportCallbackResult")


@_attrs_define
class AggregatedReportCallbackResult:
    """Aggregated usage report (Asynchronous). `txid` is optional, as in the vendor's current
    SDKs (D8); the sandbox always sends it.

    """

    txid: str | Unset = UNSET
    """ A unique string that associates the request with the location report information that is
    sent in asynchronous callback message. ThingSpace will send a separate callback message
    for each device that was in the request. All of the callback messages will have the same
    txid. The sandbox gives a fresh UUID for every request; no source promises that form, so
    the schema does not require it (D8).
     """
    status: AggregatedReportCallbackStatus | UnknownEnumValue | Unset = UNSET
    """ QUEUED when the report is accepted for background computation; COMPLETED when it is done. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        txid = self.txid

        status: str | Unset = UNSET
        if not isinstance(self.status, Unset):
            status = self.status.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if txid is not UNSET:
            field_dict["txid"] = txid
        if status is not UNSET:
            field_dict["status"] = status

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        txid = UNSET if (_value := d.pop("txid", None)) is None else _value

        _status = UNSET if (_value := d.pop("status", None)) is None else _value
        status: AggregatedReportCallbackStatus | UnknownEnumValue | Unset
        if isinstance(_status, Unset):
            status = UNSET
        else:
            status = AggregatedReportCallbackStatus.parse(_status)

        aggregated_report_callback_result = cls(
            txid=txid,
            status=status,
        )

        aggregated_report_callback_result.additional_properties = d
        return aggregated_report_callback_result

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
