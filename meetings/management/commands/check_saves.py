from django.core.management.base import BaseCommand

from meetings import selectors, services


class Command(BaseCommand):
    help = (
        "Check every save whose outcome is not known (DingTalk's answer was lost, or the process died "
        "mid-save) and whose wait is over, by reading DingTalk. Safe to run from cron at any time."
    )

    def handle(self, *args, **options):
        for meeting in selectors.meetings_to_check():
            try:
                change = services.meeting_save_check(meeting=meeting)
            except services.MeetingError as exc:
                self.stderr.write(f"Meeting {meeting.pk}: {exc.message}")
                continue
            if change is not None:
                self.stdout.write(f"Meeting {meeting.pk}: change {change.pk} {change.outcome_label}. {change.message}")
