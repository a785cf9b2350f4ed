"""User names as typed into a login form: one key per person, and a form safe to keep.

A directory compares user names loosely (OpenLDAP's ``uid`` ignores case and width, so
``ALICE``, ``ａｌｉｃｅ`` and ``𝐚𝐥𝐢𝐜𝐞`` all find alice). Anything counted per name before the
directory has answered (the login throttle) must fold those forms the same way, or each form
buys a fresh quota. After a login the directory's own name is used, never the typed one.

What is typed into the name field is often a password typed into the wrong field: it is never
written to a log or the audit trail as typed, only masked.
"""

from __future__ import annotations

import unicodedata

# Characters a directory's string preparation (RFC 4518) maps to nothing: soft hyphen,
# zero-width and other invisible format characters, controls.
_INVISIBLE = frozenset({"Cf", "Cc"})


def fold_name(typed: str) -> str:
    """The form under which two spellings of one name compare equal: NFKC, casefolded (twice,
    as casefolding can leave text NFKC changes again), invisible characters dropped, inner
    whitespace collapsed to one space, ends trimmed."""
    text = unicodedata.normalize("NFKC", typed).casefold()
    text = unicodedata.normalize("NFKC", text).casefold()
    visible = "".join(c for c in text if unicodedata.category(c) not in _INVISIBLE)
    return " ".join(visible.split())


def mask_name(typed: str) -> str:
    """``p…(9)``: the first character and the length, enough to tell attempts apart in a log,
    too little to read back a password typed into the name field."""
    name = typed.strip()
    if not name:
        return "(empty)"
    first = name[0] if name[0].isprintable() and not name[0].isspace() else "?"
    return f"{first}…({len(name)})"


def entry_name(dn: str, attribute: str, values: object) -> str:
    """A directory entry's own user name, never the typed one (that is only what the directory
    matched): its ``attribute`` value; of several, the one that names the entry in its DN
    (``uid=alice,ou=people``), else the first in order; with none, the DN."""
    listed = values if isinstance(values, list | tuple) else [values] if values else []
    names = sorted(str(v) for v in listed if v)
    rdn = dn.split(",", 1)[0].casefold()
    named = [n for n in names if rdn == f"{attribute}={n}".casefold()]
    return (named or names or [dn])[0]
