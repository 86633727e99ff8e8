"""A CAS PDF is read in a child process bounded in CPU time and memory (issue 66): a
crafted 5 MB PDF under the page limit cost the server 132 s of CPU and 300 MB. Past either
bound the child is ended and the upload is a 422 naming the file, with nothing stored."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient

from tests.helpers import sign_in
from tests.pdf_kit import shared_page_pdf
from tradertape.runtime import Runtime
from tradertape.services.journal import cas_child


@pytest.mark.parametrize(
    ("cpu_s", "memory_bytes"),
    [
        pytest.param(0, cas_child.CAS_MEMORY_BYTES, id="no-cpu-time"),  # SIGXCPU at once
        pytest.param(cas_child.CAS_CPU_SECONDS, 1 << 20, id="1-MB"),  # no page fits
    ],
)
def test_a_read_past_its_bounds_ends_its_child_not_the_server(cpu_s: int, memory_bytes: int):
    with pytest.raises(cas_child.CasTooCostly):
        cas_child.read_bounded(
            io.BytesIO(shared_page_pdf(300)), "", cpu_s=cpu_s, memory_bytes=memory_bytes
        )


def test_within_its_bounds_the_child_answers_as_the_reader_does():
    from casparser.exceptions import CASParseError

    with pytest.raises(CASParseError, match="CAS issuer"):  # raised in the child, sent back
        cas_child.read_bounded(io.BytesIO(shared_page_pdf(3)), "")


def test_a_cas_past_its_bounds_is_a_422_naming_the_file(
    client: TestClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
):
    sign_in(client, runtime, "alice@x.in")
    monkeypatch.setattr(cas_child, "CAS_CPU_SECONDS", 0)
    answer = client.post(
        "/api/uploads/cas",
        files={"file": ("cas.pdf", shared_page_pdf(300), "application/pdf")},
        data={"password": "ABCDE1234F"},
    )
    assert answer.status_code == 422, answer.text
    (problem,) = answer.json()["detail"]
    assert problem["field"] == "file"
    assert problem["msg"].startswith("cas.pdf took more than 0 s of CPU or 1,024 MB of memory")
    assert client.get("/api/uploads").json() == []
