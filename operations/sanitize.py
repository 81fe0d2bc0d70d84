"""The one sanitizer every failure message (and every log record) passes through.

Failure text comes from exceptions, HTTP error bodies and third-party libraries.
Before it reaches the database, a page or a log it loses secrets, Python
tracebacks and control characters, and becomes one short line. Support ids
(Graph ``request-id`` / ``client-request-id``, Intune's Activity ID, AADSTS
trace and correlation ids, certificate thumbprints) are what Microsoft support
asks for: they are copied to the front and never cut.

Secrets are stopped by class of leak, each class one rule or one step:

* **named values** — ``name=value``, ``"name": "value"``, ``Name: value``,
  XML elements, header tuples, for names that end in a secret word
  (password, secret, token, key, sig, …); a password's value runs to the end
  of its clause, spaces included;
* **headers and schemes** — ``Authorization``/``Cookie`` headers, ``Bearer``
  and ``Basic`` credentials, URL credentials (the password may hold
  unencoded ``/ # ? @``);
* **shapes without a name** — PEM blocks and PEM body lines, JWTs, Entra client
  secrets, provider-prefixed keys by gitleaks' published ruleset
  (``operations.secret_rules``: AKIA…, AIza…, sk_live_…, ghp_…, xox…),
  base64 of ``user:pass``, high-entropy tokens of 20+ characters;
* **disguises** — names and values hidden by URL encoding (single or double),
  JSON ``\\u`` escapes, HTML entities, fullwidth forms, look-alike letters or
  combining marks are decoded (NFKC, marks dropped, look-alikes folded) and
  redacted when that reveals more than the text as written; a secret or a
  name split across a line break is joined first.

Pure Python (no Django) so that workers, scripts and log handlers can call it
anywhere. It never raises: a sanitizer that fails would turn one failure into two.
The output fed back in comes out unchanged (idempotence).
"""

from __future__ import annotations

import base64
import html
import re
import unicodedata
import urllib.parse
from collections import deque
from collections.abc import Callable, Iterable, Iterator

from operations.secret_rules import redact_provider_secrets, shannon_entropy, woken

__all__ = [
    "DEFAULT_MAX_LENGTH",
    "REDACTED",
    "describe_exception",
    "redact_lines",
    "sanitize",
    "sanitize_code",
]

REDACTED = "***"
ELLIPSIS = "…"
DEFAULT_MAX_LENGTH = 500
DEFAULT_CODE = "error"
CODE_MAX_LENGTH = 64

# Regexes only ever see this much text: 16x the stored length (8 KiB for the
# default 500), so a 1 MB body costs what 8 KiB does. Nothing past the window can
# reach the output (the output is its first `limit` characters after redaction),
# and the cut falls on a separator, so a secret straddling it is dropped whole or,
# when it opens a multi-token form (PEM, quoted value), redacted to the end as
# unterminated. What is lost past it: support ids and text that a long redacted
# span would have pulled forward. The traceback focus still reads the whole input.
_MIN_WINDOW = 8 * 1024
_WINDOW_FACTOR = 16

_Replacement = str | Callable[[re.Match[str]], str]


# --- 1. coercion --------------------------------------------------------------


def _to_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", errors="replace")
    try:
        return str(value)
    except Exception:  # noqa: BLE001 - any __str__ may raise anything
        # A broken __str__ (or an int too long to print) must not break the caller;
        # the type name still says something useful.
        return type(value).__name__


def _coerce_limit(max_length: int) -> int:
    try:
        return max(int(max_length), 0)
    except (TypeError, ValueError, OverflowError):  # a caller ignoring the type hint
        return DEFAULT_MAX_LENGTH


# --- 2. tracebacks ------------------------------------------------------------

# Any whitespace: a traceback that was already flattened is still one.
_TRACEBACK_MARKER_RE = re.compile(r"Traceback\s+\(most\s+recent\s+call\s+last\):")
# The exception line is the first line after the frames that is not indented.
_UNINDENTED_LINE_RE = re.compile(r"^(?=\S)", re.MULTILINE)


def _focus_on_exception(text: str) -> str:
    """Keep only what follows the frames of the last traceback: ``SomeError: message``.

    Works on the whole input (linear regexes only), because the line we want
    sits at the very end of a possibly huge traceback.
    """
    if "Traceback" not in text:
        return text
    last = deque(_TRACEBACK_MARKER_RE.finditer(text), maxlen=1)
    if not last:
        return text
    tail = text[last[0].end() :]
    line = _UNINDENTED_LINE_RE.search(tail)
    # No unindented line (a cut traceback, an exception group): keep the tail and
    # let the frame rules below drop what they recognise.
    return tail[line.start() :] if line else tail


# --- 3. window ----------------------------------------------------------------

# Greedy up to the last separator: where a cut cannot fall inside a token.
_UP_TO_LAST_SEPARATOR_RE = re.compile(r"[\s\S]*[\s&;,\"'<>(){}\[\]]")


def _window(text: str, limit: int) -> tuple[str, bool]:
    """Cut the raw text to a bound before any redaction regex runs.

    The window ends at a separator: a token cut in half (half a key, a JWT, a
    base64 blob) could slip under a shape rule and leak, so it is dropped whole
    (a window without any separator is one giant token and is dropped entirely).
    """
    size = max(_MIN_WINDOW, _WINDOW_FACTOR * limit)
    if len(text) <= size:
        return text, False
    head = _UP_TO_LAST_SEPARATOR_RE.match(text, 0, size)
    return (head.group(0) if head else ""), True


# --- 4. control characters ----------------------------------------------------

# Terminal colour codes: strip the whole sequence, not just the ESC byte.
_ANSI_ESCAPE_RE = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])"
)
_LINE_BREAK_RE = re.compile(r"\r\n?|[\x0b\x0c\x85\u2028\u2029]")
# C0/C1 controls (tab and newline stay until whitespace is collapsed), plus every
# format character (Unicode 15.1 category Cf: zero-width, bidi overrides, soft
# hyphen, tags) because they can hide or reorder text on a page.
_INVISIBLE_RE = re.compile(
    r"[\x00-\x08\x0e-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2"
    r"\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    r"\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    r"\U000e0001\U000e0020-\U000e007f]"
)
# Lone surrogates cannot be encoded as UTF-8, so the database would refuse them.
_SURROGATE_RE = re.compile(r"[\ud800-\udfff]")


