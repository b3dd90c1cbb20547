"""Tokens of DynamoDB's PartiQL: words, "quoted names", 'strings' ('' escapes a quote), numbers, `?`
parameters and punctuation; `--` and `/* */` comments are skipped."""

from __future__ import annotations

from dataclasses import dataclass

from cloudlet.services.dynamodb.errors import ValidationException

MALFORMED = "Statement wasn't well formed, can't be processed: "
_PUNCT = (
    "<<",
    ">>",
    "<=",
    ">=",
    "<>",
    "!=",
    "||",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ".",
    ":",
    "*",
    "=",
    "<",
    ">",
    "+",
    "-",
    ";",
    "?",
)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # word, name (double-quoted), string, number, punct, eof
    text: str
    start: int


def malformed(detail: str) -> ValidationException:
    return ValidationException(MALFORMED + detail)


def tokenize(text: str) -> list[Token]:
    """The tokens of `text`, ending with an `eof` token. Raises ValidationException."""
    out: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif text.startswith("--", i):
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise malformed("Unterminated comment")
            i = end + 2
        elif c in "'\"":
            j, chars = i + 1, []
            while True:
                if j >= n:
                    raise malformed("Unterminated string or quoted identifier")
                if text[j] == c:
                    if j + 1 < n and text[j + 1] == c:
                        chars.append(c)
                        j += 2
                        continue
                    break
                chars.append(text[j])
                j += 1
            out.append(Token("string" if c == "'" else "name", "".join(chars), i))
            i = j + 1
        elif c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit()):
            j = i
            while j < n and (text[j].isdigit() or text[j] == "."):
                j += 1
            if j < n and text[j] in "eE":
                k = j + 1
                if k < n and text[k] in "+-":
                    k += 1
                if k < n and text[k].isdigit():
                    j = k
                    while j < n and text[j].isdigit():
                        j += 1
            out.append(Token("number", text[i:j], i))
            i = j
        elif c.isalpha() or c == "_" or c == "$":
            j = i
            while j < n and (text[j].isalnum() or text[j] in "_$"):
                j += 1
            out.append(Token("word", text[i:j], i))
            i = j
        else:
            for p in _PUNCT:
                if text.startswith(p, i):
                    out.append(Token("punct", p, i))
                    i += len(p)
                    break
            else:
                raise malformed(f"Unexpected character: {c}")
    out.append(Token("eof", "", n))
    return out
