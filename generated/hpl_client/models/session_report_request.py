from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="SessionReportRequest")


@_attrs_define
class SessionReportRequest:
    """Request for obtaining a session report."""

    account_number: str
    """ The unique identifier for the account, 10 digits, a dash and 5 digits, with leading zeroes. """
    imei: str
    """ International Mobile Equipment Identifier, 15 digits. """
    start_date: datetime.datetime | Unset = UNSET
    """ Start date of session to include. If not specified information will be shown from the
    earliest available (180 days). ISO 8601 format.
     """
    end_date: datetime.datetime | Unset = UNSET
    """ End date of session to include. If not specified information will be shown to the
    latest available. ISO 8601 format.
     """
    duration_low: int | Unset = UNSET
    """ The Low value of session duration, in seconds. """
    duration_high: int | Unset = UNSET
    """ The High value of session duration, in seconds. """

    def to_dict(self) -> dict[str, Any]:
        account_number = self.account_number

        imei = self.imei

        start_date: str | Unset = UNSET
        if not isinstance(self.start_date, Unset):
            start_date = self.start_date.isoformat()

        end_date: str | Unset = UNSET
        if not isinstance(self.end_date, Unset):
            end_date = self.end_date.isoformat()

        duration_low = self.duration_low

        duration_high = self.duration_high

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "accountNumber": account_number,
                "imei": imei,
            }
        )
        if start_date is not UNSET:
            field_dict["startDate"] = start_date
        if end_date is not UNSET:
            field_dict["endDate"] = end_date
        if duration_low is not UNSET:
            field_dict["durationLow"] = duration_low
        if duration_high is not UNSET:
            field_dict["durationHigh"] = duration_high

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        account_number = d.pop("accountNumber")

        imei = d.pop("imei")

        _start_date = UNSET if (_value := d.pop("startDate", None)) is None else _value
        start_date: datetime.datetime | Unset
        if isinstance(_start_date, Unset):
            start_date = UNSET
        else:
            start_date = datetime.datetime.fromisoformat(_start_date)

        _end_date = UNSET if (_value := d.pop("endDate", None)) is None else _value
        end_date: datetime.datetime | Unset
        if isinstance(_end_date, Unset):
            end_date = UNSET
        else:
            end_date = datetime.datetime.fromisoformat(_end_date)

        duration_low = UNSET if (_value := d.pop("durationLow", None)) is None else _value

        duration_high = UNSET if (_value := d.pop("durationHigh", None)) is None else _value

        session_report_request = cls(
            account_number=account_number,
            imei=imei,
            start_date=start_date,
            end_date=end_date,
            duration_low=duration_low,
            duration_high=duration_high,
        )

        return session_report_request
