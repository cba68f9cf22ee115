"""The one way a configured URL may appear in output, logs, errors, the index and JSON: without
its secrets (docs/architecture.md, Settings).

The URLs of services (``CAIRN_IPFS_API``, ``CAIRN_ARWEAVE_URL``, ``CAIRN_CHAIN_RPC``,
``CAIRN_INDEX_URL``) and of peers (``--from``, ``--to``) may carry credentials, in three places:

- the user info: ``http://user:password@host`` (shown ``user:***@``), or a token alone as the
  user (``https://TOKEN@host``, shown ``***@``);
- the query: ``?apikey=…`` (every value shown ``***``; the keys stay);
- the path of a web API: ``https://rpc.example/v3/KEY``. A path segment of 12 characters or more,
  or of 8 or more that holds a digit, is taken for a key (``/v3/***``): hiding an ordinary long
  segment costs a reader little, showing a key costs its owner the key. ``/api/v0`` and a
  database's name stay. The fragment is dropped.

``redact_url`` gives the URL fit to show; ``scrub`` removes the same secrets from any text (what
a library said about a URL: httpx names the URL it failed on, a driver its user), for the places
where such text is passed on.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

SECRET = "***"
_WEB = ("http", "https", "ws", "wss")
_MIN_SECRET = 3  # shorter "secrets" are left in other text: replacing them would garble it


def redact_url(url: str) -> str:
    """``url`` as it may be shown: scheme, host, port, user name and ordinary path kept."""
    parsed = _split(url)
    if parsed is None:
        return "<a URL that does not parse>"
    scheme, user, password, hostport, path, query = parsed
    if password is not None:
        userinfo = f"{user}:{SECRET}@"
    elif user:
        userinfo = f"{SECRET}@"
    else:
        userinfo = ""
    if scheme.lower() in _WEB:
        path = "/".join(SECRET if _looks_like_key(unquote(part)) else part for part in path.split("/"))
    if query:
        pairs = (pair.partition("=") for pair in query.split("&"))
        query = "?" + "&".join(f"{key}={SECRET}" if sep else SECRET for key, sep, _ in pairs)
    prefix = f"{scheme}://" if scheme else ""
    return f"{prefix}{userinfo}{hostport}{path}{query}"


def url_secrets(url: str) -> list[str]:
    """The parts of ``url`` that ``redact_url`` hides, as written and percent-decoded."""
    parsed = _split(url)
    if parsed is None:
        return [url]
    scheme, user, password, _, path, query = parsed
    found = [password] if password else ([user] if user else [])
    if scheme.lower() in _WEB:
        found += [part for part in path.split("/") if _looks_like_key(unquote(part))]
    found += [value for _, _, value in (pair.partition("=") for pair in query.split("&")) if value]
    fragment = url.partition("#")[2]
    found += [fragment] if fragment else []
    forms = {form for secret in found for form in (secret, unquote(secret))}
    return sorted((s for s in forms if len(s) >= _MIN_SECRET), key=len, reverse=True)


def scrub(text: str, *urls: str | None) -> str:
    """``text`` with every secret of ``urls`` replaced by ``***`` (the longest first)."""
    for url in urls:
        if url:
            for secret in url_secrets(url):
                text = text.replace(secret, SECRET)
    return text


def _split(url: str) -> tuple[str, str, str | None, str, str, str] | None:
    """(scheme, user, password or None, host[:port], path, query), or None if it does not parse."""
    text = url.strip()
    try:
        parts = urlsplit(text if "://" in text else "//" + text)
    except ValueError:
        return None
    userinfo, at, hostport = parts.netloc.rpartition("@")
    user, colon, password = userinfo.partition(":")
    return parts.scheme, user if at else "", password if colon else None, hostport, parts.path, parts.query


def _looks_like_key(segment: str) -> bool:
    return len(segment) >= 12 or (len(segment) >= 8 and any(ch.isdigit() for ch in segment))
