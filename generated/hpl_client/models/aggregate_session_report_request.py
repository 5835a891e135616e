from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.no_session_flag import NoSessionFlag
from ..types import UNSET, UnknownEnumValue, Unset

T = TypeVar("T", bound="AggregateSessionReportRequest")


@_attrs_define
class AggregateSessionReportRequest:
    """Request for getting an aggregated session report."""

    account_number: str
    """ The unique identifier for the account, 10 digits, a dash and 5 digits, with leading zeroes. """
    imei: list[str] | str
    """ Devices for which return usage info. Could be 0, 1 or more. In case of 0 will return
    all devices belonging to customer (except of filtered by other parameters). At most 10
    for the synchronous report and 10,000 for the asynchronous one. One IMEI string (as
    the doc pages type the field) means a list of that one device (D8).
     """
    start_date: datetime.datetime | None | Unset = UNSET
    """ Start date of session to include. If not specified information will be shown from the
    earliest available (180 days). ISO 8601 format. `null` means absent (D8).
     """
    end_date: datetime.datetime | None | Unset = UNSET
    """ End date of session to include. If not specified information will be shown to the
    latest available. ISO 8601 format. `null` means absent (D8).
     """
    device_group: None | str | Unset = UNSET
    """ User defined group name the devices are a member of. `null` means absent (D8). """
    data_plan: None | str | Unset = UNSET
    """ The data plan the devices beign queried belong to. `null` means absent (D8). """
    no_session_flag: bool | None | NoSessionFlag | UnknownEnumValue | Unset = UNSET
    """ Optional filter parameter which return only devices with no sessions: the string
    `"true"`/`"false"` (seeds, D3) or a JSON boolean (the vendor's current SDKs, D8);
    `null` means absent.
     """
    device_label: None | str | Unset = UNSET
    """ A label that older vendor SDKs send. Accepted and ignored (D8): it selects nothing.
     """

    def to_dict(self) -> dict[str, Any]:
        account_number = self.account_number

        imei: list[str] | str
        if isinstance(self.imei, list):
            imei = self.imei

        else:
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

        device_group: None | str | Unset
        if isinstance(self.device_group, Unset):
            device_group = UNSET
        else:
            device_group = self.device_group

        data_plan: None | str | Unset
        if isinstance(self.data_plan, Unset):
            data_plan = UNSET
        else:
            data_plan = self.data_plan

        no_session_flag: bool | None | str | Unset
        if isinstance(self.no_session_flag, Unset):
            no_session_flag = UNSET
        elif isinstance(self.no_session_flag, (NoSessionFlag, UnknownEnumValue)):
            no_session_flag = self.no_session_flag.value
        else:
            no_session_flag = self.no_session_flag

        device_label: None | str | Unset
        if isinstance(self.device_label, Unset):
            device_label = UNSET
        else:
            device_label = self.device_label

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
        if device_group is not UNSET:
            field_dict["deviceGroup"] = device_group
        if data_plan is not UNSET:
            field_dict["dataPlan"] = data_plan
        if no_session_flag is not UNSET:
            field_dict["noSessionFlag"] = no_session_flag
        if device_label is not UNSET:
            field_dict["deviceLabel"] = device_label

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        account_number = d.pop("accountNumber")

        def _parse_imei(data: object) -> list[str] | str:
            try:
                if not isinstance(data, list):
                    raise TypeError()
                imei_type_0 = cast(list[str], data)

                return imei_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | str, data)

        imei = _parse_imei(d.pop("imei"))

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

        def _parse_device_group(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        device_group = _parse_device_group(d.pop("deviceGroup", UNSET))

        def _parse_data_plan(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        data_plan = _parse_data_plan(d.pop("dataPlan", UNSET))

        def _parse_no_session_flag(data: object) -> bool | None | NoSessionFlag | UnknownEnumValue | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                no_session_flag_type_0 = NoSessionFlag.parse(data)

                return no_session_flag_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(bool | None | NoSessionFlag | UnknownEnumValue | Unset, data)

        no_session_flag = _parse_no_session_flag(d.pop("noSessionFlag", UNSET))

        def _parse_device_label(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        device_label = _parse_device_label(d.pop("deviceLabel", UNSET))

        aggregate_session_report_request = cls(
            account_number=account_number,
            imei=imei,
            start_date=start_date,
            end_date=end_date,
            device_group=device_group,
            data_plan=data_plan,
            no_session_flag=no_session_flag,
            device_label=device_label,
        )

        return aggregate_session_report_request
