"""Checks the schema fuzzer runs beside its own (tests/e2e/test_fuzz.py loads this module through
SCHEMATHESIS_HOOKS): what the services promise of every error, whatever their OpenAPI documents
say."""

from __future__ import annotations

import json
import re
from typing import Any

import schemathesis

# A V8 stack frame: `at fn (/app/x.js:1:2)`, `at /app/x.js:1:2`, `at async fn (node:internal/...)`.
STACK_FRAME = re.compile(r"\bat (?:async )?(?:\S+ \()?(?:/|file:|node:)[^\s\"()]*:\d+:\d+")
ERROR_FIELDS = ("statusCode", "error", "message", "requestId")


@schemathesis.check
def no_stack_trace(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case[Any]
) -> None:
    text = response.text or ""
    assert STACK_FRAME.search(text) is None, f"a stack frame in the answer: {text[:300]}"
    assert '"stack"' not in text, f"a stack in the answer: {text[:300]}"


@schemathesis.check
def errors_are_error_bodies(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case[Any]
) -> None:
    if response.status_code < 400:
        return
    body = json.loads(response.text or "null")
    assert isinstance(body, dict), f"{response.status_code} without a JSON object: {response.text[:300]}"
    missing = [name for name in ERROR_FIELDS if name not in body]
    assert not missing, f"{response.status_code} body lacks {missing}: {response.text[:300]}"
    assert body["statusCode"] == response.status_code, response.text[:300]
    answered = response.headers.get("x-request-id", [None])[0]
    assert body["requestId"] == answered, f"requestId {body['requestId']!r}, x-request-id {answered!r}"
