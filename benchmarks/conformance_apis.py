"""The DingTalk APIs the portal calls, for benchmarks.conformance: each one's call through the official SDK,
the same call through the portal's client, and what the portal reads in the SDK's terms.

An API the portal comes to call is one more entry in APIS (and in PORTAL_READS). Not a benchmark of its
own: benchmarks.conformance runs it.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable
from dataclasses import dataclass

from . import common


def moment(ms: int) -> datetime.datetime:
    """DingTalk's epoch milliseconds as the aware datetime the portal's client takes and returns."""
    return datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.UTC)


def millis(moment: datetime.datetime) -> int:
    return int(moment.timestamp() * 1000)


MEETING = "conformance-meeting"
ROOM_CODE = "123456789"
START_MS = 1_924_992_000_000
END_MS = START_MS + 45 * 60_000


@dataclass(frozen=True)
class Api:
    """One DingTalk API, called through both clients; `reads` turns the SDK's reply body into what the
    portal's call returns."""

    name: str  # the sandbox's name of the API (its request log)
    sdk: Callable[[Clients], object]  # the SDK's call; returns its response model
    portal: Callable[[Clients], object]  # the portal's client's call; returns what it read
    reads: Callable[[object], object]  # the SDK's reply body -> the portal's reading
    # Run before each client's call: what the call changes (a cancel) is put back for the other client.
    before: Callable[[object], None] = lambda sandbox: None


@dataclass
class Clients:
    sdk_oauth2: object
    sdk_conference: object
    sdk_models: object  # conference_1_0.models
    oauth2_models: object
    runtime: object
    portal: object  # the portal's DingTalkClient
    token: str  # an access token for the conference APIs
    room_code_page_size: int  # what the portal asks for per page of a room-code lookup


