"""People named in a registration. Their ID number and phone are personal data (个人信息)."""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import InvalidInput
from domain.values import checked_identifier, checked_name


@dataclass(frozen=True)
class Person:
    name: str
    id_number: str | None = None  # 居民身份证号码: sensitive
    phone: str | None = None  # sensitive

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", checked_name(self.name, "person's name"))
        if self.id_number is not None:
            number = checked_identifier(self.id_number, "ID card number").strip().upper()
            if not (len(number) == 18 and number[:17].isdigit() and (number[17].isdigit() or number[17] == "X")):
                raise InvalidInput("an ID card number has 17 digits and a digit or X")
            object.__setattr__(self, "id_number", number)
        if self.phone is not None:
            phone = checked_identifier(self.phone, "phone number").strip()
            if not (phone.replace("-", "").replace("+", "").isdigit() and 5 <= len(phone) <= 20):
                raise InvalidInput("a phone number has 5 to 20 digits")
            object.__setattr__(self, "phone", phone)


def stored_person(name: str, id_number: str | None = None, phone: str | None = None) -> Person:
    """A person read back from a stored event: checked when the command was given, so not again (a check
    made stricter later must not make a stored event unreadable)."""
    person = object.__new__(Person)
    person.__dict__.update(name=name, id_number=id_number, phone=phone)
    return person
