"""Parsing of ``--cache-from`` / ``--cache-to`` values, following buildx."""

from __future__ import annotations

from layerlint._record import Record

from ._types import Word


class CacheSpec(Record):
    """One cache import/export entry, e.g. ``type=local,src=/x``."""

    __slots__ = ("attrs", "type", "word")
    type: str
    attrs: tuple[tuple[str, str], ...]
    word: Word

    def __init__(self, type: str, attrs: tuple[tuple[str, str], ...], word: Word) -> None:
        self.type = type
        self.attrs = attrs
        self.word = word

    def get(self, key: str) -> str | None:
        """The value of attribute ``key`` (case-insensitive; the last one wins)."""
        key = key.lower()
        found: str | None = None
        for k, v in self.attrs:
            if k == key:
                found = v
        return found


def csv_fields(value: str) -> list[str]:
    """Split one CSV record the way Go's ``encoding/csv`` does (leniently, never fails)."""
    fields: list[str] = []
    pos, n = 0, len(value)
    while True:
        if pos < n and value[pos] == '"':
            buf: list[str] = []
            pos += 1
            while pos < n:
                q = value.find('"', pos)
                if q < 0:
                    buf.append(value[pos:])
                    pos = n
                    break
                buf.append(value[pos:q])
                if value.startswith('""', q):
                    buf.append('"')
                    pos = q + 2
                    continue
                pos = q + 1
                break
            comma = value.find(",", pos)
            rest_end = n if comma < 0 else comma
            buf.append(value[pos:rest_end])  # junk after a closing quote is kept
            fields.append("".join(buf))
            pos = rest_end
        else:
            comma = value.find(",", pos)
            end = n if comma < 0 else comma
            fields.append(value[pos:end])
            pos = end
        if pos >= n:
            return fields
        pos += 1  # skip the comma


def cache_spec(word: Word) -> list[CacheSpec]:
    """Parse one ``--cache-from``/``--cache-to`` value into cache entries.

    A value without any ``key=value`` field is a list of registry refs, one entry
    per CSV field.  Otherwise the value is a single entry; a missing ``type``
    gives ``type == ''``.  An empty value gives no entry.
    """
    value = word.value.strip("\r\n")
    if not value:
        return []
    fields = csv_fields(value)
    if not any("=" in f for f in fields):
        return [CacheSpec("registry", (("ref", f),), word) for f in fields if f]
    typ = ""
    attrs: list[tuple[str, str]] = []
    for f in fields:
        key, eq, val = f.partition("=")
        if not eq:
            continue  # buildx rejects such a field; ignore it
        key = key.lower()
        if key == "type":
            typ = val.lower()
        else:
            attrs.append((key, val))
    return [CacheSpec(typ, tuple(attrs), word)]
