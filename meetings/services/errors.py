"""What a use case tells the person when it fails: the MeetingError family and the sentence for a DingTalk failure."""

from __future__ import annotations

import datetime

from .. import dingtalk, texts
from ..dingtalk import credentials
from ..models import Organization


class MeetingError(Exception):
    """A use case failed; `message` is the sentence to show the person, `field` the form field it is
    about, if one is (the view puts the sentence on that field). Given as a `texts.Sentence`, it is also
    kept as `sentence`, its code and parameters, for a job to store (an import line's reason)."""

    def __init__(self, message: str | texts.Sentence, *, field: str | None = None):
        self.sentence = message if isinstance(message, texts.Sentence) else None
        message = str(message)
        super().__init__(message)
        self.message = message
        self.field = field


class MeetingCanceled(MeetingError):
    """The meeting is canceled in DingTalk (found now or earlier): it can no longer be changed."""


class MeetingConflict(MeetingError):
    """Someone saved the meeting in the portal after the form was opened (or is saving it now)."""


class MeetingChangedInDingTalk(MeetingError):
    """DingTalk's title or times differ from what the form was based on; `current` is what DingTalk has."""

    def __init__(self, message: str, *, current: dingtalk.Conference):
        super().__init__(message)
        self.current = current


class MeetingOutcomeUnknown(MeetingError):
    """The update may have reached DingTalk, or a check of one could not be made: the meeting stays locked
    until `check_after`, when the portal reads DingTalk to check it (services.meeting_save_check)."""

    def __init__(self, message: str, *, check_after: datetime.datetime):
        super().__init__(message)
        self.check_after = check_after


class SubmissionRepeated(Exception):
    """The edit or booking form was posted again with the same values: `change` is the attempt of its first
    arrival (perhaps still in progress), whose outcome answers this one too. Nothing was written or sent."""

    def __init__(self, change):
        super().__init__(change.submission_key)
        self.change = change


# Failures whose kind says more than their code (most have none: DingTalk never answered), in order.
ERROR_KINDS = (
    (credentials.TokenRequestFailed, texts.TOKEN_REQUEST_FAILED),
    (dingtalk.DingTalkTimeout, texts.TIMEOUT),
    (dingtalk.DingTalkConnectionRefused, texts.CONNECTION_REFUSED),
    (dingtalk.DingTalkConnectionDropped, texts.CONNECTION_DROPPED),
    (dingtalk.DingTalkUnusableValues, texts.DINGTALK_VALUES_UNUSABLE),
    (dingtalk.DingTalkBadReply, texts.BAD_REPLY),
)


def error_message(error: dingtalk.DingTalkError | credentials.CredentialsError, *, organization: Organization) -> str:
    """The sentence for a failed DingTalk call (or one never made), with DingTalk's detail where it helps."""
    return str(error_sentence(error, organization=organization))


def error_sentence(
    error: dingtalk.DingTalkError | credentials.CredentialsError, *, organization: Organization
) -> texts.Sentence:
    """`error_message` as its code and parameters, for a job to store and a page to show in its reader's
    language."""
    if isinstance(error, credentials.CredentialsMissing):
        missing = texts.Fields(error.missing)
        return texts.Sentence(texts.CREDENTIALS_MISSING, {"organization": organization.name, "missing": missing})
    if isinstance(error, credentials.SecretUndecryptable):
        return texts.Sentence(texts.CREDENTIALS_UNDECRYPTABLE, {"organization": organization.name})
    if isinstance(error, credentials.PastedTokenExpired):
        return texts.Sentence(
            texts.PASTED_TOKEN_EXPIRED,
            {
                "organization": organization.name,
                "time": texts.local_time(error.expired_at, organization),
                "time_zone": texts.Zone(organization.time_zone, error.expired_at),
            },
        )
    # Every sentence picks the parameters it names.
    params = {
        "organization": organization.name,
        "time_zone": texts.Zone(organization.time_zone),
        "host": organization.api_base,
        "status": error.status or "-",
        "code": error.code or "-",
        "request_id": error.request_id or "-",
        "detail": error.detail or error.code,
        "scopes": ", ".join(error.required_scopes) or "VideoConference.Conference.Write",
    }
    if isinstance(error, dingtalk.DingTalkNotConfirmed):
        sentence = texts.NOT_CONFIRMED
    else:
        sentence = _error_sentence(error, organization) or texts.UNKNOWN_ERROR
    said = texts.Sentence(sentence, params)
    if error.request_id:  # last, in small print on the page
        return texts.Sentence.joined(said, texts.Sentence(texts.REQUEST_ID_SUFFIX, {"request_id": error.request_id}))
    return said


def _error_sentence(error: dingtalk.DingTalkError, organization: Organization):
    if error.code == dingtalk.Code.INVALID_CLIENT:
        return texts.BY_CODE[error.code]  # a TokenRequestFailed, but the code says exactly what to correct
    for kind, sentence in ERROR_KINDS:
        if isinstance(error, kind):
            return sentence
    sentence = texts.BY_CODE.get(error.code)
    if sentence is texts.INVALID_AUTHENTICATION and credentials.uses_app(organization):
        # The portal renews its own tokens and retries once; only a pasted one needs a person.
        return texts.APP_TOKEN_REJECTED
    if error.status == 403 and error.required_scopes and (sentence is None or sentence in _WEAKER_THAN_SCOPES):
        return texts.MISSING_SCOPE  # a 403 that names the permission it lacks
    return sentence


# Codes a 403 naming a missing permission overrides: the permission is what an administrator can fix.
_WEAKER_THAN_SCOPES = (texts.THROTTLED, texts.MONTHLY_QUOTA)
