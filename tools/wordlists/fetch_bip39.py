"""Fetch the BIP-39 word lists that helpseek's codes use, at the commit they were taken from.

    python tools/wordlists/fetch_bip39.py src/helpseek/codes/wordlists/

Writes en.txt, es.txt, fr.txt, it.txt and pt.txt byte for byte as bitcoin/bips has them (MIT licence,
bip-0039.mediawiki) and checks each file's SHA-256 against the value recorded below and in
src/helpseek/codes/wordlists/README.md. The `<lang>.avoid.txt` files are ours (hand-made: see
that README); this script never touches them.
"""

from __future__ import annotations

import hashlib
import sys
import urllib.request
from pathlib import Path

COMMIT = "7fe0b034ec967b52a5a28276419117326df93263"
LISTS = {
    "en": ("english.txt", "2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda"),
    "es": ("spanish.txt", "46846a5a0139d1e3cb77293e521c2865f7bcdb82c44e8d0a06a2cd0ecba48c0b"),
    "fr": ("french.txt", "ebc3959ab7801a1df6bac4fa7d970652f1df76b683cd2f4003c941c63d517e59"),
    "it": ("italian.txt", "d392c49fdb700a24cd1fceb237c1f65dcc128f6b34a8aacb58b59384b5c648c2"),
    "pt": ("portuguese.txt", "2685e9c194c82ae67e10ba59d9ea5345a23dc093e92276fc5361f6667d79cd3f"),
}


def main(out: Path) -> None:
    for language, (name, sha256) in LISTS.items():
        url = f"https://raw.githubusercontent.com/bitcoin/bips/{COMMIT}/bip-0039/{name}"
        with urllib.request.urlopen(url, timeout=30) as response:
            data = response.read()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise SystemExit(f"{url}: SHA-256 differs from the recorded one")
        (out / f"{language}.txt").write_bytes(data)
        print(f"{language}.txt <- bitcoin/bips@{COMMIT}:bip-0039/{name}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "src/helpseek/codes/wordlists"))
