"""OAuth callback of the payments example (covered by threat T-001, mitigation M-001)."""

ALLOWED_REDIRECTS = frozenset({"https://shop.example.com/checkout/return"})


def redirect_target(redirect_uri: str) -> str:
    # Exact-match allowlist: prefix or pattern matching can be bypassed with crafted hosts.
    if redirect_uri not in ALLOWED_REDIRECTS:
        raise ValueError("redirect_uri is not registered")
    return redirect_uri
