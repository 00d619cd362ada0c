"""Property-based: schemathesis generates requests (valid and invalid) from the app's own
/api/openapi.json; the app must never answer 5xx nor send a status, content type or body that the spec
does not describe."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from web.openapi import PATHS

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]
# One pytest case per documented operation (from the spec module: importing it has no side effects);
# schemathesis leaves out the spec's own endpoint.
OPERATIONS = [f"{method.upper()} {path}" for path, item in PATHS.items() for method in item
              if path != "/api/openapi.json"]
# Negative data needs something to break: operations without parameters or body get positive only.
NEGATABLE = {f"{method.upper()} {path}" for path, item in PATHS.items() for method, op in item.items()
             if op.get("parameters") or op.get("requestBody")}
CASES = [(label, mode) for label in OPERATIONS for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
         if mode is GenerationMode.POSITIVE or label in NEGATABLE]
EXAMPLES = 25


@pytest.fixture(scope="module")
def api_schema(seeded_settings, assistant):
    """The spec as the running app serves it, bound to the app (requests go through WSGI, no socket)."""
    from web import create_app

    # rate limiting off: the run sends hundreds of requests from one client on purpose
    app = create_app(seeded_settings.with_(rate_limit_per_minute=0), assistant=assistant)
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


def test_every_documented_operation_is_exercised(api_schema):
    served = sorted(op.ok().label for op in api_schema.get_all_operations())
    assert served == sorted(OPERATIONS)


# schemathesis' own pytest loader (`schemathesis.pytest.from_fixture`) breaks on pytest 9, so the
# operation's Hypothesis strategy is driven directly: the same generation and the same checks.
@pytest.mark.parametrize(("label", "mode"), CASES, ids=[f"{label} {mode}" for label, mode in CASES])
def test_no_server_errors_and_responses_match_the_spec(api_schema, label, mode):
    operation = api_schema.find_operation_by_label(label)
    assert operation is not None, label

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case):
        case.call_and_validate(checks=CHECKS)

    check()
