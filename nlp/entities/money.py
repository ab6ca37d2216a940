"""Amounts of money with their currency, as "1500.00 USD".

A mention is a number with a currency sign or code before it, or a currency word or code after
it: "US$ 1.200", "Bs. 350", "S/ 1.200", "R$ 2.500,00", "1.500.000 pesos", "800 dólares",
"2,5 millones COP", "460.00 US$". Numbers are read whatever their separators: dots, commas and
spaces between thousands, the apostrophes Colombian ads put before the millions ("$3'800.000",
"$5´000.000"), and the cents after the last separator when it is followed by one or two digits
("1.000.00 US$" is a thousand dollars). A multiplier word multiplies ("$4M", "R$ 30 mil",
"USD 2.5K", "€ 22,5 bilhões") unless the number is already that large ("3.500.000 millones").

A range gives two amounts, and its two ends share what only one of them writes: the currency
("800 a 1.200 dólares", "$ 3.500.000 a 5.500.000") and the multiplier ("$4 a $4,5 millones" is
4 and 4.5 million, "$100-250k" is 100 and 250 thousand), as long as the low end stays the lower.

A number with no currency next to it is money only after a word for pay ("Salario: 4.000.000",
"SUELDO aproximado de 850-1200") in a country whose currency that leaves no doubt (pesos in
Colombia, dollars in Ecuador, reais in Brazil...); anywhere else it stays unread rather than
guessed. A bare "$" means the source country's dollar or peso (COP in Colombia, DOP in the
Dominican Republic, TTD in Trinidad and Tobago, USD in Ecuador, which uses the US dollar, and
the local peso in the other peso countries whose news reaches the corpus), and USD elsewhere, as
Venezuelan ads quote in it; but an amount of 100,000 or more written out in full there is
Colombian pesos (a Venezuelan page offering work in Bogotá), while "$80 billion" stays dollars.
A code after the number beats the "$" before it ("$10.000.000COP", "$200 USD"). Colombian ads
also write salaries in millions without saying so ("$3.5 a $4.0"): a peso amount under 100 is
read in millions, since nobody is paid a few pesos, unless it is written to the cent.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise

from nlp.types import Entity, EntityKind

# Written signs and codes, longest first so that "US$" wins over "$". Curaçao's guilder is
# reported as written: "ANG" (Netherlands Antillean) or "XCG" (Caribbean guilder, from 2025).
_SIGNS = {
    "US$": "USD", "U$S": "USD", "U$D": "USD", "USD": "USD", "USD $": "USD", "USD$": "USD",
    "RD$": "DOP", "TT$": "TTD", "R$": "BRL", "COL$": "COP", "COP $": "COP", "COP$": "COP",
    "S/.": "PEN", "S/": "PEN", "Bs.S": "VES", "Bs.D": "VES", "BsS": "VES", "Bs.": "VES",
    "Bs": "VES", "VES": "VES", "COP": "COP", "PEN": "PEN", "BRL": "BRL", "DOP": "DOP",
    "TTD": "TTD", "ANG": "ANG", "NAf.": "ANG", "NAf": "ANG", "XCG": "XCG", "Cg": "XCG",
    "AWG": "AWG", "Afl.": "AWG", "Afl": "AWG", "EUR": "EUR", "€": "EUR", "$": "$",
}  # fmt: skip
_WORDS = {
    "dólares": "USD", "dolares": "USD", "dólar": "USD", "dolar": "USD", "dollars": "USD",
    "dollar": "USD", "bolívares": "VES", "bolivares": "VES", "soles": "PEN", "reais": "BRL",
    "pesos colombianos": "COP", "pesos dominicanos": "DOP", "pesos": "pesos", "euros": "EUR",
    "euro": "EUR", "florines": "AWG", "florín": "AWG", "florin": "AWG", "florins": "AWG",
    "guilders": "ANG", "guilder": "ANG", "florin arubeño": "AWG", "florín arubeño": "AWG",
}  # fmt: skip
_CODES = {sign.lower(): code for sign, code in _SIGNS.items()} | _WORDS
_CODES_AFTER = ("USD", "VES", "COP", "PEN", "BRL", "DOP", "TTD", "ANG", "XCG", "AWG", "EUR")
# "460.00 US$ (Mensual)", "500$ semanales", "500€".
_SIGNS_AFTER = ("US$", "U$S", "$", "€")
_AMBIGUOUS = frozenset({"$", "pesos"})
_MULTIPLIERS = {
    "mil millones": 10**9, "millones": 10**6, "millón": 10**6, "millon": 10**6,
    "million": 10**6, "millions": 10**6, "milhões": 10**6, "milhoes": 10**6,
    "milhão": 10**6, "milhao": 10**6, "bilhões": 10**9, "bilhoes": 10**9, "bilhão": 10**9,
    "bilhao": 10**9, "billion": 10**9, "billions": 10**9, "bi": 10**9, "mil": 10**3,
    "thousand": 10**3, "k": 10**3, "m": 10**6, "mm": 10**6,
}  # fmt: skip
# "pesos" are Colombian unless the source is in another peso country whose news and ads reach
# the corpus; there, and in the dollar countries, "$" is the local currency too.
_PESO_BY_COUNTRY = {"DO": "DOP", "MX": "MXN", "CL": "CLP", "AR": "ARS", "UY": "UYU"}
_DOLLAR_BY_COUNTRY = {"CO": "COP", "TT": "TTD", "EC": "USD"} | _PESO_BY_COUNTRY
# The currency a bare number after a word for pay is in: only where there is one currency.
# Venezuela (dollars or bolívares) and Curaçao (guilders old and new) are left out.
_LOCAL_CURRENCY = {
    "CO": "COP", "EC": "USD", "PE": "PEN", "BR": "BRL", "DO": "DOP", "TT": "TTD", "AW": "AWG",
}  # fmt: skip
# With no country, "$1.500.000" is a Colombian salary, "$500" a dollar one.
_PESO_SIZED = Decimal(100_000)
_PESOS_IN_MILLIONS_BELOW = Decimal(100)
# The high end of a range with a bare end is at most this many times the low end: beyond
# that, "412-5550147" is a phone number, not a pay range.
_MAX_RANGE_RATIO = 20
_MAX_BARE_DIGITS = 8
_MAX_DIGITS = 15


def _alternation(options: list[str] | tuple[str, ...]) -> str:
    return "|".join(re.escape(option) for option in sorted(options, key=len, reverse=True))


# Grouped: thousands separated by ".", ",", "'", "´", "’" (one or two of them, and a space
# after: "$ 4' 000.000", "$9, 500,000") or by a space, with optional cents. Plain: digits with
# at most one separator ("2700.000", "4.5", "1558,40", "4.270000", "6'5M").
_GROUPED = r"\d{1,3}(?:(?:[.,'´’]{1,2}\s?|[\u00a0 ])\d{3})+(?:[.,]\d{1,2})?"
_PLAIN = r"\d+(?:[.,'´’]\d+)?"
_NUMBER = rf"(?:{_GROUPED}|{_PLAIN})(?!\d)(?!\s?%)"
# "M" only in capitals ("5 m" is a length); "mm" is Colombian for millions ("Salario 3mm").
_MULTIPLIER = (
    r"(?P<mult>mil\s+millones|millones|millón|millon|millions?|milhões|milhoes|milhão|milhao"
    r"|bilhões|bilhoes|bilhão|bilhao|billions?|mil|thousand|bi|k|mm|(?-i:M))(?![\w²])"
)
_GROUPED_NUMBER = re.compile(_GROUPED)
_NOT_DIGIT = re.compile(r"\D")
_CENTS = re.compile(r"[.,]\d\d$")
_AFTER_LAST_SEPARATOR = re.compile(r"[.,'´’]\s?(\d+)$")
_AFTER = _alternation([*_WORDS, *_CODES_AFTER, *_SIGNS_AFTER])
_MENTION = re.compile(
    rf"(?:(?<![\w$])(?P<sign>{_alternation(list(_SIGNS))})\s?|(?<![\w.,'´’$/]))"
    rf"(?P<amount>{_NUMBER})(?:\+?\s?{_MULTIPLIER})?"
    rf"(?:\s?(?:de\s)?(?P<word>{_AFTER})(?![\w$]))?",
    re.IGNORECASE,
)
# Between the two ends of a range; "+" only continues with a further amount ("$3´000.000 +
# 1´000.000 de variable").
_RANGE_JOIN = re.compile(r"\s*(?:-|–|—|/|a|al|y|e|to|and|hasta|até|ate|up\s+to)\s*", re.IGNORECASE)
_PLUS_JOIN = re.compile(r"\s*(?:\+|más|mas)\s*", re.IGNORECASE)
# A word for pay, then at most a few words ("Salario: semi senior:", "SUELDO aproximado de")
# and no sentence end, right before a bare number. No word boundary before it: scraped text
# glues words together ("indefinidoSalario de hasta 7000.000").
_PAY_WORDS = (
    r"(?:salario|salarios|salarial|salário|salários|sueldo|sueldos|remuneración|remuneracion"
    r"|remuneração|remuneracao|honorarios|ingresos?|bono|bonos|bonificación|bonificacion"
    r"|auxilio|auxilios|auxílio|variable|salary|compensation|wages?)"
)
_PAY_CUE = re.compile(rf"{_PAY_WORDS}\b[^\d\n$]{{0,30}}$", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?]\s+[A-ZÁÉÍÓÚÑ]")
_PAY_WORD, _PAY_WORD_ANY_CASE = re.compile(_PAY_WORDS), re.compile(_PAY_WORDS, re.IGNORECASE)
# A pay word counts this far before a bare number; range ends are at most this far apart.
_CUE_REACH, _NEIGHBOUR_GAP = 60, 12
# What makes a bare number a count, a share or a time rather than pay.
_NOT_PAY_AFTER = re.compile(
    r"\s*(?:%|años?\b|anos?\b|meses\b|horas?\b|hrs?\b|h\b|días?\b|dias?\b|semanas?\b"
    r"|personas\b|pessoas\b|vacantes\b|usuarios\b|smlv|smmlv|salarios?\s+m[ií]nimos"
    r"|x\b|am\b|pm\b|:\d)",
    re.IGNORECASE,
)
_YEAR = re.compile(r"(?:19|20)\d\d")
# "SAP S/4 HANA" is software, not four soles.
_PRODUCT_AFTER_SIGN = re.compile(r"\s?HANA\b", re.IGNORECASE)


@dataclass(slots=True)
class _Mention:
    """One number of the text, with whatever currency and multiplier are written around it."""

    start: int
    end: int
    number: Decimal
    written: str  # the number as written
    digits: int  # how many digits it has
    multiplier: int | None
    code: str | None  # an ISO code, or "$" / "pesos" (the country decides)
    grouped: bool
    to_the_cent: bool  # "$18.67": its range is not in millions
    low_end: _Mention | None = None  # the other end, when this is the high end of a range

    @property
    def value(self) -> Decimal:
        # "3.500.000 millones" already wrote the millions out.
        if self.multiplier is None or self.number >= self.multiplier:
            return self.number
        return self.number * self.multiplier


def find_money(text: str, country: str | None = None, field: str = "text") -> list[Entity]:
    """Amounts with a currency in `text`, in reading order; value "1500.00 USD"."""
    pay_word_ends = _pay_word_ends(text)
    matches = _mention_matches(text, pay_word_ends)
    mentions = [mention for match in matches if (mention := _mention(match))]
    _share_across_ranges(text, mentions)
    for mention in mentions:
        if mention.code is None and _after_pay_word(text, mention, pay_word_ends):
            mention.code = _LOCAL_CURRENCY.get((country or "").upper())
    _share_across_ranges(text, mentions)  # a cue's currency reaches the range's other end
    found = []
    currencies: dict[int, str] = {}
    for mention in mentions:
        if mention.code is None or mention.value <= 0:
            continue
        currency = _currency(mention, country)
        low = mention.low_end
        if low is not None and low.code == mention.code and low.start in currencies:
            currency = currencies[low.start]  # "$71,700 - $201,550": one currency for both
        currencies[mention.start] = currency
        amount = _in_millions_if_pesos(mention, currency).quantize(Decimal("0.01"))
        found.append(_money(field, mention.start, mention.end, text, amount, currency))
    return found


def _mention_matches(text: str, pay_word_ends: list[int]) -> list[re.Match[str]]:
    """The numbers that could be money: with a currency, after a pay word, or next to another.

    Every number of a page matches the mention pattern, and a JSON feed is mostly numbers; a
    bare number far from any pay word and from any other number is dropped here, before any
    work is spent on it.
    """
    matches = list(_MENTION.finditer(text))
    kept = []
    for index, match in enumerate(matches):
        written = match.group("sign") or match.group("word")
        if written or _has_neighbour(matches, index) or _after(pay_word_ends, match.start()):
            kept.append(match)
    return kept


def _pay_word_ends(text: str) -> list[int]:
    """Where the pay words of `text` end, in order.

    Searched in the lower-cased text: a case-insensitive alternation scans ten times slower.
    """
    lowered = text.lower()
    if len(lowered) != len(text):  # a few letters lower-case to two characters: offsets move
        return [word.end() for word in _PAY_WORD_ANY_CASE.finditer(text)]
    return [word.end() for word in _PAY_WORD.finditer(lowered)]


def _has_neighbour(matches: list[re.Match[str]], index: int) -> bool:
    start, end = matches[index].span()
    before = index > 0 and start - matches[index - 1].end() <= _NEIGHBOUR_GAP
    after = index + 1 < len(matches) and matches[index + 1].start() - end <= _NEIGHBOUR_GAP
    return before or after


def _after(ends: list[int], start: int) -> bool:
    """Whether one of the sorted `ends` is at most _CUE_REACH before `start`."""
    return bisect_left(ends, start - _CUE_REACH) < bisect_right(ends, start)


def _mention(match: re.Match[str]) -> _Mention | None:
    sign, word, written = match.group("sign"), match.group("word"), match.group("amount")
    digits = _NOT_DIGIT.sub("", written)
    if len(digits) > _MAX_DIGITS:
        return None  # an id or a hash, and beyond what Decimal quantizes
    if sign and sign[:2].upper() == "S/" and _PRODUCT_AFTER_SIGN.match(match.string, match.end()):
        return None
    multiplier = match.group("mult")
    separated = len(digits) < len(written)  # most numbers of a page are plain digits
    return _Mention(
        start=match.start(),
        end=match.end(),
        number=_parse_number(written, digits) if separated else Decimal(digits),
        written=written,
        digits=len(digits),
        multiplier=_MULTIPLIERS[multiplier.lower()] if multiplier else None,
        code=_written_code(sign, word) if sign or word else None,
        grouped=separated and _GROUPED_NUMBER.fullmatch(written) is not None,
        to_the_cent=separated and _CENTS.search(written) is not None,
    )


def _parse_number(written: str, digits: str) -> Decimal:
    """The value of "3'800.000", "1.000.00", "1,536.00", "1558,40", "4.270000", "2.5"."""
    tail = _AFTER_LAST_SEPARATOR.search(written)
    # One or two digits after the last separator are cents ("6'5M" is 6.5 million); three or
    # more, thousands.
    if tail is not None and len(tail.group(1)) <= 2:
        cents = tail.group(1)
        return Decimal(f"{digits[: len(digits) - len(cents)]}.{cents}")
    return Decimal(digits)


def _written_code(sign: str | None, word: str | None) -> str | None:
    """The currency written: a code after the number beats an ambiguous "$" before it."""
    codes = [_CODES[written.lower()] for written in (word, sign) if written]
    specific = [code for code in codes if code not in _AMBIGUOUS]
    return (specific or codes or [None])[0]


def _share_across_ranges(text: str, mentions: list[_Mention]) -> None:
    """Give each end of a range what only the other end writes: multiplier and currency."""
    for low, high in pairwise(mentions):
        if high.start - low.end > _NEIGHBOUR_GAP:
            continue
        between = text[low.end : high.start]
        if _RANGE_JOIN.fullmatch(between):
            _share_multiplier(low, high)
            low.to_the_cent = high.to_the_cent = low.to_the_cent or high.to_the_cent
            if _is_range(low, high):
                low.code = low.code or high.code
                high.code = high.code or low.code
                high.low_end = low
        elif _PLUS_JOIN.fullmatch(between) and high.code is None and high.grouped:
            high.code = low.code


def _share_multiplier(low: _Mention, high: _Mention) -> None:
    if low.multiplier is None and high.multiplier and low.number * high.multiplier <= high.value:
        low.multiplier = high.multiplier
    elif high.multiplier is None and low.multiplier and high.number * low.multiplier >= low.value:
        high.multiplier = low.multiplier


def _is_range(low: _Mention, high: _Mention) -> bool:
    """Whether two numbers joined by "a", "-", "y"... read as one range of pay."""
    if low.code is not None and high.code is not None:
        return True
    # "entre 4 a 10 euros": next to a currency any number will do; two bare numbers must
    # both look like pay ("Salario: 2.000.000 - 5.500.000").
    either = _plausible_bare if low.code or high.code else _plausible_pay
    if not (either(low) and either(high)):
        return False
    return 0 < low.value <= high.value <= low.value * _MAX_RANGE_RATIO


def _plausible_bare(mention: _Mention) -> bool:
    """Whether a number with no currency of its own could be an amount at all."""
    if mention.code is not None:
        return True
    # "0412 ...", "3105897353": phone numbers.
    return not mention.written.startswith("0") and mention.digits <= _MAX_BARE_DIGITS


def _plausible_pay(mention: _Mention) -> bool:
    """Whether a bare number could be pay on its own: "4.000.000", "3 millones", "850"."""
    if not _plausible_bare(mention):
        return False
    return mention.grouped or mention.multiplier is not None or mention.digits >= 3


def _after_pay_word(text: str, mention: _Mention, pay_word_ends: list[int]) -> bool:
    if not _after(pay_word_ends, mention.start) or not _plausible_pay(mention):
        return False
    if _NOT_PAY_AFTER.match(text, mention.end):
        return False
    if mention.multiplier is None and not mention.grouped and _YEAR.fullmatch(mention.written):
        return False
    cue = _PAY_CUE.search(text, max(0, mention.start - _CUE_REACH), mention.start)
    return cue is not None and not _SENTENCE_END.search(cue.group())


def _currency(mention: _Mention, country: str | None) -> str:
    country, code = (country or "").upper(), mention.code or ""
    if code == "pesos":
        return _PESO_BY_COUNTRY.get(country, "COP")
    if code == "$":
        by_country = _DOLLAR_BY_COUNTRY.get(country)
        # No one is offered a six-figure dollar wage: "$900.000" is a peso amount. Written
        # with a multiplier ("$80 billion", "$150M"), it is a company's figure, in dollars.
        peso_sized = mention.multiplier is None and mention.value >= _PESO_SIZED
        return by_country or ("COP" if peso_sized else "USD")
    return code


def _in_millions_if_pesos(mention: _Mention, currency: str) -> Decimal:
    """ "$3.5 a $4.0" in a Colombian ad is 3.5 to 4 million pesos."""
    value = mention.value
    if currency != "COP" or mention.multiplier is not None or mention.to_the_cent:
        return value
    return value * 10**6 if value < _PESOS_IN_MILLIONS_BELOW else value


def _money(field: str, start: int, end: int, text: str, amount: Decimal, currency: str) -> Entity:
    return Entity(
        kind=EntityKind.MONEY,
        field=field,
        start=start,
        end=end,
        text=text[start:end],
        value=f"{amount} {currency}",
    )
