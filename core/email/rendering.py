"""An email's three parts from templates, rendered once, when it is queued:

    templates/email/<name>.subject.txt   one line (whitespace collapsed)
    templates/email/<name>.txt           the plain-text part, always sent
    templates/email/<name>.html          the HTML part; extends email/base.html (the layout)

The subject and the text part are rendered without HTML escaping (they are not HTML); the HTML part is escaped as
every page is. Keep amounts and links out of subjects: the subject is recorded in the event log (email.sent)."""

import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.template import Context, TemplateDoesNotExist, engines
from django.template.loader import render_to_string

TEMPLATE_NAME = re.compile(r"^[a-z0-9_]+(/[a-z0-9_]+)*$")
SUBJECT_MAX_CHARS = 255


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def email_render(*, template: str, context: Mapping[str, object]) -> RenderedEmail:
    if not TEMPLATE_NAME.match(template or ""):
        raise ValidationError({"template": "A template name is lowercase words separated by _ (and /)."})
    base = f"email/{template}"
    try:
        subject = " ".join(_render_plain(f"{base}.subject.txt", context).split())
        text = _render_plain(f"{base}.txt", context).strip() + "\n"
        html = render_to_string(f"{base}.html", dict(context))
    except TemplateDoesNotExist as missing:
        raise ValidationError({"template": f"No email template {missing}."}) from None
    if not subject:
        raise ValidationError({"template": f"{base}.subject.txt rendered an empty subject."})
    if len(subject) > SUBJECT_MAX_CHARS:
        raise ValidationError({"template": f"{base}.subject.txt rendered more than {SUBJECT_MAX_CHARS} characters."})
    return RenderedEmail(subject=subject, text=text, html=html)


def _render_plain(name: str, context: Mapping[str, object]) -> str:
    template = engines["django"].get_template(name).template
    return template.render(Context(dict(context), autoescape=False))
