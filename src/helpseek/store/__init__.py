"""Research keys, sealing and the sealed store (random record ids, compare-and-set session steps).

`from helpseek.store import open_store, seal_page, parse_public_keys, PageRecord` is all a caller
needs; only `store/sealing.py` touches the crypto libraries.
"""

from helpseek.store.database import (
    SessionUpdate,
    Store,
    StoredRecord,
    new_record_id,
    open_store,
)
from helpseek.store.keyfiles import load_private_key, load_public_keys, write_research_key
from helpseek.store.records import FILLER_JSON, PageRecord, ResponseStatus, is_filler
from helpseek.store.sealing import (
    Recipients,
    ResearchIdentity,
    ResearchKeypair,
    SealedRecord,
    SessionStateError,
    UnsealError,
    generate_research_keypair,
    merge_recipients,
    new_session_key,
    open_session_state,
    parse_public_keys,
    protect_private_key,
    read_public_key_of,
    seal_page,
    seal_session_state,
    unlock_private_key,
    unseal_record,
    unseal_records,
)

__all__ = [
    "FILLER_JSON",
    "PageRecord",
    "Recipients",
    "ResearchIdentity",
    "ResearchKeypair",
    "ResponseStatus",
    "SealedRecord",
    "SessionStateError",
    "SessionUpdate",
    "Store",
    "StoredRecord",
    "UnsealError",
    "generate_research_keypair",
    "is_filler",
    "load_private_key",
    "load_public_keys",
    "merge_recipients",
    "new_record_id",
    "new_session_key",
    "open_session_state",
    "open_store",
    "parse_public_keys",
    "protect_private_key",
    "read_public_key_of",
    "seal_page",
    "seal_session_state",
    "unlock_private_key",
    "unseal_record",
    "unseal_records",
    "write_research_key",
]
