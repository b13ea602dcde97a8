"""nginx ``log_format`` and Apache ``LogFormat`` definitions → one regular expression.

`compile_format(text)` reads a definition as pasted from a server's
configuration — the bare string (``$remote_addr - $remote_user [$time_local]
"$request" …`` or ``%h %l %u %t \\"%r\\" %>s %b …``), or the whole directive
(``log_format main '…' '…';``, ``LogFormat "…" combined``) — and returns the
regular expression that matches its lines, with one named group per field
playlog keeps (the names of parse.requests.RAW), plus how the format writes
time and request durations. Fields playlog does not keep match as text and are
skipped. The expression is anchored at the start only, so lines with more
fields at the end than the definition still match.

A field's text runs to the next character of the definition: inside double
quotes it may hold backslash-escaped quotes (``\\"``, as Apache writes them);
inside ``[…]`` anything but ``]``; elsewhere no space. A line that ends inside
the definition's last quoted field (cut short: its closing quote is missing)
still reads, as GoAccess reads it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from playlog.errors import UsageError
from playlog.parse.requests import Clock

# nginx variable → (field, priority: the lowest wins when several give the same field)
NGINX: dict[str, tuple[str, int]] = {
    "remote_addr": ("client_ip", 0), "realip_remote_addr": ("client_ip", 1),
    "remote_user": ("remote_user", 0),
    "time_local": ("time", 0), "time_iso8601": ("time", 0), "msec": ("time", 0),
    "request": ("request", 0), "request_method": ("method", 0), "request_uri": ("uri", 0),
    "uri": ("path", 0), "document_uri": ("path", 1), "args": ("query", 0),
    "query_string": ("query", 1), "server_protocol": ("protocol", 0),
    "status": ("status", 0), "body_bytes_sent": ("bytes", 0), "bytes_sent": ("bytes", 1),
    "http_referer": ("referrer", 0), "http_user_agent": ("user_agent", 0),
    "host": ("vhost", 0), "http_host": ("vhost", 1), "server_name": ("vhost", 2),
    "request_time": ("request_time", 0),
}
NGINX_CLOCKS = {"time_local": Clock("clf"), "time_iso8601": Clock("iso"), "msec": Clock("epoch")}

# Apache directive letter (with its {argument}, lowercased) → (field, priority)
APACHE: dict[str, tuple[str, int]] = {
    "a": ("client_ip", 0), "h": ("client_ip", 1), "u": ("remote_user", 0), "t": ("time", 0),
    "r": ("request", 0), "m": ("method", 0), "U": ("path", 0), "q": ("query", 0),
    "H": ("protocol", 0), "s": ("status", 0), "b": ("bytes", 0), "B": ("bytes", 1),
    "O": ("bytes", 2), "v": ("vhost", 0), "V": ("vhost", 1), "D": ("request_time", 0),
    "T": ("request_time", 1),
    "{referer}i": ("referrer", 0), "{user-agent}i": ("user_agent", 0), "{host}i": ("vhost", 2),
}
# Request-duration units, in milliseconds per unit.
UNITS = {"D": 0.001, "T": 1000.0, "{ms}T": 1.0, "{us}T": 0.001, "{s}T": 1000.0}

_NGINX_VAR = re.compile(r"\$(?:\{(\w+)\}|(\w+))")
_APACHE_DIRECTIVE = re.compile(r"%(?:[<>]?!?[\d,]*)(\{[^}]*\})?([a-zA-Z%])")
QUOTED = r'(?:[^"\\]|\\.)*'


@dataclass(frozen=True)
class Compiled:
    definition: str  # the format string itself
    kind: str  # nginx or apache
    pattern: str  # anchored at the start; one named group per field kept
    fields: tuple[str, ...]  # the named groups, in order
    clock: Clock
    time_unit_ms: float  # request_time × this = milliseconds
    pieces: tuple[tuple[str, str], ...] = ()  # (expression, what it matches), in order

    def prefix(self, count: int) -> str:
        """The expression of the first `count` pieces (for telling how far a line matches)."""
        return "^" + "".join(piece for piece, _ in self.pieces[:count])


def looks_like_definition(text: str) -> bool:
    return bool(_NGINX_VAR.search(text) or _APACHE_DIRECTIVE.search(text))


def compile_format(text: str) -> Compiled:
    """The expression for an nginx or Apache format definition (see the module docstring)."""
    body = _unwrap(text.strip())
    if _NGINX_VAR.search(body):
        tokens = _nginx_tokens(body)
        kind = "nginx"
    elif _APACHE_DIRECTIVE.search(body):
        tokens = _apache_tokens(body.replace('\\"', '"').replace("\\t", "\t"))
        kind = "apache"
    else:
        raise UsageError("--log-format", f"'{text}' names no known format and is not an nginx "
                         "or Apache format definition")
    return _build(text, kind, tokens)


def _unwrap(text: str) -> str:
    """The format string out of a pasted directive (log_format / LogFormat) or quotes."""
    if text.startswith("log_format"):
        parts = re.findall(r"'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"", text)
        return "".join(a or b for a, b in parts)
    if text.startswith("LogFormat"):
        found = re.search(r'"((?:[^"\\]|\\.)*)"', text)
        return found.group(1) if found else text
    if len(text) > 1 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


# A token: ("lit", text) or ("field", key, field-or-None, priority)
def _nginx_tokens(body: str) -> list[tuple]:
    tokens: list[tuple] = []
    pos = 0
    for found in _NGINX_VAR.finditer(body):
        tokens.append(("lit", body[pos:found.start()]))
        name = found.group(1) or found.group(2)
        field, prio = NGINX.get(name, (None, 0))
        tokens.append(("field", name, field, prio))
        pos = found.end()
    tokens.append(("lit", body[pos:]))
    return tokens


def _apache_tokens(body: str) -> list[tuple]:
    tokens: list[tuple] = []
    pos = 0
    for found in _APACHE_DIRECTIVE.finditer(body):
        tokens.append(("lit", body[pos:found.start()]))
        arg, letter = found.group(1) or "", found.group(2)
        pos = found.end()
        if letter == "%":
            tokens.append(("lit", "%"))
            continue
        key = arg + letter
        field, prio = APACHE.get(key, APACHE.get(arg.lower() + letter, (None, 0)))
        if letter == "T" and arg.lower() in ("{ms}", "{us}", "{s}"):
            field, prio = "request_time", 1
        if letter == "t" and arg:
            field = "time"
        tokens.append(("field", key, field, prio))
    tokens.append(("lit", body[pos:]))
    return tokens


def _build(text: str, kind: str, tokens: list[tuple]) -> Compiled:
    best: dict[str, int] = {}
    for tok in tokens:
        if tok[0] == "field" and tok[2] is not None:
            best[tok[2]] = min(best.get(tok[2], 99), tok[3])
    parts, fields, labels = ["^"], [], [""]
    clock, unit = Clock("clf"), 1000.0
    for i, tok in enumerate(tokens):
        if tok[0] == "lit":
            parts.append(re.escape(tok[1]))
            labels.append("")
            continue
        _, key, field, prio = tok
        before = _literal(tokens, i, -1)
        after = _literal(tokens, i, +1)
        value = _value_pattern(kind, key, before, after)
        keep = field is not None and field not in fields and prio == best[field]
        if keep:
            fields.append(field)
            parts.append(f"(?P<{field}>{value})")
            if field == "time":
                clock = _clock(kind, key)
            if field == "request_time":
                unit = UNITS.get(key, 1000.0) if kind == "apache" else 1000.0
        else:
            parts.append(f"(?:{value})")
        labels.append(field or key)
    if kind == "apache":  # %t carries its own brackets
        parts = [p.replace(r"(?P<time>\[[^\]]*\])", r"\[(?P<time>[^\]]*)\]") for p in parts]
    if parts[-1] == '"' and QUOTED in parts[-2]:
        parts[-1] = '(?:"|$)'  # a line cut in its last quoted field still reads, as GoAccess
    pieces = tuple((piece, label) for piece, label in zip(parts[1:], labels[1:]) if piece)
    return Compiled(text, kind, "".join(parts), tuple(fields), clock, unit, pieces)


def _literal(tokens: list[tuple], i: int, step: int) -> str:
    """The literal text right before (step -1) or after (+1) token i ('' if a field)."""
    j = i + step
    if 0 <= j < len(tokens) and tokens[j][0] == "lit":
        return tokens[j][1]
    return ""


def _value_pattern(kind: str, key: str, before: str, after: str) -> str:
    if kind == "apache" and key == "t":
        return r"\[[^\]]*\]"
    if before.endswith('"') and after.startswith('"'):
        return QUOTED
    if before.endswith("[") and after.startswith("]"):
        return r"[^\]]*"
    if after:
        stop = re.escape(after[0])
        return rf"[^{stop}]*" if after[0] != " " else r"[^ ]*"
    return r"\S*"


def _clock(kind: str, key: str) -> Clock:
    if kind == "nginx":
        return NGINX_CLOCKS.get(key, Clock("clf"))
    if key == "t":
        return Clock("clf")
    arg = key[1:-2] if key.startswith("{") else ""
    if arg in ("sec", "begin:sec", "end:sec"):
        return Clock("epoch")
    if arg.endswith(("msec", "usec")):
        return Clock("epoch_" + arg[-4:-3] + "s")
    return Clock("strftime", arg.removeprefix("begin:").removeprefix("end:"))
