"""Swedish words for the operating system's file errors: a user reading "No such file or directory" in an otherwise
Swedish message has to guess whether the product or the file is at fault."""

from __future__ import annotations

import errno

_SWEDISH = {
    errno.ENOENT: "filen eller katalogen finns inte",
    errno.EACCES: "behörighet saknas",
    errno.EPERM: "åtgärden är inte tillåten",
    errno.EISDIR: "det är en katalog, inte en fil",
    errno.ENOTDIR: "en del av sökvägen är inte en katalog",
    errno.ENOSPC: "disken är full",
    errno.EROFS: "filsystemet är skrivskyddat",
    errno.EEXIST: "filen finns redan",
    errno.ENAMETOOLONG: "sökvägen är för lång",
    errno.ELOOP: "sökvägen har för många symboliska länkar",
    errno.EMFILE: "för många öppna filer",
    errno.EIO: "läs- eller skrivfel på disken",
    errno.EBUSY: "filen är upptagen",
    errno.ETXTBSY: "filen är upptagen",
    errno.EDQUOT: "diskkvoten är slut",
    errno.EFBIG: "filen är för stor",
    errno.EINVAL: "ogiltigt argument",
}


def os_error_text(exc: OSError) -> str:
    """What went wrong, in Swedish (the system's own English words only for an error not listed here)."""
    return _SWEDISH.get(exc.errno or -1) or exc.strerror or str(exc)
