"""Contact entities other than phone numbers: e-mails, URLs and social-media handles.

These identifiers tie the ads of one network together, so each gets a canonical value that is
equal however it was written: e-mails lower-cased; URLs as "https://host/path" (no "www.", no
tracking parameters, no fragment); handles as "<platform>:<name>" lower-cased, found both in
profile links ("t.me/empleos_ya", "instagram.com/x", "facebook.com/x", "tiktok.com/@x") and in
text after the platform's name ("Telegram: @empleos_ya", "síguenos en IG @x"). WhatsApp links
("wa.me/58...", "api.whatsapp.com/send?phone=58...") are phone numbers, found by
nlp.entities.phones, so they yield no URL here.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit

from nlp.types import Entity, EntityKind

_EMAIL = re.compile(
    r"(?<![\w.+-])[a-z0-9](?:[a-z0-9._%+-]*[a-z0-9_-])?@"
    r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,24}(?![\w-])",
    re.IGNORECASE,
)
# Top-level domains a bare "name.tld/..." must end in to count as a URL without a scheme: the
# generic ones and the corridor's, so that "S.A." or "1.500" never do.
_BARE_TLDS = "com|net|org|info|biz|io|me|ly|ee|co|ve|pe|ec|br|do|tt|cw|aw|es|pt|nl|app|site"
_URL = re.compile(
    r"(?<![\w@.\-/])(?:"
    r"(?:https?://|www\.)[^\s<>\"'`{}|\\^\[\]]+"
    rf"|(?:[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?\.)+(?:{_BARE_TLDS})(?![\w\-@])(?:/[^\s<>\"'`{{}}|\\^\[\]]*)?"
    r")",
    re.IGNORECASE,
)
_TRAILING_PUNCTUATION = ".,;:!?)]}'\"…»"
_TRACKING_PARAMETERS = re.compile(r"^(?:utm_\w+|fbclid|gclid|igshid|igsh|si|ref|mibextid)$")
_WHATSAPP_HOSTS = frozenset({"wa.me", "api.whatsapp.com", "whatsapp.com", "web.whatsapp.com"})

# Platform names as ads write them, before a handle in text.
_PLATFORM_CUES = {
    "telegram": "telegram",
    "tg": "telegram",
    "instagram": "instagram",
    "insta": "instagram",
    "ig": "instagram",
    "facebook": "facebook",
    "fb": "facebook",
    "face": "facebook",
    "tiktok": "tiktok",
    "tik tok": "tiktok",
}
_CUE_HANDLE = re.compile(
    r"\b(?P<cue>telegram|tg|instagram|insta|ig|facebook|fb|face|tik ?tok)\b"
    r"[^\n@]{0,25}?(?<![\w.])@(?P<name>[a-z0-9_](?:[a-z0-9_.]*[a-z0-9_])?)",
    re.IGNORECASE,
)
# "@name op TikTok", "@name on Instagram": the platform after the handle.
_HANDLE_CUE_AFTER = re.compile(
    r"(?<![\w.])@(?P<name>[a-z0-9_](?:[a-z0-9_.]*[a-z0-9_])?)\s+(?:op|on|en|na|in|em|no|di|at)\s+"
    r"(?P<cue>telegram|instagram|insta|facebook|fb|tik ?tok)\b",
    re.IGNORECASE,
)
_HANDLE_NAME = {
    "telegram": re.compile(r"[a-z][a-z0-9_]{3,31}"),
    "instagram": re.compile(r"[a-z0-9_.]{1,30}"),
    "facebook": re.compile(r"[a-z0-9.]{3,50}"),
    "tiktok": re.compile(r"[a-z0-9_.]{2,24}"),
}
_PROFILE_HOSTS = {
    "t.me": "telegram",
    "telegram.me": "telegram",
    "telegram.dog": "telegram",
    "instagram.com": "instagram",
    "facebook.com": "facebook",
    "fb.com": "facebook",
    "m.facebook.com": "facebook",
    "web.facebook.com": "facebook",
    "tiktok.com": "tiktok",
}
# First path segments of those hosts that are not a profile (posts, search, share dialogs).
_NOT_PROFILES = frozenset(
    [
        "s",
        "joinchat",
        "share",
        "addstickers",
        "p",
        "reel",
        "reels",
        "explore",
        "stories",
        "accounts",
        "tv",
        "direct",
        "sharer",
        "sharer.php",
        "groups",
        "pages",
        "events",
        "watch",
        "photo.php",
        "story.php",
        "profile.php",
        "permalink.php",
        "login",
        "hashtag",
        "marketplace",
        "tag",
        "search",
        "discover",
        "video",
    ]
)


def find_emails(text: str, field: str = "text") -> list[Entity]:
    """E-mail addresses in `text`; `value` is the address lower-cased."""
    return [
        Entity(
            kind=EntityKind.EMAIL,
            field=field,
            start=match.start(),
            end=match.end(),
            text=match.group(),
            value=match.group().lower(),
        )
        for match in _EMAIL.finditer(text)
    ]


def canonical_url(raw: str) -> str | None:
    """ "https://host/path[?query]" without "www.", tracking parameters or fragment."""
    with_scheme = raw if re.match(r"https?://", raw, re.IGNORECASE) else "https://" + raw
    try:
        parts = urlsplit(with_scheme)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    host = host.removeprefix("www.")
    if "." not in host:
        return None
    query = [(k, v) for k, v in parse_qsl(parts.query) if not _TRACKING_PARAMETERS.match(k)]
    path = parts.path.rstrip("/")
    return f"https://{host}{path}" + (f"?{urlencode(query)}" if query else "")


def find_urls(text: str, field: str = "text") -> list[Entity]:
    """Links in `text` (with or without a scheme) and the social profiles they point at."""
    found: list[Entity] = []
    for match in _URL.finditer(text):
        raw = match.group().rstrip(_TRAILING_PUNCTUATION)
        value = canonical_url(raw)
        if value is None:
            continue
        start, end = match.start(), match.start() + len(raw)
        host = urlsplit(value).hostname or ""
        if host in _WHATSAPP_HOSTS:
            continue
        found.append(_entity(EntityKind.URL, field, start, end, raw, value))
        handle = profile_handle(value)
        if handle is not None:
            found.append(_entity(EntityKind.HANDLE, field, start, end, raw, handle))
    return found


def profile_handle(url: str) -> str | None:
    """ "telegram:empleos_ya" for "https://t.me/empleos_ya"; None for posts, groups, shares."""
    parts = urlsplit(url)
    platform = _PROFILE_HOSTS.get((parts.hostname or "").removeprefix("www."))
    segments = [segment for segment in parts.path.split("/") if segment]
    if platform is None or not segments:
        return None
    name = segments[0].lower()
    if platform == "tiktok":
        if not name.startswith("@"):
            return None
        name = name[1:]
    if name in _NOT_PROFILES:
        return None
    return _handle(platform, name)


def _handle(platform: str, name: str) -> str | None:
    name = name.strip(".").lower()
    return f"{platform}:{name}" if _HANDLE_NAME[platform].fullmatch(name) else None


def find_handles(text: str, field: str = "text") -> list[Entity]:
    """ "@name" written after a platform's name ("Telegram: @empleos_ya"); the span is "@name"."""
    found = []
    for match in [*_CUE_HANDLE.finditer(text), *_HANDLE_CUE_AFTER.finditer(text)]:
        cue = re.sub(r"\s+", " ", match.group("cue").lower())
        value = _handle(_PLATFORM_CUES[cue], match.group("name"))
        if value is None:
            continue
        start = match.start("name") - 1
        end = start + 1 + len(match.group("name").rstrip("."))
        found.append(_entity(EntityKind.HANDLE, field, start, end, text[start:end], value))
    return sorted(found, key=lambda entity: entity.start)


def _entity(kind: EntityKind, field: str, start: int, end: int, text: str, value: str) -> Entity:
    return Entity(kind=kind, field=field, start=start, end=end, text=text, value=value)
