"""Thin views: form -> service -> message -> redirect (or the form again, with what was typed).

One module per screen family; meetings/urls.py names them.
"""
