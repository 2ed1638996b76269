"""What a browser would send back from a page's form, untouched by the user.

The browser sanitises the value of a date, date-time-local or time input: a value
it cannot read as its own format (2022/03/14) becomes empty before the form is
submitted (HTML "value sanitization algorithm"). Tests that post a rendered form
back go through here, so they see what the browser would really send."""

import re
from html.parser import HTMLParser

from django.utils.datastructures import MultiValueDict

# HTML's valid date / local date-time / time strings: anything else is sent empty.
SANITISED = {
    "date": re.compile(r"^\d{4,}-\d{2}-\d{2}$"),
    "datetime-local": re.compile(r"^\d{4,}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$"),
    "time": re.compile(r"^\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$"),
}
NOT_SENT = {"submit", "button", "reset", "image", "file"}


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._select: dict | None = None
        self._textarea: str | None = None

    @property
    def _current(self):
        return self.forms[-1] if self.forms and self.forms[-1]["open"] else None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action", ""), "open": True, "fields": [], "types": {}})
            return
        form = self._current
        if form is None:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            form["types"][name] = kind
            if kind in NOT_SENT or ("disabled" in attrs):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    form["fields"].append((name, attrs.get("value", "on")))
                return
            value = attrs.get("value") or ""
            pattern = SANITISED.get(kind)
            if pattern is not None and not pattern.match(value):
                value = ""
            form["fields"].append((name, value))
        elif tag == "select" and name:
            self._select = {"name": name, "multiple": "multiple" in attrs, "first": None, "chosen": []}
        elif tag == "option" and self._select is not None:
            value = attrs.get("value", "")
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in attrs:
                self._select["chosen"].append(value)
        elif tag == "textarea" and name:
            self._textarea = name
            form["fields"].append((name, ""))

    def handle_data(self, data):
        form = self._current
        if self._textarea and form is not None:
            name, value = form["fields"][-1]
            form["fields"][-1] = (name, value + data)

    def handle_endtag(self, tag):
        form = self._current
        if tag == "form" and form is not None:
            form["open"] = False
        elif tag == "textarea":
            if self._textarea and form is not None:
                name, value = form["fields"][-1]
                # The parser keeps the newline a browser drops after <textarea>.
                form["fields"][-1] = (name, value[1:] if value.startswith("\n") else value)
            self._textarea = None
        elif tag == "select" and self._select is not None:
            select = self._select
            if form is not None:
                # A single select with nothing marked sends its first option.
                fallback = [] if select["multiple"] or select["first"] is None else [select["first"]]
                chosen = select["chosen"] or fallback
                form["fields"].extend((select["name"], value) for value in chosen)
            self._select = None


def submitted(html: str, *, having: str) -> MultiValueDict:
    """The data the first form on the page with a field named `having` sends
    when submitted as it was rendered."""
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        if having in form["types"] or any(name == having for name, _ in form["fields"]):
            data = MultiValueDict()
            for name, value in form["fields"]:
                data.appendlist(name, value)
            return data
    raise AssertionError(f"no form with a field {having!r} on the page")


def input_type(html: str, name: str) -> str:
    """The type of the input called `name` (the first one on the page)."""
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        if name in form["types"]:
            return form["types"][name]
    raise AssertionError(f"no input {name!r} on the page")
