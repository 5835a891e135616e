from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.daily_usage_item import DailyUsageItem


T = TypeVar("T", bound="SessionReport")


@_attrs_define
class SessionReport:
    """Session report for a device."""

    id: str
    """ The identifier (IMEI) of the device the report is for. """
    txid: str
    """ A unique string that associates the request with the location report information that is
    sent in asynchronous callback message. ThingSpace will send a separate callback message
    for each device that was in the request. All of the callback messages will have the same
    txid. The sandbox gives a fresh UUID for every request; no source promises that form, so
    the schema does not require it (D8).
     """
    sessions: list[DailyUsageItem] | Unset = UNSET
    """ An object containing the start and end time of the session with the amount of data transferred. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        txid = self.txid

        sessions: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.sessions, Unset):
            sessions = []
            for sessions_item_data in self.sessions:
                sessions_item = sessions_item_data.to_dict()
                sessions.append(sessions_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "txid": txid,
            }
        )
        if sessions is not UNSET:
            field_dict["sessions"] = sessions

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.daily_usage_item import DailyUsageItem  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        txid = d.pop("txid")

        _sessions = UNSET if (_value := d.pop("sessions", None)) is None else _value
        sessions: list[DailyUsageItem] | Unset = UNSET
        if not isinstance(_sessions, Unset):
            sessions = []
            for sessions_item_data in _sessions:
                sessions_item = DailyUsageItem.from_dict(sessions_item_data)

                sessions.append(sessions_item)

        session_report = cls(
            id=id,
            txid=txid,
            sessions=sessions,
        )

        session_report.additional_properties = d
        return session_report

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
