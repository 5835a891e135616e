from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.aggregate_usage_error import AggregateUsageError
    from ..models.aggregate_usage_item import AggregateUsageItem


T = TypeVar("T", bound="AggregateSessionReport")


@_attrs_define
class AggregateSessionReport:
    """Session and usage details for up to 10 devices."""

    txid: None | str | Unset = UNSET
    """ A unique string that associates the request with its report (the sandbox gives a
    fresh UUID for every request); `null` or absent where the service has none to give
    (the vendor's current SDKs make it optional, D8).
     """
    usage: list[AggregateUsageItem] | Unset = UNSET
    """ Contains usage per device. """
    errors: list[AggregateUsageError] | Unset = UNSET
    """ An object containing any errors reported by the device. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        txid: None | str | Unset
        if isinstance(self.txid, Unset):
            txid = UNSET
        else:
            txid = self.txid

        usage: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.usage, Unset):
            usage = []
            for usage_item_data in self.usage:
                usage_item = usage_item_data.to_dict()
                usage.append(usage_item)

        errors: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.errors, Unset):
            errors = []
            for errors_item_data in self.errors:
                errors_item = errors_item_data.to_dict()
                errors.append(errors_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if txid is not UNSET:
            field_dict["txid"] = txid
        if usage is not UNSET:
            field_dict["usage"] = usage
        if errors is not UNSET:
            field_dict["errors"] = errors

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.aggregate_usage_error import AggregateUsageError  # noqa: PLC0415
        from ..models.aggregate_usage_item import AggregateUsageItem  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_txid(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        txid = _parse_txid(d.pop("txid", UNSET))

        _usage = UNSET if (_value := d.pop("usage", None)) is None else _value
        usage: list[AggregateUsageItem] | Unset = UNSET
        if not isinstance(_usage, Unset):
            usage = []
            for usage_item_data in _usage:
                usage_item = AggregateUsageItem.from_dict(usage_item_data)

                usage.append(usage_item)

        _errors = UNSET if (_value := d.pop("errors", None)) is None else _value
        errors: list[AggregateUsageError] | Unset = UNSET
        if not isinstance(_errors, Unset):
            errors = []
            for errors_item_data in _errors:
                errors_item = AggregateUsageError.from_dict(errors_item_data)

                errors.append(errors_item)

        aggregate_session_report = cls(
            txid=txid,
            usage=usage,
            errors=errors,
        )

        aggregate_session_report.additional_properties = d
        return aggregate_session_report

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
