"""Offline: unseal every record -> one row per response + codebook -> CSV/Parquet/SPSS/Stata.

`from helpseek.data import unseal_all, assemble, write_dataset, read_table` is all a caller needs.
"""

from .assemble import assemble
from .codebook import codebook_paths, write_codebook
from .dataset import MISSING_CODES, NOT_SHOWN, SHOWN_NOT_ANSWERED, Dataset, Variable
from .read import read_table
from .unseal import Progress, unseal_all
from .writers import SUFFIXES, write_all, write_dataset

__all__ = [
    "MISSING_CODES",
    "NOT_SHOWN",
    "SHOWN_NOT_ANSWERED",
    "SUFFIXES",
    "Dataset",
    "Progress",
    "Variable",
    "assemble",
    "codebook_paths",
    "read_table",
    "unseal_all",
    "write_all",
    "write_codebook",
    "write_dataset",
]
