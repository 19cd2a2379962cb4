"""The `Signature` header of a delivery: `ts=<unix seconds>;h1=<hex HMAC-SHA256 of "<ts>:<raw body>">`, keyed with the
endpoint's secret. Receivers recompute it over the raw body they received (docs/api.md, "Webhooks");
the timestamp is signed too, so a captured delivery cannot be replayed later with a fresh `ts`."""

import hashlib
import hmac

SIGNATURE_HEADER = "Signature"


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of `"<timestamp>:" + body` with the secret (its UTF-8 bytes, prefix included) as the key."""
    return hmac.new(secret.encode(), f"{timestamp}:".encode() + body, hashlib.sha256).hexdigest()


def signature_header(*, secret: str, timestamp: int, body: bytes) -> str:
    return f"ts={timestamp};h1={signature(secret=secret, timestamp=timestamp, body=body)}"
