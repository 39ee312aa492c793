"""The errors of every form on a page, gathered for the error summary at its top.

The pattern is the GOV.UK Design System's: when a submitted form comes back with errors, the
page's title begins "Lỗi:", a summary at the top of the page lists every error as a link to
its field and takes the focus (static/js/site.js), so a screen-reader user hears at once that
something must be fixed, and where. base.html asks for it, so every form gets it without its
template doing anything.
"""

from dataclasses import dataclass

from django import forms, template
from django.forms.formsets import BaseFormSet
from django.utils.translation import gettext as _

register = template.Library()


@dataclass(frozen=True)
class PageError:
    """One line of the summary: the message, and the id of the field it links to (if any)."""

    message: str
    target: str = ""


def _bound_forms(context):
    """Every bound form and formset in the page's context, each once."""
    seen = set()
    for value in context.flatten().values():
        if isinstance(value, (forms.BaseForm, BaseFormSet)) and value.is_bound:
            if id(value) not in seen:
                seen.add(id(value))
                yield value


def _field_target(bound_field):
    """The id a link to this field goes to: its input, or the first of its radios."""
    if bound_field.is_hidden or not bound_field.auto_id:
        return ""
    if getattr(bound_field.field.widget, "use_fieldset", False):
        return f"{bound_field.auto_id}_0"
    return bound_field.id_for_label or bound_field.auto_id


def _form_errors(form, row=None):
    prefix = _("Row %(row)s") % {"row": row} + " — " if row else ""
    for message in form.non_field_errors():
        yield PageError(prefix + message)
    for name, messages in form.errors.items():
        if name == forms.forms.NON_FIELD_ERRORS or name not in form.fields:
            continue
        bound = form[name]
        label = f"{bound.label}: " if bound.label else ""
        for message in messages:
            yield PageError(prefix + label + message, _field_target(bound))


def page_errors(context):
    """Every error of every submitted form on the page, in the order the page shows them."""
    errors = []
    for value in _bound_forms(context):
        if isinstance(value, BaseFormSet):
            errors.extend(PageError(message) for message in value.non_form_errors())
            for row, form in enumerate(value.forms, start=1):
                errors.extend(_form_errors(form, row))
        else:
            errors.extend(_form_errors(value))
    return errors


@register.simple_tag(takes_context=True, name="page_errors")
def page_errors_tag(context):
    return page_errors(context)
