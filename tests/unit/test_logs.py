"""Structured logs carry the request id."""

from __future__ import annotations

import json
import logging
import logging.config

import pytest

from tradertape.logs import (
    JsonFormatter,
    configure_logging,
    redact_query,
    request_id_var,
    uvicorn_log_config,
)


def test_json_lines_include_request_id():
    token = request_id_var.set("req-9")
    try:
        record = logging.LogRecord(
            "tradertape.api", logging.INFO, __file__, 1, "hello %s", ("x",), None
        )
        from tradertape.logs import _RequestIdFilter

        _RequestIdFilter().filter(record)
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id_var.reset(token)
    assert line["request_id"] == "req-9"
    assert line["message"] == "hello x"
    assert line["level"] == "INFO"


def test_credentials_in_query_strings_never_reach_the_access_log(
    capsys: pytest.CaptureFixture[str],
):
    """uvicorn's access log with our set-up, fed a record the way uvicorn writes one."""
    access = logging.getLogger("uvicorn.access")
    saved = (list(access.handlers), list(access.filters), access.propagate, access.level)
    logging.config.dictConfig(uvicorn_log_config())
    try:
        path = "/api/brokers/kite/callback?action=login&request_token=rt-SECRET&state=st-SECRET"
        access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "GET", path, "1.1", 302)
    finally:
        access.handlers[:], access.filters[:] = saved[0], saved[1]
        access.propagate, access.level = saved[2], saved[3]
    line = capsys.readouterr().out
    assert "/api/brokers/kite/callback?action=login&request_token=[redacted]" in line
    assert "SECRET" not in line


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("/a?page=2&status=ok", "/a?page=2&status=ok", id="harmless-kept"),
        pytest.param("/a?code=x&b=1", "/a?code=[redacted]&b=1", id="oauth-code"),
        pytest.param("/a?b=1&API_KEY=x", "/a?b=1&API_KEY=[redacted]", id="any-case"),
        pytest.param("/login?token=x#frag", "/login?token=[redacted]#frag", id="magic-link"),
        pytest.param("no query token=x", "no query token=x", id="not-a-query"),
    ],
)
def test_which_parameters_are_redacted(text: str, expected: str):
    assert redact_query(text) == expected


def test_our_own_log_lines_are_redacted(capsys: pytest.CaptureFixture[str]):
    logger = logging.getLogger("tradertape")
    saved = (list(logger.handlers), logger.propagate, logger.level)
    configure_logging(json_lines=False)
    try:
        logging.getLogger("tradertape.test").warning("callback %s", "/cb?request_token=leak")
    finally:
        logger.handlers[:] = saved[0]
        logger.propagate, logger.level = saved[1], saved[2]
    err = capsys.readouterr().err
    assert "/cb?request_token=[redacted]" in err
    assert "leak" not in err
