"""Prints receipts; covered by ../threatmodel.yaml's scope."""


def print_receipt(total: int) -> str:
    return f"TOTAL {total}"
