"""Research keys, sealing and the sealed store (random record ids, compare-and-set session steps).

`from helpseek.store import open_store, seal_page, parse_public_keys, PageRecord` is all a caller
needs; only `store/sealing.py` touches the crypto libraries.
"""

from helpseek.store.codes import ResumeRow
from helpseek.store.database import (
    SessionUpdate,
    Store,
    StoredRecord,
    new_record_id,
    open_store,
)
from helpseek.store.engine import files_per_process, is_unavailable
from helpseek.store.keyfiles import load_private_key, load_public_keys, write_research_key
from helpseek.store.pull import PullResult, TableCount, pull
from helpseek.store.records import FILLER_JSON, PageRecord, ResponseStatus, Tombstone, is_filler
from helpseek.store.sealing import (
    CodeKeys,
    Recipients,
    ResearchIdentity,
    ResearchKeypair,
    SealedRecord,
    SessionStateError,
    UnsealError,
    derive_code_keys,
    generate_research_keypair,
    merge_recipients,
    new_session_key,
    open_session_state,
    open_short,
    parse_public_keys,
    protect_private_key,
    read_public_key_of,
    seal_page,
    seal_session_state,
    seal_short,
    unlock_private_key,
    unseal_record,
    unseal_records,
)
from helpseek.store.status import DayCount, StoreStatus, oldest_unpulled, store_status

__all__ = [
    "FILLER_JSON",
    "CodeKeys",
    "DayCount",
    "PageRecord",
    "PullResult",
    "Recipients",
    "ResearchIdentity",
    "ResearchKeypair",
    "ResponseStatus",
    "ResumeRow",
    "SealedRecord",
    "SessionStateError",
    "SessionUpdate",
    "Store",
    "StoreStatus",
    "StoredRecord",
    "TableCount",
    "Tombstone",
    "UnsealError",
    "derive_code_keys",
    "files_per_process",
    "generate_research_keypair",
    "is_filler",
    "is_unavailable",
    "load_private_key",
    "load_public_keys",
    "merge_recipients",
    "new_record_id",
    "new_session_key",
    "oldest_unpulled",
    "open_session_state",
    "open_short",
    "open_store",
    "parse_public_keys",
    "protect_private_key",
    "pull",
    "read_public_key_of",
    "seal_page",
    "seal_session_state",
    "seal_short",
    "store_status",
    "unlock_private_key",
    "unseal_record",
    "unseal_records",
    "write_research_key",
]
