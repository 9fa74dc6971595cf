"""Use cases of /meetings/import/: many meetings added at once, previewed first, registered once confirmed.

Both steps run in the background job worker (meetings/tasks.py calls `import_preview` and `import_run`), and
every DingTalk call keeps the organization's pace (dingtalk/pacing.py): a throttled reply waits and is tried
again rather than failing the line. An import is a job owned by the database (jobs.py): each step holds the
run token and beats; a step whose worker died is taken over by another worker and goes on with the lines
not done yet. A line being added is claimed first (ADDING), so none is added twice: the run that takes
over a claimed line finds out whether the dead run registered it.
"""

from __future__ import annotations

import logging
import re

from django.contrib.auth.models import AbstractUser
from django.db import transaction
from django.utils import translation

from .. import texts
from ..models import MeetingImport, MeetingImportLine, Organization
from ..validators import DINGTALK_ID
from .errors import MeetingError
from .jobs import JobRun, job_start
from .meeting_numbers import meeting_find, meeting_number_digits
from .registration import (
    CreatorRefused,
    MeetingAlreadyRegistered,
    MeetingNumberNotFound,
    SeveralMeetings,
    meeting_check,
    meeting_register,
)

logger = logging.getLogger(__name__)

MAX_LINES = 500
_NUMBER_ONLY = re.compile(r"[\d \u00a0\u3000-]+")


def import_lines(text: str) -> list[tuple[int, str]]:
    """The lines that count, with their line numbers: blank lines and `#` comments are skipped."""
    kept = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if line and not line.startswith("#"):
            kept.append((number, line))
    return kept


def read_line(line: str) -> dict:
    """A line as a meeting number (`meeting_number`) or a conference ID and a creator union ID; {} if neither."""
    if "," in line or "，" in line:
        parts = [part.strip() for part in re.split(r"[,，]", line)]
        if len(parts) == 2 and all(DINGTALK_ID.fullmatch(part) for part in parts):
            return {"schedule_conference_id": parts[0], "creator_union_id": parts[1]}
        return {}
    if _NUMBER_ONLY.fullmatch(line):
        digits = meeting_number_digits(line)
        return {"meeting_number": digits} if digits else {}
    parts = line.split()
    if len(parts) == 2 and all(DINGTALK_ID.fullmatch(part) for part in parts):
        return {"schedule_conference_id": parts[0], "creator_union_id": parts[1]}
    digits = meeting_number_digits(line)
    return {"meeting_number": digits} if digits else {}


def import_create(*, organization: Organization, text: str, by: AbstractUser, language: str = "") -> MeetingImport:
    """Keep the lines of an import and queue their preview. Each line's reason is kept as its code and
    parameters, shown in the reader's language; its text too, in `language` (the person's)."""
    with transaction.atomic():
        meeting_import = MeetingImport.objects.create(organization=organization, created_by=by, language=language)
        lines = []
        for number, line in import_lines(text):
            read = read_line(line)
            unreadable = None if read else texts.Sentence(texts.IMPORT_LINE_UNREADABLE)
            lines.append(
                MeetingImportLine(
                    meeting_import=meeting_import,
                    number=number,
                    text=line[:500],
                    checked=not read,
                    problem=str(unreadable or ""),
                    problem_sentence=unreadable and unreadable.as_data(),
                    **{key: value[:128] for key, value in read.items()},
                )
            )
        MeetingImportLine.objects.bulk_create(lines)
        job_start(job=meeting_import, task="import_preview_job")
    return meeting_import


def import_preview(*, import_id: int, run_token: str) -> None:
    """Ask DingTalk about every line not checked yet: what it would add, or why it cannot."""
    run = JobRun(MeetingImport, import_id, run_token)
    if not run.claim():
        return
    meeting_import = MeetingImport.objects.select_related("organization").get(pk=import_id)
    with _stopping_on_error(run), translation.override(meeting_import.language or None):
        for line in meeting_import.lines.filter(checked=False):
            if not run.beat():
                return
            _preview_line(meeting_import.organization, line)
            # Only while the job is this run's, and only what the preview found: a run that stalled and was
            # taken over must not write its line over one the import's run has added since.
            MeetingImportLine.objects.filter(pk=line.pk, meeting_import__run_token=run.run_token).update(
                checked=True, **{name: getattr(line, name) for name in _PREVIEW_FIELDS}
            )
        run.jobs().filter(status=MeetingImport.Status.PREVIEWING).update(status=MeetingImport.Status.PREVIEWED)


def import_confirm(*, meeting_import: MeetingImport, by: AbstractUser) -> bool:
    """Queue the registration of a previewed import (once). Returns False when it is not waiting for that."""
    with transaction.atomic():
        confirmed = MeetingImport.objects.filter(pk=meeting_import.pk, status=MeetingImport.Status.PREVIEWED).update(
            status=MeetingImport.Status.QUEUED, confirmed_by=by
        )
        if confirmed:
            job_start(job=meeting_import, task="import_run_job")
    meeting_import.refresh_from_db()
    return bool(confirmed)


