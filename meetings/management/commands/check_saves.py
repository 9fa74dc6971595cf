from django.core.management.base import BaseCommand

from meetings import selectors, services


class Command(BaseCommand):
    help = (
        "Check every save, cancel and settings change whose outcome is not known (DingTalk's answer was lost, "
        "or the process died mid-call) and whose wait is over, by reading DingTalk; a booking cut off mid-call "
        "becomes 'may have been booked'. Safe to run from cron at any time."
    )

    def handle(self, *args, **options):
        # A booking cut off mid-call has no meeting to read: it is settled as "may have been booked".
        for change in services.creates_settle():
            self.stdout.write(f"Booking {change.pk}: {change.outcome_label}. {change.message}")
        for meeting in selectors.meetings_to_check():
            try:
                change = services.meeting_save_check(meeting=meeting)
            except services.MeetingError as exc:
                self.stderr.write(f"Meeting {meeting.pk}: {exc.message}")
                continue
            if change is not None:
                self.stdout.write(f"Meeting {meeting.pk}: change {change.pk} {change.outcome_label}. {change.message}")
