"""Stores' own scripts move from {placeholder} to template {{ placeholder }} text."""

import re

from django.db import migrations

PLACEHOLDER = re.compile(r"(?<!\{)\{(customer|advisor|store|store_phone|next_service)\}(?!\})")


def forwards(apps, schema_editor):
    FollowUpScript = apps.get_model("followups", "FollowUpScript")
    for script in FollowUpScript.objects.all():
        text = PLACEHOLDER.sub(r"{{ \1 }}", script.text)
        if text != script.text:
            script.text = text
            script.save(update_fields=["text"])


class Migration(migrations.Migration):
    dependencies = [("followups", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
