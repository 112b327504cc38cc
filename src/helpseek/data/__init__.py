"""Offline: unseal every record -> one row per response + codebook -> CSV/Parquet/SPSS/Stata.

`from helpseek.data import unseal_all, assemble, write_dataset, read_table` is all a caller needs.
"""

from .assemble import assemble
from .codebook import codebook_paths, withdrawn_of, write_codebook
from .dataset import MISSING_CODES, NOT_SHOWN, SHOWN_NOT_ANSWERED, Dataset, Variable
from .read import read_table
from .unseal import Progress, Unsealed, unseal_all, unseal_store
from .writers import SUFFIXES, write_all, write_dataset

__all__ = [
    "MISSING_CODES",
    "NOT_SHOWN",
    "SHOWN_NOT_ANSWERED",
    "SUFFIXES",
    "Dataset",
    "Progress",
    "Unsealed",
    "Variable",
    "assemble",
    "codebook_paths",
    "read_table",
    "unseal_all",
    "unseal_store",
    "withdrawn_of",
    "write_all",
    "write_codebook",
    "write_dataset",
]
