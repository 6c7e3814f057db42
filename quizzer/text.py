"""Making untrusted text safe to show in a terminal.

Deck text is shared between people, so it may hold escape sequences (CSI, OSC 8
hyperlinks, OSC 52 clipboard writes), C1 controls or bidirectional overrides that
disguise what is shown. :func:`safe_text` replaces each with a visible placeholder, so
the text is shown literally and nothing reaches the terminal as a command.
"""

from __future__ import annotations

import re

__all__ = ["UNSAFE_CHARS", "safe_text"]

#: C0 controls except tab and newline, DEL, C1 controls, bidi embeddings, overrides and
#: isolates, and a stray byte-order mark.
UNSAFE_CHARS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)


def _placeholder(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # Unicode "control pictures": ␛ for ESC
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"<U+{code:04X}>"


def safe_text(text: str, keep_newlines: bool = True) -> str:
    """Return ``text`` with every terminal control character made visible.

    Args:
        text: Untrusted text.
        keep_newlines: Keep ``\\n`` (and tabs) as they are; otherwise they are shown too.
    """
    if not keep_newlines:
        text = text.replace("\n", "\u2424").replace("\t", "\u2409")
    return UNSAFE_CHARS.sub(_placeholder, text)
