"""PSP webhook verification of the payments example (threat T-002, mitigation M-002)."""
import hashlib
import hmac
import time

MAX_SKEW_SECONDS = 300


def verify(secret: bytes, body: bytes, signature: str, timestamp: int, now: float | None = None) -> bool:
    now = time.time() if now is None else now
    if abs(now - timestamp) > MAX_SKEW_SECONDS:
        return False
    expected = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)
