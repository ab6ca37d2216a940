"""Amounts of money with their currency, as "1500.00 USD".

Patterns find the spans (a currency sign or code before the amount, or a currency word after
it: "US$ 1.200", "Bs. 350", "S/ 1.200", "R$ 2.500,00", "1.500.000 pesos", "800 dólares",
"2,5 millones COP"); price-parser reads the amount in each span, whatever its thousands and
decimal separators. A bare "$" means the source country's dollar or peso (COP in Colombia,
DOP in the Dominican Republic, TTD in Trinidad and Tobago, USD elsewhere: Ecuador uses the US
dollar and Venezuelan ads quote in it), except that amounts of 100,000 or more outside those
three countries are Colombian pesos (a Venezuelan page offering work in Bogotá). A range
("800 a 1.200 dólares") gives two amounts in the same currency. A number with no currency
next to it is never money (salaries without a currency stay unread rather than guessed).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from price_parser import Price

from nlp.types import Entity, EntityKind

# Written signs and codes, longest first so that "US$" wins over "$". Curaçao's guilder is
# reported as written: "ANG" (Netherlands Antillean) or "XCG" (Caribbean guilder, from 2025).
_SIGNS = {
    "US$": "USD", "U$S": "USD", "U$D": "USD", "USD": "USD", "RD$": "DOP", "TT$": "TTD",
    "R$": "BRL", "COL$": "COP", "S/.": "PEN", "S/": "PEN", "Bs.S": "VES", "Bs.D": "VES",
    "BsS": "VES", "Bs.": "VES", "Bs": "VES", "VES": "VES", "COP": "COP", "PEN": "PEN",
    "BRL": "BRL", "DOP": "DOP", "TTD": "TTD", "ANG": "ANG", "NAf.": "ANG", "NAf": "ANG",
    "XCG": "XCG", "Cg": "XCG", "AWG": "AWG", "Afl.": "AWG", "Afl": "AWG", "EUR": "EUR",
    "€": "EUR", "$": "$",
}  # fmt: skip
_WORDS = {
    "dólares": "USD", "dolares": "USD", "dólar": "USD", "dolar": "USD", "dollars": "USD",
    "dollar": "USD", "bolívares": "VES", "bolivares": "VES", "soles": "PEN", "reais": "BRL",
    "pesos colombianos": "COP", "pesos dominicanos": "DOP", "pesos": "pesos", "euros": "EUR",
    "euro": "EUR", "florines": "AWG", "florín": "AWG", "florin": "AWG", "florins": "AWG",
    "guilders": "ANG", "guilder": "ANG", "florin arubeño": "AWG", "florín arubeño": "AWG",
}  # fmt: skip
_SIGNS_FOLDED = {sign.lower(): code for sign, code in _SIGNS.items()}
_CODES_AFTER = ("USD", "VES", "COP", "PEN", "BRL", "DOP", "TTD", "ANG", "XCG", "AWG", "EUR")


def _alternation(options: list[str]) -> str:
    return "|".join(re.escape(option) for option in sorted(options, key=len, reverse=True))


_AMOUNT = r"\d{1,3}(?:[.,\u00a0 ]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_MULTIPLIER = r"(?:\s?(?P<mult>millones|millón|millon|milhões|milhão|mil|k)\b)?"
_BEFORE = rf"(?<![\w$])(?P<sign>{_alternation(list(_SIGNS))})\s?(?P<amount>{_AMOUNT}){_MULTIPLIER}"
_AFTER_OPTIONS = _alternation([*_WORDS, *_CODES_AFTER, "$", "€"])
_AFTER = (
    rf"(?<![\w.,])(?P<amount2>{_AMOUNT}){_MULTIPLIER.replace('mult', 'mult2')}"
    rf"\s?(?:de\s)?(?P<word>{_AFTER_OPTIONS})(?![\w$])"
)
_MONEY = re.compile(f"{_BEFORE}|{_AFTER}", re.IGNORECASE)
_RANGE_LOW = re.compile(rf"(?P<low>{_AMOUNT})\s?(?:-|–|a|al|y|to|e|hasta|tot|en)\s?$")
_MULTIPLIERS = {"mil": 1_000, "k": 1_000, "millones": 1_000_000, "millón": 1_000_000}
_MULTIPLIERS |= {"millon": 1_000_000, "milhões": 1_000_000, "milhão": 1_000_000}
_DOLLAR_BY_COUNTRY = {"CO": "COP", "DO": "DOP", "TT": "TTD"}
_PESO_BY_COUNTRY = {"DO": "DOP"}
# With no country, "$1.500.000" is a Colombian salary, "$500" a dollar one.
_PESO_SIZED = Decimal(100_000)


def find_money(text: str, country: str | None = None, field: str = "text") -> list[Entity]:
    """Amounts with a currency in `text`, in reading order; value "1500.00 USD"."""
    found: list[Entity] = []
    for match in _MONEY.finditer(text):
        amount_text = match.group("amount") or match.group("amount2")
        multiplier = match.group("mult") or match.group("mult2")
        amount = _amount(amount_text, multiplier)
        if amount is None:
            continue
        written = match.group("sign") or match.group("word")
        currency = _currency(written, amount, country)
        found.append(_money(field, match.start(), match.end(), text, amount, currency))
        low = None if match.group("sign") else _range_low(text, match.start(), multiplier)
        if low is not None:
            low_amount, low_start, low_end = low
            found.append(_money(field, low_start, low_end, text, low_amount, currency))
    return sorted(found, key=lambda entity: entity.start)


def _amount(written: str, multiplier: str | None) -> Decimal | None:
    amount = Price.fromstring(written.replace("\u00a0", " ").replace(" ", "")).amount
    if amount is None:
        return None
    try:
        amount *= _MULTIPLIERS.get((multiplier or "").lower(), 1)
        return amount.quantize(Decimal("0.01")) if amount > 0 else None
    except InvalidOperation:
        return None


def _currency(written: str, amount: Decimal, country: str | None) -> str:
    code = _SIGNS_FOLDED.get(written.lower()) or _WORDS.get(written.lower()) or written.upper()
    if code == "pesos":
        return _PESO_BY_COUNTRY.get((country or "").upper(), "COP")
    if code == "$":
        by_country = _DOLLAR_BY_COUNTRY.get((country or "").upper())
        # No one is offered a six-figure dollar wage: "$900.000" is a peso amount.
        return by_country or ("COP" if amount >= _PESO_SIZED else "USD")
    return code


def _range_low(text: str, start: int, multiplier: str | None) -> tuple[Decimal, int, int] | None:
    """The lower bound of "800 a 1.200 dólares", which has no currency of its own."""
    window_start = max(0, start - 24)
    match = _RANGE_LOW.search(text, window_start, start)
    if match is None or (match.start() > 0 and not text[match.start() - 1].isspace()):
        return None
    amount = _amount(match.group("low"), multiplier)
    if amount is None:
        return None
    return amount, match.start("low"), match.end("low")


def _money(field: str, start: int, end: int, text: str, amount: Decimal, currency: str) -> Entity:
    return Entity(
        kind=EntityKind.MONEY,
        field=field,
        start=start,
        end=end,
        text=text[start:end],
        value=f"{amount} {currency}",
    )
