"""The HTTP Observatory's published scoring rules (MDN HTTP Observatory, "Tests & scoring"), applied
to one response's headers, so a test can ask for A+ without the network.

Every test starts from 100 and adds its modifier; bonuses count only when the score before them is at
least 90 (the Observatory's rule). A+ is 100 or more. Implemented: Content Security Policy, Cookies,
Cross-Origin Resource Sharing, Redirection (given the answer to the same URL over http), Referrer
Policy, Strict Transport Security, Subresource Integrity, X-Content-Type-Options, X-Frame-Options and
Cross-Origin Resource Policy. HSTS "preloaded" is never claimed (that is a list, not a header).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

GRADES = [(100, "A+"), (90, "A"), (85, "A-"), (80, "B+"), (70, "B"), (65, "B-"), (60, "C+"), (50, "C")]


@dataclass
class Result:
    results: dict[str, tuple[str, int]] = field(default_factory=dict)

    def add(self, test: str, result: str, modifier: int) -> None:
        self.results[test] = (result, modifier)

    @property
    def score(self) -> int:
        penalties = sum(m for _, m in self.results.values() if m < 0)
        bonuses = sum(m for _, m in self.results.values() if m > 0)
        base = 100 + penalties
        return max(0, base + (bonuses if base >= 90 else 0))

    @property
    def grade(self) -> str:
        return next((grade for floor, grade in GRADES if self.score >= floor), "F")


def _policy(header: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.strip().split()
        if words and words[0].lower() not in directives:
            directives[words[0].lower()] = [w.lower() for w in words[1:]]
    return directives


def _csp(headers, result: Result) -> dict[str, list[str]]:
    header = headers.get("Content-Security-Policy")
    if not header:
        result.add("content-security-policy", "csp-not-implemented", -25)
        return {}
    policy = _policy(header)
    default = policy.get("default-src")
    if default is None:
        result.add("content-security-policy", "csp-header-invalid", -25)
        return policy
    script = policy.get("script-src", default)
    style = policy.get("style-src", default)
    has_nonce_or_hash = any(v.startswith(("'nonce-", "'sha256-", "'sha384-", "'sha512-")) for v in script)
    unsafe_script = any(v in ("*", "http:", "https:", "data:") for v in script) or (
        "'unsafe-inline'" in script and not has_nonce_or_hash and "'strict-dynamic'" not in script
    )
    insecure = any(v.startswith("http:") for values in policy.values() for v in values)
    objects = policy.get("object-src", default)
    unsafe_objects = any(v in ("*", "http:", "https:", "data:") for v in objects)
    if unsafe_script or unsafe_objects:
        result.add("content-security-policy", "csp-implemented-with-unsafe-inline", -20)
    elif insecure:
        result.add("content-security-policy", "csp-implemented-with-insecure-scheme", -20)
    elif "'unsafe-eval'" in script:
        result.add("content-security-policy", "csp-implemented-with-unsafe-eval", -10)
    elif "'unsafe-inline'" in style:
        result.add("content-security-policy", "csp-implemented-with-unsafe-inline-in-style-src-only", 0)
    elif default == ["'none'"]:
        result.add("content-security-policy", "csp-implemented-with-no-unsafe-default-src-none", 10)
    else:
        result.add("content-security-policy", "csp-implemented-with-no-unsafe", 0)
    return policy


def _cookies(response, hsts: bool, result: Result) -> None:
    cookies = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") if hasattr(response.headers, "get_all") else []:
        cookies.load(header)
    for morsel in getattr(response, "cookies", {}).values():
        cookies[morsel.key] = morsel
    if not cookies:
        result.add("cookies", "cookies-not-found", 0)
        return
    found = [("cookies-secure-with-httponly-sessions-and-samesite", 5)]
    for name, morsel in cookies.items():
        session = "session" in name.lower() or name.lower().endswith("sid")
        csrf = "csrf" in name.lower()
        secure, httponly, samesite = morsel["secure"], morsel["httponly"], morsel["samesite"]
        if samesite and samesite.lower() not in ("strict", "lax", "none"):
            found.append(("cookies-samesite-flag-invalid", -20))
        if session and not secure:
            found.append(("cookies-session-without-secure-flag", -40))
        elif session and not httponly:
            found.append(("cookies-session-without-httponly-flag", -30))
        elif csrf and not samesite:
            found.append(("cookies-anticsrf-without-samesite-flag", -20))
        elif not secure and hsts:
            found.append(("cookies-without-secure-flag-but-protected-by-hsts", -5))
        elif not secure:
            found.append(("cookies-without-secure-flag", -20))
        elif not samesite:
            found.append(("cookies-secure-with-httponly-sessions", 0))
    outcome, modifier = min(found, key=lambda item: item[1])
    result.add("cookies", outcome, modifier)


def _cors(headers, result: Result) -> None:
    origin = headers.get("Access-Control-Allow-Origin")
    if origin is None:
        result.add("cross-origin-resource-sharing", "cross-origin-resource-sharing-not-implemented", 0)
    elif origin.strip() == "*" and headers.get("Access-Control-Allow-Credentials", "").lower() == "true":
        result.add(
            "cross-origin-resource-sharing",
            "cross-origin-resource-sharing-implemented-with-universal-access",
            -50,
        )
    else:
        result.add(
            "cross-origin-resource-sharing", "cross-origin-resource-sharing-implemented-with-public-access", 0
        )


def _redirection(http_response, result: Result) -> None:
    if http_response is None:
        result.add("redirection", "redirection-not-needed-no-http", 0)
        return
    location = http_response.headers.get("Location", "")
    if http_response.status_code not in (301, 302, 307, 308):
        result.add("redirection", "redirection-missing", -20)
    elif urlsplit(location).scheme != "https":
        result.add("redirection", "redirection-not-to-https", -20)
    else:
        result.add("redirection", "redirection-to-https", 0)


def _referrer(headers, result: Result) -> None:
    value = (headers.get("Referrer-Policy") or "").lower().split(",")[-1].strip()
    if not value:
        result.add("referrer-policy", "referrer-policy-not-implemented", 0)
    elif value in ("no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"):
        result.add("referrer-policy", "referrer-policy-private", 5)
    elif value == "no-referrer-when-downgrade":
        result.add("referrer-policy", "referrer-policy-no-referrer-when-downgrade", 0)
    elif value in ("origin", "origin-when-cross-origin", "unsafe-url"):
        result.add("referrer-policy", "referrer-policy-unsafe", -5)
    else:
        result.add("referrer-policy", "referrer-policy-header-invalid", -5)


def _hsts(headers, result: Result) -> bool:
    value = headers.get("Strict-Transport-Security")
    if not value:
        result.add("strict-transport-security", "hsts-not-implemented", -20)
        return False
    match = re.search(r"max-age=(\d+)", value, re.I)
    if not match:
        result.add("strict-transport-security", "hsts-header-invalid", -20)
        return False
    if int(match.group(1)) < 15768000:
        result.add("strict-transport-security", "hsts-implemented-max-age-less-than-six-months", -10)
    else:
        result.add("strict-transport-security", "hsts-implemented-max-age-at-least-six-months", 0)
    return True


SCRIPT = re.compile(r"<script\b([^>]*)>", re.I)


def _sri(response, result: Result) -> None:
    if "html" not in response.headers.get("Content-Type", ""):
        result.add("subresource-integrity", "sri-not-implemented-response-not-html", 0)
        return
    html = response.content.decode(errors="replace")
    sources = [re.search(r"""src=["']([^"']+)""", attrs) for attrs in SCRIPT.findall(html)]
    sources = [m.group(1) for m in sources if m]
    if not sources:
        result.add("subresource-integrity", "sri-not-implemented-but-no-scripts-loaded", 0)
    elif any(urlsplit(src).scheme == "http" for src in sources):
        result.add(
            "subresource-integrity", "sri-not-implemented-and-external-scripts-not-loaded-securely", -50
        )
    elif any(urlsplit(src).netloc for src in sources):
        result.add("subresource-integrity", "sri-not-implemented-but-external-scripts-loaded-securely", -5)
    else:
        result.add(
            "subresource-integrity", "sri-not-implemented-but-all-scripts-loaded-from-secure-origin", 0
        )


def _nosniff(headers, result: Result) -> None:
    value = (headers.get("X-Content-Type-Options") or "").strip().lower()
    if not value:
        result.add("x-content-type-options", "x-content-type-options-not-implemented", -5)
    elif value == "nosniff":
        result.add("x-content-type-options", "x-content-type-options-nosniff", 0)
    else:
        result.add("x-content-type-options", "x-content-type-options-header-invalid", -5)


def _framing(headers, policy: dict, result: Result) -> None:
    if "frame-ancestors" in policy:
        result.add("x-frame-options", "x-frame-options-implemented-via-csp", 5)
        return
    value = (headers.get("X-Frame-Options") or "").strip().lower()
    if not value:
        result.add("x-frame-options", "x-frame-options-not-implemented", -20)
    elif value in ("deny", "sameorigin"):
        result.add("x-frame-options", "x-frame-options-sameorigin-or-deny", 0)
    else:
        result.add("x-frame-options", "x-frame-options-header-invalid", -20)


def _corp(headers, result: Result) -> None:
    value = (headers.get("Cross-Origin-Resource-Policy") or "").strip().lower()
    if not value:
        result.add("cross-origin-resource-policy", "corp-not-implemented", 0)
    elif value in ("same-origin", "same-site", "cross-origin"):
        result.add("cross-origin-resource-policy", f"corp-implemented-with-{value}", 0)
    else:
        result.add("cross-origin-resource-policy", "corp-header-invalid", -5)


def score(response, http_response=None) -> Result:
    """The Observatory's result for `response` (over https); `http_response`: the same URL over http."""
    headers = response.headers
    result = Result()
    policy = _csp(headers, result)
    hsts = _hsts(headers, result)
    _cookies(response, hsts, result)
    _cors(headers, result)
    _redirection(http_response, result)
    _referrer(headers, result)
    _sri(response, result)
    _nosniff(headers, result)
    _framing(headers, policy, result)
    _corp(headers, result)
    return result
