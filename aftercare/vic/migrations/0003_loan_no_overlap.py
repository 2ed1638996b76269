"""Two open loans of one courtesy car never overlap (docs/DOMAIN.md §13.3): on PostgreSQL an
exclusion constraint over the car and the loan's period, for what slips past the service's
check under the car's lock. SQLite has no exclusion constraints; its write lock serialises the
service's check and insert instead."""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE vic_courtesyloan ADD CONSTRAINT vic_loan_no_overlap
    EXCLUDE USING gist (car_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
    WHERE (status IN ('booked', 'out'));
"""
DROP = "ALTER TABLE vic_courtesyloan DROP CONSTRAINT IF EXISTS vic_loan_no_overlap;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("vic", "0002_programme")]

    operations = [migrations.RunPython(forwards, backwards)]
