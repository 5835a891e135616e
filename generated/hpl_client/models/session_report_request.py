from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

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
    start_date: datetime.datetime | None | Unset = UNSET
    """ Start date of session to include. If not specified information will be shown from the
    earliest available (180 days). ISO 8601 format. `null` means absent (D8).
     """
    end_date: datetime.datetime | None | Unset = UNSET
    """ End date of session to include. If not specified information will be shown to the
    latest available. ISO 8601 format. `null` means absent (D8).
     """
    duration_low: int | None | Unset = UNSET
    """ The Low value of session duration, in seconds. `null` means absent (D8). """
    duration_high: int | None | Unset = UNSET
    """ The High value of session duration, in seconds. `null` means absent (D8). """

    def to_dict(self) -> dict[str, Any]:
        account_number = self.account_number

        imei = self.imei

        start_date: None | str | Unset
        if isinstance(self.start_date, Unset):
            start_date = UNSET
        elif isinstance(self.start_date, datetime.datetime):
            start_date = self.start_date.isoformat()
        else:
            start_date = self.start_date

        end_date: None | str | Unset
        if isinstance(self.end_date, Unset):
            end_date = UNSET
        elif isinstance(self.end_date, datetime.datetime):
            end_date = self.end_date.isoformat()
        else:
            end_date = self.end_date

        duration_low: int | None | Unset
        if isinstance(self.duration_low, Unset):
            duration_low = UNSET
        else:
            duration_low = self.duration_low

        duration_high: int | None | Unset
        if isinstance(self.duration_high, Unset):
            duration_high = UNSET
        else:
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

        def _parse_start_date(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                try:
                    start_date_type_0 = datetime.datetime.fromisoformat(data)
                except ValueError:
                    start_date_type_0 = datetime.datetime.fromisoformat(data.upper())

                return start_date_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        start_date = _parse_start_date(d.pop("startDate", UNSET))

        def _parse_end_date(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                try:
                    end_date_type_0 = datetime.datetime.fromisoformat(data)
                except ValueError:
                    end_date_type_0 = datetime.datetime.fromisoformat(data.upper())

                return end_date_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        end_date = _parse_end_date(d.pop("endDate", UNSET))

        def _parse_duration_low(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        duration_low = _parse_duration_low(d.pop("durationLow", UNSET))

        def _parse_duration_high(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        duration_high = _parse_duration_high(d.pop("durationHigh", UNSET))

        session_report_request = cls(
            account_number=account_number,
            imei=imei,
            start_date=start_date,
            end_date=end_date,
            duration_low=duration_low,
            duration_high=duration_high,
        )

        return session_report_request
