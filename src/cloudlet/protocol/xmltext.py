"""Escaping of XML text and attribute values, shared by the query and rest-xml serializers."""

from __future__ import annotations


def escape(text: str) -> str:
    """XML character data; `\\r` as a reference so that XML parsers do not normalize it away."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")
    return text


def escape_attribute(text: str) -> str:
    """Attribute values: quotes escaped, and newlines/tabs as references (parsers normalize them)."""
    text = escape(text).replace('"', "&quot;")
    if "\n" in text or "\t" in text:
        text = text.replace("\n", "&#10;").replace("\t", "&#9;")
    return text
