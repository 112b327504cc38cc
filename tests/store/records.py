"""What the session-step tests (test_sessions.py, test_steps.py) share: their days, a record
sealed to the research key, and the texts of a store's records as the research team reads them."""

from __future__ import annotations

from datetime import date

from helpseek.store import (
    Recipients,
    ResearchKeypair,
    Store,
    StoredRecord,
    new_record_id,
    seal_page,
    unseal_record,
)

DAY = date(2026, 11, 29)
LATER = date(2026, 11, 30)


def sealed_record(key: ResearchKeypair, text: str) -> StoredRecord:
    """A new record (fresh random id) holding `text` sealed to `key`."""
    return StoredRecord(new_record_id(), seal_page(text.encode(), Recipients((key.public_key,))))


def stored_texts(store: Store, key: ResearchKeypair) -> list[str]:
    """Every record of `store` unsealed with `key`, sorted."""
    return sorted(unseal_record(r.sealed, key.identity).decode() for r in store.iter_records())