def import_run(*, import_id: int, run_token: str) -> None:
    """Register every addable line not done yet; each line ends added, or not added with the reason."""
    run = JobRun(MeetingImport, import_id, run_token)
    if not run.claim():
        return
    meeting_import = MeetingImport.objects.select_related("organization", "confirmed_by").get(pk=import_id)
    run.jobs().update(status=MeetingImport.Status.RUNNING)
    unfinished = (MeetingImportLine.Result.PENDING, MeetingImportLine.Result.ADDING)
    with _stopping_on_error(run), translation.override(meeting_import.language or None):
        for line in meeting_import.lines.filter(result__in=unfinished):
            if not run.beat():
                return
            _run_line(run, meeting_import, line)
        run.jobs().update(status=MeetingImport.Status.DONE)


def _run_line(run: JobRun, meeting_import: MeetingImport, line: MeetingImportLine) -> None:
    """Add one line, claimed first (PENDING or a dead run's ADDING -> ADDING) so no other run adds it too."""
    recovering = line.result == MeetingImportLine.Result.ADDING
    claimed = MeetingImportLine.objects.filter(pk=line.pk, result=line.result)
    if not claimed.update(result=MeetingImportLine.Result.ADDING):
        return  # another run holds it
    sentence = None
    if not line.addable:
        result, message, meeting = MeetingImportLine.Result.NOT_ADDED, line.problem, None
        sentence = line.problem_sentence
    else:
        try:
            meeting = meeting_register(
                organization=meeting_import.organization,
                schedule_conference_id=line.schedule_conference_id,
                creator_union_id=line.creator_union_id,
                by=meeting_import.confirmed_by,
                paced=True,
            )
            result, message = MeetingImportLine.Result.ADDED, ""
        except MeetingAlreadyRegistered as error:
            if recovering and error.meeting.organization_id == meeting_import.organization_id:
                # The dead run registered it and died before writing the line down.
                result, message, meeting = MeetingImportLine.Result.ADDED, "", error.meeting
            else:
                result, message, meeting = MeetingImportLine.Result.NOT_ADDED, error.message, None
                sentence = _data(error)
        except MeetingError as error:
            result, message, meeting = MeetingImportLine.Result.NOT_ADDED, error.message, None
            sentence = _data(error)
    # Conditional, like the claim: a result another run stored meanwhile stays; and a run that lost the job
    # while it worked (it stalled, another took over) writes nothing -- its "already registered" may be the
    # new run's registration of this very line.
    MeetingImportLine.objects.filter(
        pk=line.pk, result=MeetingImportLine.Result.ADDING, meeting_import__run_token=run.run_token
    ).update(result=result, message=message, message_sentence=sentence, meeting=meeting)


# What the preview of a line finds (_preview_line sets them).
_PREVIEW_FIELDS = (
    "schedule_conference_id",
    "creator_union_id",
    "creator_nick",
    "title",
    "starts_at",
    "ends_at",
    "problem",
    "problem_sentence",
)


def _data(error: MeetingError) -> dict | None:
    """The error's sentence as stored data; None when it has only a text (shown as written)."""
    return error.sentence.as_data() if error.sentence is not None else None


def _preview_line(organization: Organization, line: MeetingImportLine) -> None:
    try:
        if line.meeting_number:
            candidates = meeting_find(organization=organization, meeting_number=line.meeting_number, paced=True)
            number = {"number": texts.group_digits(line.meeting_number)}
            if not candidates:
                raise MeetingNumberNotFound(texts.Sentence(texts.MEETING_NUMBER_UNKNOWN, number))
            if len(candidates) > 1:
                raise SeveralMeetings(texts.Sentence(texts.IMPORT_SEVERAL, number), candidates=candidates)
            [candidate] = candidates
            line.schedule_conference_id = candidate.schedule_conference_id
            line.creator_union_id = candidate.creator_union_id
            line.creator_nick = candidate.creator_nick
            line.title, line.starts_at, line.ends_at = candidate.title, candidate.starts_at, candidate.ends_at
            if not candidate.creator_union_id:
                raise CreatorRefused(texts.Sentence(texts.IMPORT_CREATOR_UNKNOWN))
        current = meeting_check(
            organization=organization,
            schedule_conference_id=line.schedule_conference_id,
            creator_union_id=line.creator_union_id,
            paced=True,
        )
        line.title, line.starts_at, line.ends_at = current.title, current.starts_at, current.ends_at
    except CreatorRefused as error:
        refused = error.sentence  # DingTalk named no creator
        if line.creator_union_id:
            refused = texts.Sentence(texts.IMPORT_CREATOR_REFUSED, {"creator": line.creator_union_id})
        line.problem, line.problem_sentence = str(refused), refused.as_data()
    except MeetingError as error:
        line.problem, line.problem_sentence = error.message, _data(error)


class _stopping_on_error:
    """An unexpected failure ends the import as FAILED (the page stops refreshing) and is raised for the log."""

    def __init__(self, run: JobRun):
        self.run = run

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if error is not None and not isinstance(error, KeyboardInterrupt):
            logger.exception("Import %s stopped", self.run.job_id, exc_info=error)
            self.run.jobs().update(status=MeetingImport.Status.FAILED)
        return False
