"""The peer: what a team would build instead of the portal -- the Django admin, the meeting editable, and
a `save_model` hook that calls DingTalk through the portal's own client.

Bench-only (benchmarks/peer/settings.py installs it); never installed in the product. Three admin sites,
each with the same Meeting rows of the same database (admin.py):

- /peer/careful/  reads DingTalk first (is the stored meeting still DingTalk's?), then updates it: the
                  same two round trips as a portal save;
- /peer/naive/    updates DingTalk, one round trip;
- /peer/plain/    the admin's own save, no DingTalk call: the floor.
"""
