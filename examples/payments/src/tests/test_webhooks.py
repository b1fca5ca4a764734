"""Tests of the example code; excluded from the model's scope with a '!' pattern."""
from payments.webhooks import verify


def test_rejects_stale_timestamp():
    assert not verify(b"k", b"{}", "sig", timestamp=0, now=10_000)
