"""Structured logs carry the request id."""

from __future__ import annotations

import json
import logging

from tradertape.logs import JsonFormatter, request_id_var


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
