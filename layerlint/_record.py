"""Slotted record classes: what ``@dataclass`` gave, without its cost at start-up.

``@dataclass`` imports :mod:`inspect` (and with it ``ast``, ``dis``, ``tokenize``) and
compiles an ``__init__``, ``__repr__``, ``__eq__`` (and for frozen classes ``__setattr__``)
with ``exec`` for every class when the module is imported: about 40 classes on the path of
``layerlint check`` took a third of its start-up. A record here declares ``__slots__``
(with class-level annotations, for mypy) and writes a plain ``__init__``; the base class
supplies the rest from the slot names, once per class, without compiling anything:

* :class:`Record`: equality and hash over ``_fields`` (default: every slot not named
  ``_x``, in the order the class annotates them), as a frozen dataclass has (values are
  not enforced read-only);
* :class:`MutableRecord`: equality over ``_fields`` and no hash, as a plain dataclass;
* :class:`OrderedRecord`: a :class:`Record` ordered by ``_order`` (default ``_fields``);
* ``repr`` of all three is the dataclass one, ``Name(field=value, ...)``, over every slot
  not named ``_x``.

A class compared by identity (a dataclass with ``eq=False``) is a plain slotted class.
:func:`replace` is ``dataclasses.replace`` for records.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any, ClassVar, TypeVar


def _getter(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    if len(names) < 2:  # attrgetter of one name returns the value, not a 1-tuple
        one = attrgetter(*names) if names else None
        return lambda obj: (one(obj),) if one is not None else ()
    return attrgetter(*names)


class MutableRecord:
    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]]  # compared (default: the slots not named _x)
    _shown: ClassVar[tuple[str, ...]]  # in the repr (the slots not named _x)
    _key: ClassVar[Callable[[Any], tuple[Any, ...]]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("__slots__", ())
        own = (own,) if isinstance(own, str) else tuple(own)
        # fields in the order they are annotated (not inspect.get_annotations: importing
        # inspect is what this module avoids); a record's base records' fields come first
        annotated = [n for n in getattr(cls, "__annotations__", {}) if n in own]
        names = [n for n in (*annotated, *(n for n in own if n not in annotated))
                 if not n.startswith("_")]
        inherited = getattr(super(cls, cls), "_shown", ())
        cls._shown = (*inherited, *names)
        if "_fields" not in cls.__dict__:
            cls._fields = cls._shown
        cls._key = _getter(cls._fields)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        key = self.__class__._key
        return key(self) == key(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        inner = ", ".join(f"{n}={getattr(self, n)!r}" for n in self._shown)
        return f"{self.__class__.__qualname__}({inner})"


class Record(MutableRecord):
    __slots__ = ()

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(self.__class__._key(self))


class OrderedRecord(Record):
    __slots__ = ()
    _order: ClassVar[tuple[str, ...]]
    _sort: ClassVar[Callable[[Any], tuple[Any, ...]]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._sort = _getter(cls.__dict__.get("_order", cls._fields))

    def __lt__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        key = self.__class__._sort
        return bool(key(self) < key(other))

    def __le__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        key = self.__class__._sort
        return bool(key(self) <= key(other))

    def __gt__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        key = self.__class__._sort
        return bool(key(self) > key(other))

    def __ge__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        key = self.__class__._sort
        return bool(key(self) >= key(other))


_R = TypeVar("_R", bound=MutableRecord)


def replace(record: _R, **changes: Any) -> _R:
    """A copy of ``record`` with ``changes`` (``dataclasses.replace`` for records: every
    slot is an ``__init__`` parameter of the same name)."""
    names = [n for klass in type(record).__mro__
             for n in klass.__dict__.get("__slots__", ()) if n != "__weakref__"]
    values = {n: getattr(record, n) for n in names}
    values.update(changes)
    return type(record)(**values)
