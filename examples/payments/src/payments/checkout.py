"""Checkout of the payments example: the amount comes from the server-side basket (threat T-008)."""


def amount_due(basket: dict[str, int], prices: dict[str, int]) -> int:
    return sum(prices[sku] * qty for sku, qty in basket.items())
