"""DingTalk's rate limit as one budget for the whole deployment: the next free turn of each share, in the database."""

from django.db import models

from .organization import Organization


class DingTalkBudget(models.Model):
    """When the next call to one DingTalk API for one organization may start, in one share of the budget.

    Every process that calls DingTalk -- gunicorn workers and job workers on every host -- takes its turn
    here with one atomic UPDATE against the database's clock (meetings/dingtalk/pacing.py), so together
    they never send more than DINGTALK_MAX_CALLS_PER_SECOND calls to one API of one organization a second.
    """

    class Share(models.TextChoices):
        PEOPLE = "people", "people"
        BACKGROUND = "background", "background"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    # The API as the client names it for pacing: method and path template ("GET /v1.0/.../{id}/infos").
    api = models.CharField(max_length=200)
    share = models.CharField(max_length=10, choices=Share.choices)
    # The database's time at which this share's next turn is free; a time in the past: free now.
    next_turn_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "api", "share"], name="one_budget_row_per_share"),
        ]

    def __str__(self):
        return f"{self.organization_id} {self.api} ({self.share})"
