"""Texts stored before 0024/0025 (an import line's reason, a renamed meeting's result, a failed DingTalk call's
message), in English or Chinese, kept as their code and parameters when they are one of the portal's known
sentences: they are then shown in the reader's language. Any other text stays, shown as it was written."""

from django.db import migrations

# (model, text field, sentence field, filter)
STORED = [
    ("MeetingImportLine", "problem", "problem_sentence", {}),
    ("MeetingImportLine", "message", "message_sentence", {}),
    ("BulkRenameItem", "message", "message_sentence", {}),
    ("MeetingChange", "message", "message_sentence", {"outcome": "failed"}),
]


def texts_to_sentences(apps, schema_editor):
    from meetings.texts.sentences import sentence_from_text

    for model_name, text_field, sentence_field, where in STORED:
        model = apps.get_model("meetings", model_name)
        rows = model.objects.filter(**where, **{f"{sentence_field}__isnull": True}).exclude(**{text_field: ""})
        for pk, text in rows.values_list("pk", text_field).iterator():
            sentence = sentence_from_text(text)
            if sentence is not None:
                model.objects.filter(pk=pk).update(**{sentence_field: sentence.as_data()})


class Migration(migrations.Migration):
    dependencies = [("meetings", "0025_message_sentences")]

    operations = [migrations.RunPython(texts_to_sentences, migrations.RunPython.noop)]