# Anything the four patterns below could touch is outside printable ASCII, tab and
# newline: most failure text has none, and one fast scan says so.
_CONTROLS_HINT_RE = re.compile(r"[^\x20-\x7e\t\n]")


def _strip_controls(text: str) -> str:
    if _CONTROLS_HINT_RE.search(text) is None:
        return text
    text = _ANSI_ESCAPE_RE.sub("", text)
    text = _LINE_BREAK_RE.sub("\n", text)
    text = _INVISIBLE_RE.sub("", text)  # removed, not spaced: "pass\0word=" is still caught
    return _SURROGATE_RE.sub("\ufffd", text)


# --- 5. frames ----------------------------------------------------------------

_BLANK = r"[^\S\n]"  # any whitespace but a line break: once collapsed, a space like any other
# A frame line and the more-indented source/caret lines under it; "|" covers the
# indentation of exception groups.
_FRAME_BLOCK_RE = re.compile(
    rf"^(?P<indent>(?:{_BLANK}|\|)*)File{_BLANK}+\"[^\"\n]*\",{_BLANK}+line{_BLANK}+\d+[^\n]*"
    rf"(?:\n(?P=indent){_BLANK}+[^\n]*)*",
    re.MULTILINE,
)
# The same frame inside one line (a traceback someone already flattened).
_FRAME_INLINE_RE = re.compile(r'File\s+"[^"]{0,1000}",\s+line\s+\d+,\s+in\s+[^\s,]{1,200}')
_REPEATED_FRAME_RE = re.compile(r"\[Previous\s+line\s+repeated\s+\d+\s+more\s+times?\]")


def _drop_frames(text: str) -> str:
    text = _FRAME_BLOCK_RE.sub("", text)
    text = _FRAME_INLINE_RE.sub("", text)
    return _REPEATED_FRAME_RE.sub("", text)


# --- 6. redaction -------------------------------------------------------------


