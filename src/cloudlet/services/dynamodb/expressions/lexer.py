"""The tokenizer shared by all expression languages."""

from __future__ import annotations

from dataclasses import dataclass

_TWO_CHAR = ("<>", "<=", ">=")
_ONE_CHAR = "=<>()[],.+-"


@dataclass(frozen=True)
class Token:
    kind: str
    """name, hashname (#n), value (:v), int (a list index), op (punctuation), eof or bad."""
    text: str
    start: int
    end: int


def _word_char(c: str) -> bool:
    return c.isascii() and (c.isalnum() or c == "_")


def tokenize(text: str) -> list[Token]:
    """The tokens of `text`, ending with an eof token; an unknown character becomes a `bad` token."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        start = i
        if c in "#:":
            i += 1
            while i < n and _word_char(text[i]):
                i += 1
            kind = "hashname" if c == "#" else "value"
        elif c.isascii() and c.isdigit():
            while i < n and text[i].isascii() and text[i].isdigit():
                i += 1
            kind = "int"
        elif _word_char(c):
            while i < n and _word_char(text[i]):
                i += 1
            kind = "name"
        elif text[i : i + 2] in _TWO_CHAR:
            i += 2
            kind = "op"
        elif c in _ONE_CHAR:
            i += 1
            kind = "op"
        else:
            i += 1
            kind = "bad"
        tokens.append(Token(kind, text[start:i], start, i))
    tokens.append(Token("eof", "<EOF>", n, n))
    return tokens
