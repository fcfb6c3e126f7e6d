"""Admin sessions: sign a user in, read an admin page's form the way a browser does, to
post it back with a few changes."""

from html.parser import HTMLParser

from django.test import Client


def signed_in(user):
    """A browser session of its own, signed in as `user`."""
    client = Client()
    client.force_login(user)
    return client


class _FormParser(HTMLParser):
    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields = []  # (name, value) in document order, as a browser sends them
        self.select = None
        self.option = None
        self.textarea = None
        self.options_seen = {}  # select name -> every option value (the choices offered)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == self.form_id:
            self.inside = True
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and "__prefix__" not in name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.fields.append((name, attrs.get("value", "on")))
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self.fields.append((name, attrs.get("value") or ""))
        elif tag == "select" and name and "__prefix__" not in name:
            self.select = {"name": name, "chosen": [], "first": None}
            self.options_seen[name] = []
        elif tag == "option" and self.select is not None:
            value = attrs.get("value", "")
            self.options_seen[self.select["name"]].append(value)
            if self.select["first"] is None:
                self.select["first"] = value
            if "selected" in attrs:
                self.select["chosen"].append(value)
        elif tag == "textarea" and name and "__prefix__" not in name:
            self.textarea = {"name": name, "text": ""}

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea["text"] += data

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "select" and self.select is not None:
            self.fields.extend((self.select["name"], value) for value in self.select["chosen"])
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            self.fields.append((self.textarea["name"], self.textarea["text"].lstrip("\n")))
            self.textarea = None


def read_form(response, form_id="article_form"):
    """The fields a browser would send from the page's form, and the options of each select."""
    parser = _FormParser(form_id)
    parser.feed(response.content.decode())
    assert parser.fields, f"no form #{form_id} on the page"
    data = {}
    for name, value in parser.fields:
        data.setdefault(name, []).append(value)
    return data, parser.options_seen


def post_form(client, url, changes=None, *, form_id="article_form", button="_save"):
    """Open `url`, change some fields and submit the form with `button`, as a browser does."""
    data, _options = read_form(client.get(url), form_id)
    for name, value in (changes or {}).items():
        data[name] = value if isinstance(value, list) else [value]
    data[button] = ["1"]
    return client.post(url, data)
