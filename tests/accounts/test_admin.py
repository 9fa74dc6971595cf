"""The admin lists people who sign in with DingTalk and the access audit, read-only; allauth's models are
not offered (the DingTalk app comes from settings)."""

from allauth.socialaccount.models import SocialApp
from django.contrib import admin

from accounts import services
from accounts.models import Person
from tests.accounts.helpers import NICK, UNION_ID


def test_people_and_their_audit_are_listed_read_only(admin_client, corp_organization):
    services.person_sign_in(union_id=UNION_ID, nick=NICK, corp_id=corp_organization.corp_id)
    people = admin_client.get("/admin/accounts/person/")
    assert people.status_code == 200 and NICK in people.content.decode()
    events = admin_client.get("/admin/accounts/accessevent/")
    assert events.status_code == 200 and UNION_ID in events.content.decode()
    person = Person.objects.get()
    assert admin_client.post(f"/admin/accounts/person/{person.pk}/delete/", {"post": "yes"}).status_code == 403
    assert not admin.site.is_registered(SocialApp)