def _alternation(words: Iterable[str]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


# Names whose value is a secret. A name matches when it *ends* with one of these
# after a separator (client_secret, x-api-key, spring.datasource.password) or as
# a camelCase part (clientSecret, AccountKey), so request-id, keyboard, monkey,
# token_type or keyId never match.
_SECRET_WORDS = (
    "password",
    "passwd",
    "pwd",
    "passphrase",
    "passcode",
    "secret",
    "secrettext",
    "clientsecret",
    "token",
    "accesstoken",
    "refreshtoken",
    "idtoken",
    "sastoken",
    "key",
    "apikey",
    "privatekey",
    "accountkey",
    "sig",
    "signature",
    "code",
    "assertion",
    "credential",
    "credentials",
    "cookie",
    "authorization",
    "auth",
    "sessionid",
)
_CAMEL_WORDS = (
    "Password",
    "Passwd",
    "Pwd",
    "Passphrase",
    "Passcode",
    "Secret",
    "Token",
    "Key",
    "Sig",
    "Signature",
    "Code",
    "Assertion",
    "Credential",
    "Credentials",
    "Cookie",
)
_NAME = (
    r"-{0,2}(?:[A-Za-z0-9]+[_.-])*"
    rf"(?:(?i:{_alternation(_SECRET_WORDS)})|[A-Za-z][A-Za-z0-9]*(?:{_alternation(_CAMEL_WORDS)}))"
)
# A name must start a token: not inside a word, a dotted name or a URL path.
# (Each pattern opens with a character-class lookahead: the regex engine then
# skips impossible start positions quickly, which matters on 64 KiB of text.)
_NAME_START = r"(?=[-A-Za-z0-9])(?<![A-Za-z0-9_./-])"

# Backslashes before a quote: JSON escaped inside JSON (\", \\\" ...). Possessive and
# bounded (5 levels of nesting), so a run of thousands of backslashes costs nothing.
_ESCAPES = r"\\{0,31}+"
# A quoted value at any escape level (", \", \\\" ...) with an optional Python
# b''/r'' prefix. The content runs to the same quote at the same escape level or,
# when unterminated, to the end (minus our own ellipsis): always matching keeps
# the scan linear, and an unterminated secret is still redacted.
_QUOTED_VALUE = (
    rf"[bBrRuU]{{0,2}}(?P<vbs>{_ESCAPES})(?P<vch>[\"'])"
    r"(?P<vc>[\s\S]*?)(?:(?<!\\)(?P=vbs)(?P=vch)|(?=…?\Z))"
)
# An unquoted value runs to whitespace, a quote, or a delimiter that ends it:
# "&" / ";" / "," only when the next name=value or a space follows (a=1&b=2,
# Password=x;Database=y, "a, b"), a bracket only at the end of the value
# (Credentials(password=x)). Passwords do contain "&", ";", "(", "<" and ","
# and must not leak their tail.
_BARE_VALUE = (
    r"(?P<bare>(?:[^\s&;,\"'<>(){}\[\]…]"
    r"|[&;,](?![\w.-]+=|\s)(?=[^\s\"'…])"
    r"|[<>(){}\[\]](?=[^\s\"'…]))+)"
)
# JSON/dict scalars (numbers, null) never contain commas.
_SCALAR_VALUE = r"(?P<bare>[^\s&;,\"'<>(){}\[\]…]+)"

# Values that are not secrets: JSON literals and other tools' placeholders
# ("[secure]", "<redacted>": one bracketed word). No word list of "harmless"
# prose: a value after a secret's name is redacted unless its shape says otherwise.
_LITERAL_VALUES = frozenset({"", REDACTED, "null", "none", "nil", "undefined", "true", "false"})
_PLACEHOLDER_RE = re.compile(r"[\[<(]\w{1,20}[\]>)]?|\*+|-|n/a")
# "Invalid token: signature verification failed": after "name: ", a run of plain
# lowercase words is a sentence, not a credential (a password name never gets this).
_PROSE_RE = re.compile(r"[a-z]{2,20}(?:\s+[a-z]{2,20})+")
# Error codes are what a person needs to look the failure up.
_ERROR_CODE_RE = re.compile(r"(?:AADSTS|AADB2C|IDX|MSAL|MSIS)\d{2,10}:?")
# "code" is both an OAuth authorization code (secret) and Graph's error code
# (InvalidAuthenticationToken, Request_ResourceNotFound, 401): keep the latter.
_ERROR_CODE_VALUE_RE = re.compile(r"[A-Za-z][A-Za-z_]{0,63}[0-9]{0,10}|[0-9]{1,10}")


def _is_harmless(name: str, value: str) -> bool:
    if value.lower() in _LITERAL_VALUES or _PLACEHOLDER_RE.fullmatch(value):
        return True
    if _ERROR_CODE_RE.fullmatch(value):
        return True
    folded = name.lower()
    is_error_code = folded.endswith("code") and not folded.endswith("passcode")
    return is_error_code and bool(_ERROR_CODE_VALUE_RE.fullmatch(value))


def _splice(match: re.Match[str], group: str) -> str:
    """The whole match with one group replaced by ``***``."""
    whole, offset = match.group(0), match.start()
    start, end = match.span(group)
    return whole[: start - offset] + REDACTED + whole[end - offset :]


def _value_group(match: re.Match[str]) -> str:
    groups = match.groupdict()
    return next(name for name in ("vc", "bare", "v") if groups.get(name) is not None)


def _redact_value(match: re.Match[str]) -> str:
    """Redact a named value unless it is plainly not a secret."""
    group = _value_group(match)
    if _is_harmless(match.group("name"), match.group(group)):
        return match.group(0)
    return _splice(match, group)


def _redact_colon_value(match: re.Match[str]) -> str:
    """``Name: value``: also not an error code (``401 InvalidAuthenticationToken: …``) or prose."""
    name = match.group("name")
    if _ERROR_CODE_NAME_RE.fullmatch(name):
        return match.group(0)
    if not _STRONG_NAME_RE.search(name):
        tail = match.string[match.start(_value_group(match)) : match.end() + 40]
        if _PROSE_RE.match(tail):
            return match.group(0)
    return _redact_value(match)


# A Graph/Entra error code is PascalCase of three or more words
# (InvalidAuthenticationToken, ExpiredAuthenticationToken); a secret's name is not.
_ERROR_CODE_NAME_RE = re.compile(r"(?:[A-Z][a-z0-9]+){3,}")
# Names whose value is a password: it may hold spaces, so its whole clause goes.
_STRONG_NAME_RE = re.compile(
    r"(?i)(?:password|passwd|pwd|passphrase|passcode|secret|psk|presharedkey)$"
)


def _redact_whole_value(match: re.Match[str]) -> str:
    return _splice(match, "v")


# PEM blocks (keys, certificates, anything BEGIN/END); an unterminated block
# (cut by a producer) is redacted to the end.
_PEM_RE = re.compile(r"-----BEGIN[A-Z0-9\s]{0,60}-----[\s\S]*?(?:-----END[A-Z0-9\s]{0,60}-----|\Z)")

# scheme://user:password@host → scheme://***@host; up to the last "@" of the
# authority, because raw passwords contain "@" too.
# With a ":" in the user info, the password runs to the last "@" before a space:
# raw passwords hold "/", "#", "?" and "@" too.
_URL_CREDENTIALS_RE = re.compile(
    r"(?i)\b(?P<scheme>[a-z][a-z0-9+.-]{1,30}://)"
    r"(?:[^\s/?#\"'<>@:]*:[^\s\"'<>]*@|[^\s/?#\"'<>]+@)"
)

# Authorization headers: an optional scheme, the credential, then any
# comma-separated auth-params (Digest, AWS4, SharedAccessSignature).
# (?!\*\*\*) keeps an already redacted header as it is.
_AUTH_CREDENTIAL = r"(?:\"[^\"]{0,512}\"|[^\s,\"'<>(){}\[\]…])+"
_AUTH_PARAM = r"[\w-]+=(?:\"[^\"]{0,512}\"|[^\s,\"'<>(){}\[\]…]*)"
_AUTH_HEADER_RE = re.compile(
    rf"(?i){_NAME_START}(?P<name>(?:proxy-)?authorization)\s*[:=]\s*(?!\*\*\*)"
    rf"(?P<v>(?:[a-z][\w.-]*\s+(?=[^\s,…]))?{_AUTH_CREDENTIAL}(?:\s*,\s*{_AUTH_PARAM})*)"
)
# Cookie / Set-Cookie: every "; "-separated pair may be a session.
_COOKIE_HEADER_RE = re.compile(
    rf"(?i){_NAME_START}(?P<name>(?:set-)?cookie)\s*:\s*(?!\*\*\*)"
    r"(?P<v>[^\s;,\"'…]+(?:\s*;\s*[^\s;\"'…]+)*)"
)
# "Bearer <token>" anywhere. Possessive so that WWW-Authenticate's
# 'Bearer realm="", error="invalid_token"' (a name=value, not a token) is left alone.
_BEARER_RE = re.compile(
    r"(?i)\b(?P<name>bearer)\s+(?P<v>[A-Za-z0-9._~+/-]++=*+)(?!(?<==)[\w\"'\\])"
)
# "Basic <base64>"; case-sensitive and not a plain word, so "basic configuration" stays.
_BASIC_RE = re.compile(r"\b(?P<name>Basic)\s+(?P<v>[A-Za-z0-9+/]{6,}=*)(?![A-Za-z0-9+/=])")
_PLAIN_WORD_RE = re.compile(r"[A-Z]?[a-z]+")


def _redact_basic(match: re.Match[str]) -> str:
    if _PLAIN_WORD_RE.fullmatch(match.group("v")):
        return match.group(0)
    return _redact_value(match)


# <password>…</password>, <wsse:Password Type="…">…</wsse:Password>. Leaf elements
# only (a "<" that starts a tag ends the value: <wsse:UsernameToken> holds the
# user name, its <wsse:Password> child is matched on its own); unclosed (cut
# short) runs to the end.
_XML_ELEMENT_RE = re.compile(
    rf"<(?P<tag>(?:[A-Za-z][\w.-]*:)?(?P<name>{_NAME}))(?:\s[^<>]{{0,500}})?>"
    r"(?P<v>(?:[^<]|<(?![/A-Za-z]))*+)(?:</(?P=tag)\s*>|(?=…?\Z))"
)
# "password": "x", 'password': 'x', \"password\":\"x\" (escaped JSON in JSON),
# "password" => "x", "password": 123. The value's escaping can differ from the name's.
_QUOTED_PAIR_RE = re.compile(
    rf"(?=[\\\"'])(?<!\\)(?P<nbs>{_ESCAPES})(?P<nch>[\"'])(?P<name>{_NAME})(?P=nbs)(?P=nch)"
    rf"\s*(?::|=>?)\s*(?:{_QUOTED_VALUE}|{_SCALAR_VALUE})"
)
# ('Authorization', 'Bearer x') — header lists as requests/httpx print them.
_TUPLE_PAIR_RE = re.compile(
    rf"\(\s*(?P<nbs>{_ESCAPES})(?P<nch>[\"'])(?P<name>{_NAME})(?P=nbs)(?P=nch)"
    rf"\s*,\s*{_QUOTED_VALUE}"
)
# password=x (query strings, form bodies, connection strings, kwargs reprs, CLI flags)
_ASSIGN_PAIR_RE = re.compile(
    rf"{_NAME_START}(?P<name>{_NAME})\s*=(?!=)\s*(?:{_QUOTED_VALUE}|{_BARE_VALUE})"
)
# Password: x (headers, YAML, log lines); the name must be followed by a colon,
# so "tokens were exhausted" is prose, not an assignment.
_COLON_PAIR_RE = re.compile(
    rf"{_NAME_START}(?P<name>{_NAME})\s*:(?!//)\s*(?:{_QUOTED_VALUE}|{_BARE_VALUE})"
)

# The three pair rules above are tried only where they can start, found from
# their separator ("=" or ":", a fast literal search) backwards, instead of at
# every position of the text: at each start of a word, _NAME backtracks through
# the word and fifteen camelCase endings, which cost more than every other rule
# together. The same compiled regex decides at each start, in the same order, so
# the result is that of ``pattern.sub``.
_ASCII_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")
# Characters (?i) matches for an ASCII letter (İ ı ſ K): inside _NAME's words,
# so a name may hold them ("toKen").
_CASELESS_LETTERS = frozenset("\u0130\u0131\u017f\u212a")
_NAME_CHARS = _ASCII_NAME_CHARS | _CASELESS_LETTERS
_NAME_FIRST = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-")
_NAME_BLOCKERS = _ASCII_NAME_CHARS | {"/"}  # _NAME_START's lookbehind
_QUOTES = "\"'"


def _separators(text: str, separators: str) -> Iterator[tuple[int, int]]:
    """Each separator's position, with the position after the previous one.

    Nothing a pair rule matches before its separator (name, quotes, spaces)
    contains a separator, so the backward scans stop at the previous one and the
    whole search stays linear.
    """
    found = sorted(i for sep in separators for i in _positions(text, sep))
    floor = 0
    for index in found:
        yield index, floor
        floor = index + 1


def _positions(text: str, sep: str) -> Iterator[int]:
    index = text.find(sep)
    while index >= 0:
        yield index
        index = text.find(sep, index + 1)


def _skip_back(text: str, end: int, floor: int, chars: frozenset[str] | str) -> int:
    while end > floor and text[end - 1] in chars:
        end -= 1
    return end


def _skip_space_back(text: str, end: int, floor: int) -> int:
    while end > floor and text[end - 1].isspace():  # what \s matches
        end -= 1
    return end


def _bare_pair_starts(text: str, separator: str) -> Iterator[int]:
    """Where ``_NAME_START`` lets a ``name <separator>`` pair start."""
    for index, floor in _separators(text, separator):
        end = _skip_space_back(text, index, floor)
        start = _skip_back(text, end, floor, _NAME_CHARS)
        for position in range(start, end):
            if text[position] in _NAME_FIRST and (
                position == 0 or text[position - 1] not in _NAME_BLOCKERS
            ):
                yield position


def _quoted_pair_starts(text: str) -> Iterator[int]:
    """Where ``\\"name\\": …`` may start: the escapes before its opening quote."""
    for index, floor in _separators(text, ":="):
        close = _skip_space_back(text, index, floor) - 1
        if close < floor or text[close] not in _QUOTES:
            continue
        name_end = _skip_back(text, close, floor, "\\")
        name_start = _skip_back(text, name_end, floor, _NAME_CHARS)
        opening = name_start - 1
        if name_start == name_end or opening < floor or text[opening] not in _QUOTES:
            continue
        yield _skip_back(text, opening, floor, "\\")


def _sub_at(
    pattern: re.Pattern[str],
    replacement: Callable[[re.Match[str]], str],
    text: str,
    starts: Iterable[int],
) -> str:
    """``pattern.sub(replacement, text)`` when matches can only start at ``starts`` (ascending)."""
    parts, done = [], 0
    for start in starts:
        if start < done:
            continue
        match = pattern.match(text, start)
        if match is not None:
            parts += [text[done:start], replacement(match)]
            done = match.end()
    return "".join(parts) + text[done:] if parts else text


# The header rules, likewise, from their (case-insensitive) word: a literal the
# regex engine finds quickly, where the rules' leading lookarounds are tried at
# every position.
_AUTHORIZATION_RE = re.compile(r"(?i)authorization")
_PROXY_PREFIX_RE = re.compile(r"(?i)proxy-")
_COOKIE_RE = re.compile(r"(?i)cookie")
_SET_PREFIX_RE = re.compile(r"(?i)set-")


def _word_starts(text: str, word: re.Pattern[str], prefix: re.Pattern[str]) -> Iterator[int]:
    """Where ``(?:prefix)?word`` starts: before each occurrence's prefix, if any, and at it."""
    width = len(prefix.pattern) - len("(?i)")
    for found in word.finditer(text):
        start = found.start()
        if start >= width and prefix.fullmatch(text, start - width, start):
            yield start - width
        yield start


def _redact_authorization_headers(text: str) -> str:
    starts = _word_starts(text, _AUTHORIZATION_RE, _PROXY_PREFIX_RE)
    return _sub_at(_AUTH_HEADER_RE, _redact_whole_value, text, starts)


def _redact_cookie_headers(text: str) -> str:
    starts = _word_starts(text, _COOKIE_RE, _SET_PREFIX_RE)
    return _sub_at(_COOKIE_HEADER_RE, _redact_whole_value, text, starts)


def _redact_quoted_pairs(text: str) -> str:
    return _sub_at(_QUOTED_PAIR_RE, _redact_value, text, _quoted_pair_starts(text))


def _redact_assign_pairs(text: str) -> str:
    return _sub_at(_ASSIGN_PAIR_RE, _redact_value, text, _bare_pair_starts(text, "="))


def _redact_colon_pairs(text: str) -> str:
    return _sub_at(_COLON_PAIR_RE, _redact_colon_value, text, _bare_pair_starts(text, ":"))


# JWT/JWS/JWE: base64url JSON ("eyJ") and up to four more dot-separated parts;
# one or two parts are enough (a fragment is still a credential).
_JWT_RE = re.compile(r"(?=e)(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}(?:\.[A-Za-z0-9_-]+){0,4}")
# Entra ID client secrets: 3 chars, a digit, "Q~", then ~31-34 chars. Lenient on
# both sides so a secret cut short is caught too.
_ENTRA_SECRET_RE = re.compile(r"[A-Za-z0-9_.~-]{0,8}[0-9]Q~[A-Za-z0-9_.~-]*")
# The regex above tried at every position costs ~1 ms per 2 KB; the same match
# found from its fixed "<digit>Q~" anchor outwards costs a few string steps.
_ENTRA_ANCHOR_RE = re.compile(r"[0-9]Q~")
_ENTRA_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.~-")


def _redact_entra_secrets(text: str) -> str:
    """``_ENTRA_SECRET_RE.sub(REDACTED, text)``, found from the anchor (same spans)."""
    parts, done = [], 0
    for anchor in _ENTRA_ANCHOR_RE.finditer(text):
        digit = anchor.start()
        if digit < done:  # inside the run the previous match took
            continue
        start = digit
        while start > max(done, digit - 8) and text[start - 1] in _ENTRA_CHARS:
            start -= 1
        end = anchor.end()
        while end < len(text) and text[end] in _ENTRA_CHARS:
            end += 1
        parts += [text[done:start], REDACTED]
        done = end
    return "".join(parts) + text[done:] if parts else text


# Long base64/hex runs look like keys; decided per run by _redact_blob.
_BLOB_RE = re.compile(r"(?=[A-Za-z0-9+/_-])(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{40,}=*")
_GUID_RE = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
_HEX_RE = re.compile(r"[0-9a-fA-F]+")
# Random base64 switches between lower/upper/digit/other on ~64% of adjacent
# pairs; camelCase paths and identifiers (deviceManagement/managedDevices) on
# far fewer.
_RANDOM_SWITCH_RATIO = 0.4


# Each character to its class (lower, upper, digit, other), so that the number of
# class switches is the number of runs of one letter minus one (counted in C).
_CLASS_OF = str.maketrans(
    {
        **dict.fromkeys(map(ord, "abcdefghijklmnopqrstuvwxyz"), "l"),
        **dict.fromkeys(map(ord, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"), "u"),
        **dict.fromkeys(map(ord, "0123456789"), "d"),
    }
)
_CLASS_RUN_RE = re.compile(r"l+|u+|d+|[^lud]+")


def _looks_random(run: str) -> bool:
    if len(run) < 2:
        return False
    classes = run.translate(_CLASS_OF)
    classes = re.sub(r"[^lud]", "o", classes)
    switches = len(_CLASS_RUN_RE.findall(classes)) - 1
    return switches / (len(run) - 1) >= _RANDOM_SWITCH_RATIO


def _is_hex_digest(run: str) -> bool:
    # Thumbprints and hashes mix digits and letters; "aaaa…" or "1111…" are not keys.
    return bool(_HEX_RE.fullmatch(run)) and not run.isdigit() and not run.isalpha()


def _redact_blob(match: re.Match[str]) -> str:
    run = match.group(0)
    if _GUID_RE.search(run):  # request ids and paths full of them are support ids
        return run
    if _is_hex_digest(run) or _looks_random(run.rstrip("=")):
        return REDACTED
    return run


# After "password=***" (or "secret: ***"), the rest of the clause: the words of
# a passphrase, up to a line break, a delimiter or the next name=value / --flag.
_PASSWORD_TAIL_RE = re.compile(
    r"(?i)(?=[ps])(?P<head>(?:password|passwd|pwd|passphrase|passcode|secret|psk)\\{0,3}[\"']?"
    r"[^\S\n]*(?:=|:)[^\S\n]*\*\*\*)"
    r"(?P<tail>(?:[^\S\n]+(?![\w.-]+[=:]|--|\*\*\*)[^\s;,&\"'<>()\[\]{}…]+)+)"
)
# DER (certificates, keys) in base64 starts "MII": a PEM body line without its BEGIN.
_DER_RE = re.compile(r"(?<![A-Za-z0-9+/])MII[A-Za-z0-9+/]{12,}=*")
# Unnamed tokens of 20-39 characters (longer ones are _BLOB_RE's): a legacy
# 32-character Entra secret, an API key. Redacted when random-looking and of
# high entropy (detect-secrets' measure); base64 of "user:pass" from 8 characters.
_TOKEN_RE = re.compile(
    r"(?=[A-Za-z0-9+/_~.\[\]?@*-])(?<![A-Za-z0-9+/_~.\[\]?@*=:-])"
    r"[A-Za-z0-9+/_~.\[\]?@*-]{8,39}=*(?![A-Za-z0-9+/_~.\[\]?@*=-])"
)
_TOKEN_ENTROPY = 3.5  # bits per character; English words and camelCase paths stay below
_BASE64_RE = re.compile(r"[A-Za-z0-9+/]{8,}={0,2}")


def _redact_token(match: re.Match[str]) -> str:
    run = match.group(0)
    if _GUID_RE.search(run) or run.startswith(("http", "www.")) or "***" in run:
        return run
    if _is_basic_pair(run):
        return REDACTED
    core = run.rstrip("=").strip(".")
    if len(core) < 20 or not _looks_random(core) or core.isdigit():
        return run
    return REDACTED if shannon_entropy(core) >= _TOKEN_ENTROPY else run


def _is_basic_pair(run: str) -> bool:
    """Base64 of ``user:password`` (a Basic credential without its scheme)."""
    if len(run) % 4 or not _BASE64_RE.fullmatch(run):
        return False
    try:
        decoded = base64.b64decode(run, validate=True).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        return False
    user, colon, password = decoded.partition(":")
    return bool(colon and user and password and decoded.isprintable())


# Order matters: multi-token forms (PEM, headers, Bearer) go before the
# name/value rules that would take only their first token, and shape rules go
# last to catch what has no name.
# Each rule comes with a lowercase needle its matches always contain: a rule whose
# needle is absent is skipped without running the regex.
# A rule is a regex and its replacement, or a function of the whole text.
_RULES: tuple[tuple[str, re.Pattern[str] | Callable[[str], str], _Replacement], ...] = (
    ("-----begin", _PEM_RE, REDACTED),
    ("://", _URL_CREDENTIALS_RE, rf"\g<scheme>{REDACTED}@"),
    ("authorization", _redact_authorization_headers, REDACTED),
    ("cookie", _redact_cookie_headers, REDACTED),
    ("bearer", _BEARER_RE, _redact_value),
    ("basic", _BASIC_RE, _redact_basic),
    ("</", _XML_ELEMENT_RE, _redact_value),
    ("", _redact_quoted_pairs, REDACTED),
    ("(", _TUPLE_PAIR_RE, _redact_value),
    ("=", _redact_assign_pairs, REDACTED),
    (":", _redact_colon_pairs, REDACTED),
    ("***", _PASSWORD_TAIL_RE, r"\g<head>"),
    ("eyj", _JWT_RE, REDACTED),
    ("q~", _redact_entra_secrets, REDACTED),
    ("mii", _DER_RE, REDACTED),
    ("", _BLOB_RE, _redact_blob),
    ("", _TOKEN_RE, _redact_token),
)


def _redact(text: str) -> str:
    # A later rule can expose work for an earlier one ("***" now stands where a
    # letter blocked a lookbehind), so run the rules until nothing changes: the
    # output must come back unchanged when it is sanitized again. The second
    # round over already redacted text is cheap.
    provider_rules = woken(text.lower())  # once: see woken()
    for _ in range(4):
        before = text
        folded = text.lower()
        for needle, pattern, replacement in _RULES:
            if needle in folded:
                text = (
                    pattern.sub(replacement, text)
                    if isinstance(pattern, re.Pattern)
                    else pattern(text)
                )
        text = redact_provider_secrets(text, provider_rules)
        if text == before:
            break
    return text


# --- 7. whitespace and length -------------------------------------------------

# Never end on a dangling "name=", an open quote or half a "***": fed back in,
# those would be redacted differently (and they look broken).
_CUT_TRAILING = " =:\"'\\,;&([{<"


def _collapse(text: str) -> str:
    # str.split() splits on what a regex's \s matches (both ask Py_UNICODE_ISSPACE):
    # the same as re.sub(r"\s+", " ", text).strip(), several times faster.
    return " ".join(text.split())


def _trim_end(head: str) -> str:
    while True:
        head = head.rstrip(_CUT_TRAILING)
        if not head.endswith("*") or head.endswith(REDACTED):
            return head
        head = head.rstrip("*")


def _cut_at_word(text: str, size: int) -> str:
    head = text[:size]
    space = head.rfind(" ")
    # Prefer a word boundary, unless that would throw away half the room.
    return head[:space] if space >= size // 2 else head


def _cut(text: str, limit: int, *, truncated: bool) -> str:
    """Fit ``limit`` characters; ``…`` marks that something was left out."""
    if len(text) <= limit and not truncated:
        return text
    room = limit - 1  # for the ellipsis
    head = text
    for _ in range(4):
        previous = head
        if len(head) > room:
            head = _cut_at_word(head, room)
        # A cut can leave a fragment the rules read differently (half of a
        # harmless word, a shorter run that now looks random, a quote the value
        # needed): trim and redact again until nothing changes, so the output
        # comes back unchanged when it is sanitized again.
        trimmed = _trim_end(head)
        redacted = _redact(trimmed)
        head = _trim_end(redacted)
        # Nothing redacted in a head that fits: the next round would redact the
        # same text again and find the same (the trim changes nothing twice).
        if head == previous or (redacted == trimmed and len(head) <= room):
            break
    return head[:room] + ELLIPSIS


# --- disguises and split secrets ----------------------------------------------

# Bounded runs of backslashes (possessive): a run of thousands costs nothing.
_ENCODED_HINT_RE = re.compile(
    r"%[0-9A-Fa-f]{2}|\\{1,8}+[ux][0-9A-Fa-f]{2}|&#?\w{2,8};|[^\x00-\x7f…]"
)


def _has_encoding(text: str) -> bool:
    # Every hint is non-ASCII or holds "%", "\\" or "&": plain text needs no regex.
    if text.isascii() and "%" not in text and "\\" not in text and "&" not in text:
        return False
    return _ENCODED_HINT_RE.search(text) is not None


_JSON_ESCAPE_RE = re.compile(r"\\{1,8}+u([0-9A-Fa-f]{4})|\\{1,8}+x([0-9A-Fa-f]{2})")
# Letters that look Latin but are not (Unicode TR39 confusables, the common
# Cyrillic and Greek ones): "pаsswоrd" with Cyrillic а and о is still a password.
_CONFUSABLES = str.maketrans(
    "аеорсухіјѕԁԛԝАВЕКМНОРСТУХІЈЅαεορτυνκΑΒΕΗΙΚΜΝΟΡΤΥΧΖ",
    "aeopcyxijsdqwABEKMHOPCTYXIJSaeoptuvkABEHIKMNOPTYXZ",
)


def _unescape_json(match: re.Match[str]) -> str:
    return chr(int(match.group(1) or match.group(2), 16))


def _decoded(text: str) -> str:
    """``text`` with every disguise undone: URL/JSON/HTML encodings, Unicode look-alikes."""
    for _ in range(3):  # double and triple encodings
        before = text
        text = _JSON_ESCAPE_RE.sub(_unescape_json, text) if "\\" in text else text
        text = html.unescape(text) if "&" in text else text
        text = urllib.parse.unquote(text) if "%" in text else text
        if text == before:
            break
    # Our own ellipsis stays one character (NFKC would make it "...").
    text = unicodedata.normalize(
        "NFKD", unicodedata.normalize("NFKC", text.replace(ELLIPSIS, _KEEP))
    )
    if text.isascii():
        return text
    # Marks and look-alikes are never ASCII: only the other characters are looked
    # at (str.translate would look up every character of the text).
    text = unicodedata.normalize("NFC", _NON_ASCII_RE.sub(_drop_combining_mark, text))
    return _NON_ASCII_RE.sub(_unconfuse, text).replace(_KEEP, ELLIPSIS)


_KEEP = "\ue000"  # a private-use character no normalisation touches
_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]")


def _drop_combining_mark(match: re.Match[str]) -> str:
    char = match.group(0)
    return "" if unicodedata.category(char) == "Mn" else char


def _unconfuse(match: re.Match[str]) -> str:
    char = match.group(0)
    return chr(_CONFUSABLES.get(ord(char), ord(char)))


def _removed(before: str, after: str) -> int:
    """How much of ``before`` redaction took away (each ``***`` counts as what it hides)."""
    return (
        len(before) - len(after) + len(REDACTED) * (after.count(REDACTED) - before.count(REDACTED))
    )


def _redact_disguised(text: str) -> str:
    """Redact ``text``, or its decoded form when decoding reveals more secrets.

    The decoded form is used only then: a URL-encoded scope or a French accent
    stays as written when nothing hides behind it.
    """
    plain = _redact(text)
    if not _has_encoding(text):
        return plain
    decoded = _strip_controls(_decoded(text))
    if decoded == text:
        return plain
    revealed = _redact(decoded)
    return revealed if _removed(decoded, revealed) > _removed(text, plain) else plain


# A secret's name split by a line break ("pass\nword=…"), a value continued on
# the next line ("password=hun\nter2"), a wrapped base64 or JWT.
_SPLIT_NAME_RE = re.compile(r"(?<![A-Za-z_])([A-Za-z_]{2,30})\n(?=([A-Za-z_]{1,30})[^\S\n]*[=:])")
_SPLIT_VALUE_RE = re.compile(
    rf"({_NAME_START}{_NAME}[^\S\n]*[=:][^\S\n]*[^\s=:]+)\n(?=[^\s=:]+(?:\s|\Z))"
)
_WRAPPED_TOKEN_RE = re.compile(
    r"(?m)(^[A-Za-z0-9+/_=.-]{20,}|eyJ[A-Za-z0-9_.-]*)\n(?=[A-Za-z0-9+/_=.-]{4,}(?:\s|\Z))"
)


def _join_name(match: re.Match[str]) -> str:
    joined = match.group(1) + match.group(2)
    if re.fullmatch(_NAME, joined) and not re.fullmatch(_NAME, match.group(2)):
        return match.group(1)
    return match.group(0)


def _join_split_secrets(text: str) -> str:
    if "\n" not in text:
        return text
    text = _SPLIT_NAME_RE.sub(_join_name, text)
    text = _SPLIT_VALUE_RE.sub(r"\1", text)
    return _WRAPPED_TOKEN_RE.sub(r"\1", text)


# --- support ids ----------------------------------------------------------------

_ID_VALUE = (
    r"\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?"
    r"|[0-9A-Fa-f]{64}|[0-9A-Fa-f]{40}"
)
_SUPPORT_ID_RE = re.compile(
    r"(?i)(?<![\w-])(?P<label>client[-_ ]?request[-_ ]?id|x-ms-request-id|request[-_ ]?id"
    r"|activity[-_ ]?id|trace[-_ ]?id|correlation[-_ ]?id|thumbprint)"
    rf"[\\\"']*[^\S\n]*[:=][^\S\n]*[\\\"']*(?P<id>{_ID_VALUE})(?![\w-])"
)
# The letters (?i) also takes for i, s and k: "REQUEST-İD" is still a request id
# (and lower() would make "İ" two characters).
_ASCII_FOLD = str.maketrans("\u0130\u0131\u017f\u212a", "iisk")
_LABELS = {
    "clientrequestid": "client-request-id",
    "xmsrequestid": "request-id",
    "requestid": "request-id",
    "activityid": "Activity ID",
    "traceid": "Trace ID",
    "correlationid": "Correlation ID",
    "thumbprint": "thumbprint",
}


def _take_support_ids(text: str) -> tuple[list[str], str]:
    """``label: id`` for each distinct support id in order, and the text without them.

    Plain occurrences (``request-id: …``, ``Trace ID: …``) move to the front;
    quoted ones (inside JSON) stay where they are as well, so the JSON stays whole.
    """
    found: dict[str, str] = {}

    def take(match: re.Match[str]) -> str:
        written = match.group("label")
        label = _LABELS.get(re.sub(r"[-_ ]", "", written.translate(_ASCII_FOLD).lower()), written)
        found.setdefault(match.group("id").strip("{}").lower(), f"{label}: {match.group('id')}")
        return match.group(0) if _QUOTING_RE.search(match.group(0)) else ""

    rest = _sub_at(_SUPPORT_ID_RE, take, text, _support_id_starts(text))
    return list(found.values()), rest


# Where a support id's label may start, found back from its ":" or "=" like the
# pair rules: after the label come quotes, then blanks, then the separator, and
# a label is 7 to 17 characters that start with one of these letters.
_LABEL_LENGTHS = (7, 17)
_LABEL_FIRST = frozenset("cCrRxXaAtT")
# [^\S\n]: every whitespace character but the line break (all are below U+3001).
_BLANKS = frozenset(char for char in map(chr, range(0x3001)) if char.isspace()) - {"\n"}


def _support_id_starts(text: str) -> Iterator[int]:
    shortest, longest = _LABEL_LENGTHS
    for index, floor in _separators(text, ":="):
        end = _skip_back(text, _skip_back(text, index, floor, _BLANKS), floor, _QUOTES + "\\")
        for position in range(max(floor, end - longest), end - shortest + 1):
            if text[position] in _LABEL_FIRST:
                yield position


_QUOTING_RE = re.compile(r"[\"'\\]")


def _with_ids(ids: list[str], body: str, limit: int, *, truncated: bool) -> str:
    """Support ids first (whole ids only, as many as fit), then the message cut to the rest."""
    prefix = ""
    for entry in ids:
        if len(prefix) + len(entry) + 1 > limit:
            break
        prefix = f"{prefix} {entry}".strip()
    if not prefix:
        return _cut(body, limit, truncated=truncated)
    room = limit - len(prefix) - 1
    rest = _cut(body, room, truncated=truncated) if room > 1 else ""
    return f"{prefix} {rest}".strip()


# --- public API ---------------------------------------------------------------


def sanitize(text: object, *, max_length: int = DEFAULT_MAX_LENGTH) -> str:
    """A short, single-line, secret-free version of ``text`` for the database and pages.

    ``text`` may be an exception (its ``str()``), bytes (UTF-8, errors replaced),
    ``None`` (→ ``""``) or anything else (its ``str()``). Never raises.
    """
    try:
        limit = _coerce_limit(max_length)
        if limit == 0:
            return ""
        raw = _to_text(text)
        out = _sanitize_once(raw, limit)
        if out == raw:  # clean already (a stored entry, a plain message): stable
            return out
        # Idempotent by construction: cutting to length or a redaction can leave
        # a tail that reads as a new secret shape (hypothesis found one after
        # NFKC folding), so repeat on the short result until nothing changes.
        for _ in range(3):
            again = _sanitize_once(out, limit)
            if again == out:
                break
            out = again
        return out
    except Exception:  # noqa: BLE001 - the contract is "never raises"
        # Unreachable by design; if a rule ever breaks, store nothing rather than raw text.
        return ""


def _sanitize_once(text: str, limit: int) -> str:
    clean, truncated = _window(_focus_on_exception(text), limit)
    clean = _join_split_secrets(_drop_frames(_strip_controls(clean)))
    ids, clean = _take_support_ids(clean)
    return _with_ids(ids, _collapse(_redact_disguised(clean)), limit, truncated=truncated)


def redact_lines(text: object) -> str:
    """Secrets out of a multi-line text, line by line, nothing else changed.

    For logs: a formatted traceback keeps its frames and line breaks, and loses
    the values (a secret in an exception line or a frame's source line).
    Never raises.
    """
    try:
        lines = _strip_controls(_join_split_secrets(_to_text(text))).split("\n")
        return "\n".join(_redact_log_line(line) if line.strip() else line for line in lines)
    except Exception:  # noqa: BLE001 - the contract is "never raises"
        return ""


# A frame's own line: the source file's path is the server's code, never data,
# and a random-looking directory (a checkout in /tmp/tmp.DX5OlVfdSp/…) would
# otherwise read as a 40-character token and lose the frame its file.
_FRAME_HEADER_RE = re.compile(r'(?P<head>\s*File ")(?P<path>[^"]{1,1000})(?P<tail>", line \d+.*)')


def _redact_log_line(line: str) -> str:
    frame = _FRAME_HEADER_RE.fullmatch(line)
    if frame is None:
        return _redact_disguised(line)
    return frame["head"] + frame["path"] + _redact_disguised(frame["tail"])


# Exceptions whose text quotes data: PostgreSQL's (SQL, CONTEXT lines with row
# values) and the database layer's. Only their class name is kept.
_DATA_QUOTING_MODULES = ("psycopg", "psycopg2", "django.db", "sqlite3")


def describe_exception(exc: BaseException) -> str:
    """What a failure stores of an exception: sanitized text for a taxonomy error, else less.

    An exception with a ``code`` (our taxonomy: Graph refused, a policy
    vanished) was written for people: its sanitized text. Any other exception
    gives its class name and one sanitized line of its text, never the raw
    ``str(exc)``; a database error gives its class name only.
    """
    name = type(exc).__name__
    if getattr(exc, "code", None) and isinstance(exc.code, str):  # type: ignore[attr-defined]
        return sanitize(exc)
    if type(exc).__module__.startswith(_DATA_QUOTING_MODULES):
        return f"{name} (database error; details are in the worker log)"
    first = next((line for line in _to_text(exc).splitlines() if line.strip()), "")
    line = sanitize(first, max_length=200)
    return f"{name}: {line}" if line else name


_CODE_INVALID_RE = re.compile(r"[^a-z0-9_.-]+")
_CODE_EDGES = "_.-"


def sanitize_code(code: object) -> str:
    """A short failure code: lowercase ``[a-z0-9_.-]``, at most 64 chars, ``"error"`` if empty.

    An exception (instance or class) gives its class name. The text is sanitized
    first, so a token passed as a code by mistake becomes ``"error"``, not a secret.
    """
    try:
        if isinstance(code, BaseException):
            code = type(code).__name__
        elif isinstance(code, type) and issubclass(code, BaseException):
            code = code.__name__
        text = sanitize(code, max_length=4 * CODE_MAX_LENGTH).lower()
        text = _CODE_INVALID_RE.sub("_", text).strip(_CODE_EDGES)
        return text[:CODE_MAX_LENGTH].rstrip(_CODE_EDGES) or DEFAULT_CODE
    except Exception:  # noqa: BLE001 - the contract is "never raises"
        return DEFAULT_CODE
