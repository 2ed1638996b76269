"""The Chinese catalogue covers what the templates say: every `{% translate %}` literal has a
non-empty msgstr under its own context, so no page shows English or a word meant elsewhere."""

import re
from pathlib import Path

import polib
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

TEMPLATES = Path(settings.BASE_DIR) / "templates"
CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
TRANSLATE = re.compile(r"""\{%\s*(?:translate|trans)\s+(?P<q>["'])(?P<msgid>.*?)(?P=q)"""
                       r"""(?:\s+context\s+(?P<cq>["'])(?P<context>.*?)(?P=cq))?""")  # fmt: skip


BLOCK = re.compile(r"\{%\s*blocktrans(?:late)?(?P<args>[^%]*)%\}(?P<body>.*?)\{%\s*endblocktrans(?:late)?\s*%\}", re.S)
VARIABLE = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def _template_messages() -> set[tuple[str | None, str]]:
    found = set()
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for match in TRANSLATE.finditer(text):
            # The tag looks a literal up with its % doubled, as makemessages writes it.
            found.add((match["context"], match["msgid"].replace("%", "%%")))
        for match in BLOCK.finditer(text):
            body = match["body"]
            if "{% plural" in body:
                continue
            if "trimmed" in match["args"]:
                body = " ".join(line.strip() for line in body.strip().splitlines() if line.strip())
            context = re.search(r"""context\s+["'](.*?)["']""", match["args"])
            found.add((context and context[1], VARIABLE.sub(r"%(\1)s", body.replace("%", "%%"))))
    return found


def test_every_message_a_template_translates_has_a_chinese_msgstr():
    catalogue = {(entry.msgctxt, entry.msgid): entry.msgstr for entry in polib.pofile(str(CATALOGUE))}
    messages = _template_messages()
    assert len(messages) > 500  # the pattern still finds the templates' messages
    missing = sorted(f"{context or ''}|{msgid}" for context, msgid in messages if not catalogue.get((context, msgid)))
    assert missing == []


def test_the_catalogue_has_no_message_twice_under_one_context():
    seen, twice = set(), []
    for entry in polib.pofile(str(CATALOGUE)):
        key = (entry.msgctxt, entry.msgid)
        if key in seen:
            twice.append(key)
        seen.add(key)
    assert twice == []


def test_a_percent_in_a_template_message_is_translated():
    with translation.override("zh-hans"):
        text = Template('{% load i18n %}{% translate "Labour discount %" %}').render(Context())
    assert text == "工时折扣 %"


def test_no_list_filter_offers_unknown_for_a_yes_no_filter_left_unset():
    """Django's NullBooleanSelect reads 未知 (unknown); a filter left unset filters nothing (全部)."""
    import importlib
    import pkgutil

    import django_filters
    from django import forms

    import aftercare
    from aftercare.core.forms import AnyYesNoSelect

    for module in pkgutil.walk_packages(aftercare.__path__, "aftercare."):
        if module.name.endswith(".filters"):
            importlib.import_module(module.name)
    filtersets = []
    pending = [django_filters.FilterSet]
    while pending:
        for subclass in pending.pop().__subclasses__():
            pending.append(subclass)
            if subclass.__module__.startswith("aftercare."):
                filtersets.append(subclass)
    yes_no = [(filterset.__name__, name, f.extra.get("widget")) for filterset in filtersets
              for name, f in filterset.base_filters.items() if isinstance(f, django_filters.BooleanFilter)]  # fmt: skip
    assert len(yes_no) >= 5
    # Hidden ones carry a home card's link (?late=true) and are never offered as a choice.
    offered = [(fs, name, widget) for fs, name, widget in yes_no if widget is not forms.HiddenInput]
    assert [(fs, name) for fs, name, widget in offered if widget is not AnyYesNoSelect] == []
    with translation.override("zh-hans"):
        assert "未知" not in AnyYesNoSelect().render("f", None) and "全部" in AnyYesNoSelect().render("f", None)
