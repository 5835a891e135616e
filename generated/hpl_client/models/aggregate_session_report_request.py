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
    imei: list[str]
    """ Devices for which return usage info. Could be 0, 1 or more. In case of 0 will return
    all devices belonging to customer (except of filtered by other parameters). At most 10
    for the synchronous report and 10,000 for the asynchronous one.
     """
    start_date: datetime.datetime | Unset = UNSET
    """ Start date of session to include. If not specified information will be shown from the
    earliest available (180 days). ISO 8601 format.
     """
    end_date: datetime.datetime | Unset = UNSET
    """ End date of session to include. If not specified information will be shown to the
    latest available. ISO 8601 format.
     """
    device_group: str | Unset = UNSET
    """ User defined group name the devices are a member of. """
    data_plan: str | Unset = UNSET
    """ The data plan the devices beign queried belong to. """
    no_session_flag: NoSessionFlag | UnknownEnumValue | Unset = UNSET
    """ Optional filter parameter which return only devices with no sessions. """

    def to_dict(self) -> dict[str, Any]:
        account_number = self.account_number

        imei = self.imei

        start_date: str | Unset = UNSET
        if not isinstance(self.start_date, Unset):
            start_date = self.start_date.isoformat()

        end_date: str | Unset = UNSET
        if not isinstance(self.end_date, Unset):
            end_date = self.end_date.isoformat()

        device_group = self.device_group

        data_plan = self.data_plan

        no_session_flag: str | Unset = UNSET
        if not isinstance(self.no_session_flag, Unset):
            no_session_flag = self.no_session_flag.value

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

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        account_number = d.pop("accountNumber")

        imei = cast(list[str], d.pop("imei"))

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

        device_group = UNSET if (_value := d.pop("deviceGroup", None)) is None else _value

        data_plan = UNSET if (_value := d.pop("dataPlan", None)) is None else _value

        _no_session_flag = UNSET if (_value := d.pop("noSessionFlag", None)) is None else _value
        no_session_flag: NoSessionFlag | UnknownEnumValue | Unset
        if isinstance(_no_session_flag, Unset):
            no_session_flag = UNSET
        else:
            no_session_flag = NoSessionFlag.parse(_no_session_flag)

        aggregate_session_report_request = cls(
            account_number=account_number,
            imei=imei,
            start_date=start_date,
            end_date=end_date,
            device_group=device_group,
            data_plan=data_plan,
            no_session_flag=no_session_flag,
        )

        return aggregate_session_report_request
