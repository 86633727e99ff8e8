"""A CAS PDF read in a child process bounded in CPU time and memory.

casparser walks every page of a PDF through PDFium and pdfminer; a crafted 5 MB PDF under
the 300-page limit cost 132 s of CPU and 300 MB in the server's own process before it was
refused. The read runs instead in a fresh worker of the ``forkserver`` context (no fork
of a threaded server), which first lowers its own limits: `CAS_CPU_SECONDS` of CPU
(``RLIMIT_CPU``: the kernel ends it past them) and `CAS_MEMORY_BYTES` of address space
(``RLIMIT_AS``: an allocation past it fails). A worker ended that way is `CasTooCostly`;
the reader's own errors (a wrong password, not a CAS) come back as they were raised.
"""

from __future__ import annotations

import io
import multiprocessing
import resource
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

CAS_CPU_SECONDS = 30
"""CPU a CAS may cost to read: a real one of 300 pages takes a few seconds."""
CAS_MEMORY_BYTES = 1 << 30
"""Address space the reading process may hold (the interpreter and casparser included)."""


class CasTooCostly(Exception):
    """The read ran past its CPU time or memory and was ended."""


def _read_limited(content: bytes, password: str, cpu_s: int, memory_bytes: int) -> Any:
    """In the child: lower its limits, then read (casparser imported under them too)."""
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    from casparser import read_cas_pdf

    return read_cas_pdf(io.BytesIO(content), password, output="dict")


def read_bounded(
    content: io.BytesIO,
    password: str,
    *,
    cpu_s: int = CAS_CPU_SECONDS,
    memory_bytes: int = CAS_MEMORY_BYTES,
) -> Any:
    """casparser's dict of `content`, read in a bounded child process; `CasTooCostly` when
    the child ran out of CPU time or memory."""
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        future = pool.submit(_read_limited, content.getvalue(), password, cpu_s, memory_bytes)
        try:
            return future.result()
        except (BrokenProcessPool, MemoryError) as exc:
            raise CasTooCostly(str(exc)) from None
