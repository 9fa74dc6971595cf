"""The only code in the portal that speaks HTTP to DingTalk.

- `errors`: DingTalk's codes the portal acts on and the `DingTalkError` family;
- `transport`: the connection pool, timeouts, retries, the shared deadline and reply parsing;
- `client`: one method per DingTalk API (`client_for(api_base)` builds the client);
- `values`: the typed values the client takes and returns, and their conversions to and from the wire
  (epoch milliseconds, settings);
- `replies`: reading DingTalk's replies into those values, refusing what cannot be stored or shown;
- `limits`: the title length as DingTalk counts it (no Django, so the sandbox uses it too).

Words: DingTalk's `roomCode` is what people and the rest of the portal call the meeting number. This
package is the one place that translates: `replies.read_meeting_number` reads `roomCode` into
`meeting_number`, and `DingTalkClient.find_conferences_by_meeting_number` asks DingTalk's roomCodes API
(`ROOM_CODE_PATH`). Nothing outside it says "room code".

Beside them, imported by name because they read the database (`from meetings.dingtalk import tokens`):
- `pacing`: one DingTalk budget for the whole deployment, the turn every call takes first;
- `credentials`: what each way of authenticating needs, and the errors when there is no token to send;
- `tokens`: the token sent for an organization (`call_with_token`), renewed once when DingTalk refuses it;
- `token_lease`: one token request per organization at a time across every process.

Callers use the names below: `from meetings import dingtalk; dingtalk.client_for(...)`.
"""

from .client import (
    ACCESS_TOKEN_PATH,
    CANCEL_PATH,
    CORP_ACCESS_TOKEN_PATH,
    CREATE_PATH,
    QUERY_PATH,
    ROOM_CODE_PATH,
    SETTINGS_PATH,
    UPDATE_PATH,
    DingTalkClient,
    client_for,
)
from .errors import (
    JITTER,
    RETRY_BASE_DELAY,
    THROTTLE_DELAY,
    Code,
    DingTalkAPIError,
    DingTalkBadReply,
    DingTalkConnectionDropped,
    DingTalkConnectionRefused,
    DingTalkError,
    DingTalkNotConfirmed,
    DingTalkTimeout,
    DingTalkUnnamedBooking,
    DingTalkUnusableValues,
    retry_delay,
)
from .limits import TITLE_MAX_LENGTH, title_length
from .transport import (
    MAX_ATTEMPTS,
    MAX_REPLY_BYTES,
    REQUEST_ID_HEADER,
    TOKEN_HEADER,
    USER_AGENT,
    _shared_ends_at,  # noqa: F401 -- tests/admin_portal/test_middleware.py reads it
    shared_deadline,
)
from .values import (
    SETTINGS_WIRE,
    AccessToken,
    Conference,
    ConferenceInstance,
    ConferenceSettings,
    CreatedConference,
    epoch_ms,
    from_epoch_ms,
)

__all__ = [
    "ACCESS_TOKEN_PATH",
    "CANCEL_PATH",
    "CREATE_PATH",
    "SETTINGS_PATH",
    "SETTINGS_WIRE",
    "CORP_ACCESS_TOKEN_PATH",
    "JITTER",
    "MAX_ATTEMPTS",
    "MAX_REPLY_BYTES",
    "QUERY_PATH",
    "REQUEST_ID_HEADER",
    "ROOM_CODE_PATH",
    "RETRY_BASE_DELAY",
    "THROTTLE_DELAY",
    "TITLE_MAX_LENGTH",
    "TOKEN_HEADER",
    "UPDATE_PATH",
    "USER_AGENT",
    "AccessToken",
    "Code",
    "Conference",
    "ConferenceSettings",
    "CreatedConference",
    "ConferenceInstance",
    "DingTalkAPIError",
    "DingTalkBadReply",
    "DingTalkClient",
    "DingTalkConnectionDropped",
    "DingTalkConnectionRefused",
    "DingTalkError",
    "DingTalkNotConfirmed",
    "DingTalkTimeout",
    "DingTalkUnnamedBooking",
    "DingTalkUnusableValues",
    "client_for",
    "epoch_ms",
    "from_epoch_ms",
    "retry_delay",
    "shared_deadline",
    "title_length",
]