APIS: tuple[Api, ...] = (
    Api(
        name="token",
        sdk=lambda c: c.sdk_oauth2.get_access_token(
            c.oauth2_models.GetAccessTokenRequest(app_key=DEMO["app_key"], app_secret=DEMO["app_secret"])
        ),
        portal=lambda c: c.portal.get_access_token(app_key=DEMO["app_key"], app_secret=DEMO["app_secret"]),
        reads=lambda body: (body.access_token, body.expire_in),
    ),
    Api(
        name="corp_token",
        sdk=lambda c: c.sdk_oauth2.get_corp_access_token(
            c.oauth2_models.GetCorpAccessTokenRequest(
                suite_key=DEMO["suite_key"],
                suite_secret=DEMO["suite_secret"],
                auth_corp_id="conformance-corp",
                suite_ticket="conformance-ticket",
            )
        ),
        portal=lambda c: c.portal.get_corp_access_token(
            suite_key=DEMO["suite_key"],
            suite_secret=DEMO["suite_secret"],
            auth_corp_id="conformance-corp",
            suite_ticket="conformance-ticket",
        ),
        reads=lambda body: (body.access_token, body.expire_in),
    ),
    Api(
        name="query",
        sdk=lambda c: c.sdk_conference.query_schedule_conference_with_options(
            MEETING,
            c.sdk_models.QueryScheduleConferenceRequest(request_union_id=common.CREATOR),
            c.sdk_models.QueryScheduleConferenceHeaders(x_acs_dingtalk_access_token=c.token),
            c.runtime,
        ),
        portal=lambda c: c.portal.get_schedule_conference(
            access_token=c.token, schedule_conference_id=MEETING, creator_union_id=common.CREATOR
        ),
        reads=lambda body: (
            body.schedule_conference_id,
            body.title,
            body.start_time,
            body.end_time,
            body.url,
            body.room_code,
        ),
    ),
    Api(
        name="update",
        sdk=lambda c: c.sdk_conference.update_schedule_conference_with_options(
            c.sdk_models.UpdateScheduleConferenceRequest(
                creator_union_id=common.CREATOR,
                schedule_conference_id=MEETING,
                title="Conformance (moved)",
                start_time=START_MS + 3_600_000,
                end_time=END_MS + 3_600_000,
            ),
            c.sdk_models.UpdateScheduleConferenceHeaders(x_acs_dingtalk_access_token=c.token),
            c.runtime,
        ),
        portal=lambda c: c.portal.update_schedule_conference(
            access_token=c.token,
            creator_union_id=common.CREATOR,
            schedule_conference_id=MEETING,
            title="Conformance (moved)",
            starts_at=moment(START_MS + 3_600_000),
            ends_at=moment(END_MS + 3_600_000),
        ),
        # The portal's call returns the request ID when DingTalk confirmed with "success": true, else raises.
        reads=lambda body: body.success is True,
    ),
    Api(
        name="room_code",
        sdk=lambda c: c.sdk_conference.query_conference_info_by_room_code_with_options(
            ROOM_CODE,
            c.sdk_models.QueryConferenceInfoByRoomCodeRequest(max_results=c.room_code_page_size),
            c.sdk_models.QueryConferenceInfoByRoomCodeHeaders(x_acs_dingtalk_access_token=c.token),
            c.runtime,
        ),
        portal=lambda c: c.portal.find_conferences_by_meeting_number(access_token=c.token, meeting_number=ROOM_CODE),
        reads=lambda body: [
            (
                entry.schedule_conference_id,
                entry.conference_id,
                entry.title,
                entry.start_time,
                entry.end_time,
                entry.status,
                entry.creator_id,
                entry.creator_nick,
                entry.room_code,
                entry.external_link_url,
            )
            for entry in body.conference_list
        ],
    ),
    Api(
        name="settings_query",
        sdk=lambda c: c.sdk_conference.query_schedule_conf_settings_with_options(
            c.sdk_models.QueryScheduleConfSettingsRequest(schedule_conference_id=MEETING),
            c.sdk_models.QueryScheduleConfSettingsHeaders(x_acs_dingtalk_access_token=c.token),
            c.runtime,
        ),
        portal=lambda c: c.portal.get_conference_settings(access_token=c.token, schedule_conference_id=MEETING),
        reads=lambda body: sdk_settings(body.schedule_conf_setting_model),
    ),
    Api(
        name="settings_update",
        sdk=lambda c: c.sdk_conference.update_schedule_conf_settings_with_options(
            c.sdk_models.UpdateScheduleConfSettingsRequest(
                creator_union_id=common.CREATOR,
                schedule_conference_id=MEETING,
                schedule_conf_setting_model=c.sdk_models.UpdateScheduleConfSettingsRequestScheduleConfSettingModel(
                    lock_room=1,
                    mute_on_join=5,
                    cohost_union_ids=["conformance-cohost"],
                    mozi_conf_virtual_extra_setting=(
                        c.sdk_models.UpdateScheduleConfSettingsRequestScheduleConfSettingModelMoziConfVirtualExtraSetting(
                            waiting_room=1, enable_chat=0
                        )
                    ),
                ),
            ),
            c.sdk_models.UpdateScheduleConfSettingsHeaders(x_acs_dingtalk_access_token=c.token),
            c.runtime,
        ),
        portal=lambda c: c.portal.update_conference_settings(
            access_token=c.token,
            creator_union_id=common.CREATOR,
            schedule_conference_id=MEETING,
            changes={
                "lock_room": True,
                "mute_on_join": 5,
                "cohost_union_ids": ("conformance-cohost",),
                "waiting_room": True,
                "enable_chat": False,
            },
        ),
        reads=lambda body: body.success is True,
    ),
    Api(
        name="create",
        sdk=lambda c: c.sdk_conference.create_schedule_conference_with_options(
            c.sdk_models.CreateScheduleConferenceRequest(
                creator_union_id=common.CREATOR, title="Conformance (new)", start_time=START_MS, end_time=END_MS
            ),
            c.sdk_models.CreateScheduleConferenceHeaders(x_acs_dingtalk_access_token=c.token),
            c.runtime,
        ),
        portal=lambda c: c.portal.create_schedule_conference(
            access_token=c.token,
            creator_union_id=common.CREATOR,
            title="Conformance (new)",
            starts_at=moment(START_MS),
            ends_at=moment(END_MS),
        ),
        reads=lambda body: (body.schedule_conference_id, body.url, body.room_code, tuple(body.phones or ())),
    ),
    Api(
        name="cancel",
        sdk=lambda c: c.sdk_conference.cancel_schedule_conference_with_options(
            c.sdk_models.CancelScheduleConferenceRequest(
                creator_union_id=common.CREATOR, schedule_conference_id=MEETING
            ),
            c.sdk_models.CancelScheduleConferenceHeaders(x_acs_dingtalk_access_token=c.token),
            c.runtime,
        ),
        portal=lambda c: c.portal.cancel_schedule_conference(
            access_token=c.token, creator_union_id=common.CREATOR, schedule_conference_id=MEETING
        ),
        reads=lambda body: body.success is True,
        before=lambda sandbox: book(sandbox),  # the first client's cancel would make the second's resourceCancel
    ),
)
# What the portal's call returns, in the same terms as Api.reads.
PORTAL_READS: dict[str, Callable[[object], object]] = {
    "token": lambda token: (token.token, token.expires_in),
    "corp_token": lambda token: (token.token, token.expires_in),
    "query": lambda conference: (
        MEETING,
        conference.title,
        millis(conference.starts_at),
        millis(conference.ends_at),
        conference.url,
        conference.meeting_number,
    ),
    "update": lambda request_id: True,
    "room_code": lambda instances: [
        (
            instance.schedule_conference_id,
            instance.conference_id,
            instance.title,
            millis(instance.starts_at),
            millis(instance.ends_at),
            instance.status,
            instance.creator_staff_id,
            instance.creator_nick,
            instance.meeting_number,
            instance.url,
        )
        for instance in instances
    ],
    "settings_query": dataclasses.asdict,
    "settings_update": lambda request_id: True,
    "create": lambda created: (created.schedule_conference_id, created.url, created.meeting_number, created.phones),
    "cancel": lambda request_id: True,
}
# The sandbox's demo app and suite keys: conformance.main() fills them in once dingtalk_sandbox is imported.
DEMO: dict[str, str] = {}


def sdk_settings(model) -> dict:
    """The SDK's scheduleConfSettingModel in the portal's ConferenceSettings terms: a flag is on when not 0,
    a value not sent is the default."""
    extra = model.mozi_conf_virtual_extra_setting
    return {
        "host_union_id": model.host_union_id or "",
        "cohost_union_ids": tuple(model.cohost_union_ids or ()),
        "lock_room": bool(model.lock_room),
        "screen_share_forbidden": bool(model.screen_share_forbidden),
        "mute_on_join": model.mute_on_join or 0,
        "waiting_room": bool(extra and extra.waiting_room),
        "join_before_host": bool(extra and extra.join_before_host),
        "enable_chat": bool(extra and extra.enable_chat),
        "lock_nick": bool(extra and extra.lock_nick),
    }


def book(sandbox) -> None:
    """The meeting every conference API works on, booked afresh (not canceled, its settings the defaults)."""
    sandbox.state.upsert_meeting(
        schedule_conference_id=MEETING,
        creator_union_id=common.CREATOR,
        title="Conformance",
        start_time=START_MS,
        end_time=END_MS,
        room_code=ROOM_CODE,
    )
