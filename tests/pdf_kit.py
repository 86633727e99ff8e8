"""A one-page PDF of text lines, optionally password-protected, written from scratch.

For the CAS upload tests: casparser reads PDFs through PDFium, so a real PDF (and a real
wrong password) is needed to test what reaches it. Encryption is the PDF standard security
handler, revision 2 (RC4, 40-bit key; PDF 1.7 §7.6.3), enough for PDFium to ask for the
password. No PDF library is needed (the project has none).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

_PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")
_PERMISSIONS = -44
_FILE_ID = hashlib.md5(b"tradertape test pdf").digest()  # noqa: S324 - the PDF format's


def _rc4(key: bytes, data: bytes) -> bytes:
    state = list(range(256))
    j = 0
    for i in range(256):
        j = (j + state[i] + key[i % len(key)]) % 256
        state[i], state[j] = state[j], state[i]
    out = bytearray()
    i = j = 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + state[i]) % 256
        state[i], state[j] = state[j], state[i]
        out.append(byte ^ state[(state[i] + state[j]) % 256])
    return bytes(out)


def _padded(password: str) -> bytes:
    return (password.encode("latin-1") + _PAD)[:32]


class _Security:
    def __init__(self, password: str) -> None:
        owner_key = hashlib.md5(_padded(password)).digest()[:5]  # noqa: S324
        self.owner = _rc4(owner_key, _padded(password))
        permissions = _PERMISSIONS.to_bytes(4, "little", signed=True)
        seed = _padded(password) + self.owner + permissions + _FILE_ID
        self.key = hashlib.md5(seed).digest()[:5]  # noqa: S324
        self.user = _rc4(self.key, _PAD)

    def seal(self, number: int, data: bytes) -> bytes:
        salt = number.to_bytes(3, "little") + (0).to_bytes(2, "little")
        return _rc4(hashlib.md5(self.key + salt).digest()[:10], data)  # noqa: S324

    def dictionary(self) -> bytes:
        return (
            f"<< /Filter /Standard /V 1 /R 2 /O <{self.owner.hex()}> "
            f"/U <{self.user.hex()}> /P {_PERMISSIONS} >>"
        ).encode()


def _escaped(line: str) -> str:
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


Line = str | Sequence[tuple[int, str]]


def text_pdf(lines: Sequence[Line], *, password: str | None = None, size: int = 7) -> bytes:
    """An A4 landscape page with `lines` in Helvetica, top to bottom; a line is text from
    the left margin, or cells at their x positions (a table's row)."""
    ops = ["BT", f"/F1 {size} Tf"]
    y = 560
    for line in lines:
        cells = [(30, line)] if isinstance(line, str) else list(line)
        for x, text in cells:
            ops.append(f"1 0 0 1 {x} {y} Tm ({_escaped(text)}) Tj")
        y -= size + 5
    ops.append("ET")
    content = "\n".join(ops).encode("latin-1")
    security = _Security(password) if password is not None else None
    if security is not None:
        content = security.seal(4, content)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 842 595] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    if security is not None:
        objects.append(security.dictionary())
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    encrypt = b" /Encrypt %d 0 R" % len(objects) if security is not None else b""
    out += b"trailer\n<< /Size %d /Root 1 0 R%s /ID [<%s> <%s>] >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        encrypt,
        _FILE_ID.hex().encode(),
        _FILE_ID.hex().encode(),
        xref,
    )
    return bytes(out)


def shared_page_pdf(pages: int) -> bytes:
    """A PDF of `pages` pages that are all one page object (its page tree lists the same
    reference `pages` times): a few kilobytes that a reader walks page by page."""
    kids = b" ".join([b"3 0 R"] * pages)
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 842 595] /Contents 4 0 R >>",
            b"<< /Length 0 >>\nstream\n\nendstream",
        ]
    )


def cyclic_page_tree_pdf() -> bytes:
    """A PDF whose page tree lists itself among its kids (a cycle): PDFium opens it, then
    fails on its pages."""
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 842 595] /Contents 4 0 R >>",
            b"<< /Length 0 >>\nstream\n\nendstream",
        ]
    )


def _pdf(objects: Sequence[bytes]) -> bytes:
    """`objects` numbered from 1, the first the catalog, with their cross-reference table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
