"""Template filters the PDF templates need."""

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def css_string(value: object) -> SafeString:
    """A text as the inside of a double-quoted CSS string, safe inside a <style> element."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("<", "\\3c ")
    return mark_safe(text)  # noqa: S308 - every character that could end the string or the element is escaped


@register.simple_tag
def report_font_face() -> SafeString:
    """The @font-face rule for the report font, when this installation has built it."""
    from reports.fonts import font_face_rule
    from reports.pdf import STATIC_ORIGIN

    return mark_safe(font_face_rule(STATIC_ORIGIN))  # noqa: S308 - made of our own constants only


@register.simple_tag
def report_font_families() -> SafeString:
    """The CSS font-family list of the documents: the report font, then all of Noto Sans CJK SC behind it."""
    from reports.fonts import CSS_FONT_FAMILIES

    return mark_safe(CSS_FONT_FAMILIES)  # noqa: S308 - our own constant
