"""Template filters the PDF templates need."""

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def css_string(value: object) -> SafeString:
    """A text as the inside of a double-quoted CSS string, safe inside a <style> element."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("<", "\\3c ")
    return mark_safe(text)  # noqa: S308 - every character that could end the string or the element is escaped
