"""Security at the edge (web/security.py and the app's headers): the optional API key and the page's
own-origin cookie, per-client rate limits with 429 + Retry-After, CORS closed by default, security
headers on every response, article ids that cannot reach the file system, and secrets that never
show up in responses, logs or the CLI's output."""

from __future__ import annotations

import hmac
import json
import logging
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

from qa.config import Settings
from tests.conftest import free_port, wait_for_port
from tests.openai_replay import ReplayServer

POW_QUESTION = "How many prisoners of war did Russia and Ukraine agree to exchange?"
POW_ARTICLE = "004_38e88933e8b5a746"
KEY = "qa-test-API-KEY-4f9c2a71e0d3b8"
LLM_KEY = "sk-test-LLM-KEY-a81b7c0e55d2f3"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    data = response.get_json()
    assert set(data) == {"error"} and set(data["error"]) == {"code", "message"}
    assert data["error"]["code"] == code and data["error"]["message"]
    return data["error"]


def make_app(assistant, settings: Settings):
    from web import create_app

    app = create_app(settings, assistant=assistant)
    app.config["TESTING"] = True
    return app


@pytest.fixture()
def keyed(seeded_settings, assistant):
    """An app whose API needs KEY; rate limiting off so only the key decides."""
    return make_app(assistant, seeded_settings.with_(api_key=KEY, rate_limit_per_minute=0))


def bearer(key: str = KEY) -> dict:
    return {"Authorization": f"Bearer {key}"}


# ---- the API key ---------------------------------------------------------------------------------

PROTECTED = [
    ("POST", "/api/ask", {"question": POW_QUESTION}),
    ("POST", "/api/ask/stream", {"question": POW_QUESTION}),
    ("POST", "/api/search", {"query": POW_QUESTION}),
    ("GET", "/api/articles", None),
    ("GET", f"/api/articles/{POW_ARTICLE}", None),
    ("GET", "/api/ready", None),
    ("GET", "/api/openapi.json", None),
    ("GET", "/api/no-such-route", None),
    ("GET", "/v1/models", None),
    ("POST", "/v1/chat/completions", {"model": "news-qa", "messages": [{"role": "user", "content": POW_QUESTION}]}),
]


@pytest.mark.parametrize(("method", "path", "body"), PROTECTED, ids=[f"{m} {p}" for m, p, _ in PROTECTED])
def test_every_api_route_needs_the_key_when_one_is_configured(keyed, method, path, body):
    client = keyed.test_client()
    for headers in ({}, bearer("wrong-key"), bearer(KEY + "x"), bearer(KEY[:-1]), {"Authorization": KEY},
                    {"Authorization": f"Basic {KEY}"}, {"Authorization": "Bearer"}, {"X-API-Key": KEY}):
        response = client.open(path, method=method, json=body, headers=headers)
        error = assert_error(response, 401, "unauthorized")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert KEY not in response.get_data(as_text=True) and KEY not in str(response.headers)
        assert "Authorization: Bearer" in error["message"]
    response = client.open(path, method=method, json=body, headers=bearer())
    assert response.status_code == (404 if "no-such" in path else 200)


def test_health_stays_open_and_the_key_scheme_is_case_insensitive(keyed):
    client = keyed.test_client()
    assert client.get("/api/health").status_code == 200
    assert client.get("/v1/models", headers={"Authorization": f"bearer {KEY}"}).status_code == 200
    assert client.get("/v1/models", headers={"Authorization": f"Bearer  {KEY} "}).status_code == 200


def test_no_key_configured_means_an_open_api(client):
    assert client.get("/v1/models").status_code == 200
    assert client.get("/api/ready").status_code == 200


def test_the_key_is_compared_in_constant_time(keyed, monkeypatch):
    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((len(a), len(b)))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    client = keyed.test_client()
    assert client.get("/v1/models", headers=bearer("short")).status_code == 401
    assert client.get("/v1/models", headers=bearer()).status_code == 200
    # both compared as SHA-256 digests: equal lengths whatever was sent, so the length does not leak
    assert calls == [(32, 32), (32, 32)]


def test_the_openai_client_uses_the_key_as_its_api_key(keyed):
    # openai.OpenAI(api_key=...) sends exactly this header
    response = keyed.test_client().post(
        "/v1/chat/completions", headers={"Authorization": f"Bearer {KEY}", "User-Agent": "OpenAI/Python"},
        json={"model": "news-qa", "messages": [{"role": "user", "content": POW_QUESTION}]})
    assert response.status_code == 200 and "314" in response.get_json()["choices"][0]["message"]["content"]


# ---- the page: signing in for a session ----------------------------------------------------------

PAGE_PASSWORD = "page-pass-7d1e"
FORGED_HEADERS = [
    {"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost", "Referer": "http://localhost/"},
    {"Origin": "http://localhost"},
    {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty"},
    {"Referer": "http://localhost/", "X-Requested-With": "XMLHttpRequest"},
    {"Cookie": "qa_page=page; qa_session=page; session=1"},
    {},
]


def session_cookie(response) -> str:
    [cookie] = [v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("qa_session=")]
    return cookie


def signed_in(app, secret: str = KEY):
    client = app.test_client()
    response = client.post("/api/session", json={"key": secret}, headers={"Origin": "http://localhost"})
    assert response.status_code == 200 and response.get_json() == {"required": True, "authenticated": True}
    return client, session_cookie(response)


@pytest.mark.parametrize(("method", "path", "body"), PROTECTED, ids=[f"{m} {p}" for m, p, _ in PROTECTED])
def test_an_anonymous_client_holding_all_the_page_gives_gets_no_api_route(keyed, method, path, body):
    client = keyed.test_client()
    page = client.get("/")
    assert page.status_code == 200 and "Set-Cookie" not in page.headers  # the page hands out nothing
    html = page.get_data(as_text=True)
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        fetched = client.get(asset)
        assert "Set-Cookie" not in fetched.headers
        html += fetched.get_data(as_text=True)
    assert "/static/app.js" in html and KEY not in html
    assert client.get("/api/session").get_json() == {"required": True, "authenticated": False}
    for headers in FORGED_HEADERS:
        assert_error(client.open(path, method=method, json=body, headers=headers), 401, "unauthorized")


def test_signing_in_with_the_key_gives_a_strict_httponly_session_for_every_route(keyed):
    client, cookie = signed_in(keyed)
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie and "Max-Age=" in cookie
    assert KEY not in cookie
    assert client.get("/api/session").get_json() == {"required": True, "authenticated": True}
    for method, path, body in PROTECTED:
        response = client.open(path, method=method, json=body)  # the cookie alone, as the page sends it
        assert response.status_code == (404 if "no-such" in path else 200), path
    ask = client.post("/api/ask", json={"question": POW_QUESTION}, headers={"Origin": "http://localhost"})
    assert "314" in ask.get_json()["answer"]
    # signing out ends it
    out = client.delete("/api/session")
    assert out.status_code == 200 and "qa_session=;" in session_cookie(out)
    assert_error(client.get("/api/ready"), 401, "unauthorized")


def test_a_wrong_key_signs_nothing_in(keyed):
    client = keyed.test_client()
    for sent in ("wrong", KEY + "x", KEY[:-1], KEY.upper(), " " + KEY):
        response = client.post("/api/session", json={"key": sent})
        assert_error(response, 401, "unauthorized")
        assert "Set-Cookie" not in response.headers
    for body in ({}, {"key": ""}, {"key": 7}, {"key": "x" * 1001}, {"key": KEY, "user": "me"}):
        assert_error(client.post("/api/session", json=body), 400, "bad_request")
    assert_error(client.get("/api/ready"), 401, "unauthorized")


def test_a_page_password_signs_in_the_page_but_is_no_api_key(seeded_settings, assistant):
    app = make_app(assistant, seeded_settings.with_(api_key=KEY, page_password=PAGE_PASSWORD,
                                                    rate_limit_per_minute=0))
    client, _ = signed_in(app, PAGE_PASSWORD)
    assert client.get("/api/ready").status_code == 200
    signed_in(app, KEY)  # the key signs in too
    assert_error(app.test_client().get("/api/ready", headers=bearer(PAGE_PASSWORD)), 401, "unauthorized")
    # a page password alone closes the API to everyone but signed-in pages
    alone = make_app(assistant, seeded_settings.with_(page_password=PAGE_PASSWORD, rate_limit_per_minute=0))
    assert_error(alone.test_client().get("/api/ready"), 401, "unauthorized")
    client, _ = signed_in(alone, PAGE_PASSWORD)
    assert client.get("/api/ready").status_code == 200


def test_forged_stale_or_foreign_sessions_are_refused(keyed, seeded_settings, assistant, monkeypatch):
    client, cookie = signed_in(keyed)
    good = cookie.split(";")[0].split("=", 1)[1]
    for value in ("page", good[:-2] + "xx", good + "x", "", "x" * 3000, good.split(".")[0]):
        client.set_cookie("qa_session", value)
        assert client.get("/api/ready").status_code == 401
    # signed by an app with another key: changing QA_API_KEY ends every session
    other = make_app(assistant, seeded_settings.with_(api_key="another-key", rate_limit_per_minute=0))
    _, foreign = signed_in(other, "another-key")
    client.set_cookie("qa_session", foreign.split(";")[0].split("=", 1)[1])
    assert client.get("/api/ready").status_code == 401
    # expired: half a day and a bit later
    client.set_cookie("qa_session", good)
    assert client.get("/api/ready").status_code == 200
    for site in ("cross-site", "same-site"):  # the browser says another page sent it
        assert client.get("/api/ready", headers={"Sec-Fetch-Site": site}).status_code == 401
    later = time.time() + 12 * 3600 + 60
    monkeypatch.setattr(time, "time", lambda: later)
    assert client.get("/api/ready").status_code == 401


def test_without_a_key_the_page_needs_no_sign_in(client):
    assert "Set-Cookie" not in client.get("/").headers
    assert client.get("/api/session").get_json() == {"required": False, "authenticated": True}
    assert client.post("/api/session", json={"key": "anything"}).get_json()["required"] is False
    assert client.get("/api/ready").status_code == 200


def limited_app(seeded_settings, assistant, per_minute=3, **changes):
    return make_app(assistant, seeded_settings.with_(rate_limit_per_minute=per_minute, **changes))


def test_over_the_limit_is_429_with_retry_after(seeded_settings, assistant):
    client = limited_app(seeded_settings, assistant).test_client()
    assert [client.get("/v1/models").status_code for _ in range(3)] == [200, 200, 200]
    response = client.post("/api/ask", json={"question": POW_QUESTION})
    error = assert_error(response, 429, "too_many_requests")
    retry = int(response.headers["Retry-After"])
    assert 1 <= retry <= 20 and f"{retry} s" in error["message"]  # 3 a minute: one back every 20 s
    for header, value in SECURITY_HEADERS.items():
        assert response.headers[header] == value


def test_limits_are_per_client_and_spare_health_the_page_and_static(seeded_settings, assistant):
    client = limited_app(seeded_settings, assistant, per_minute=2).test_client()
    one = {"REMOTE_ADDR": "10.0.0.1"}
    two = {"REMOTE_ADDR": "10.0.0.2"}
    assert [client.get("/v1/models", environ_base=one).status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/v1/models", environ_base=two).status_code == 200
    for _ in range(5):
        assert client.get("/api/health", environ_base=one).status_code == 200
        assert client.get("/", environ_base=one).status_code == 200
        assert client.get("/static/app.js", environ_base=one).status_code == 200
        assert client.options("/api/ask", environ_base=one).status_code == 200


def test_wrong_keys_are_rate_limited_too(seeded_settings, assistant):
    client = limited_app(seeded_settings, assistant, per_minute=5, api_key=KEY).test_client()
    statuses = [client.get("/v1/models", headers=bearer(f"guess-{i}")).status_code for i in range(8)]
    assert statuses == [401] * 5 + [429] * 3  # guessing the key costs the same as asking


def test_zero_turns_rate_limiting_off(seeded_settings, assistant):
    client = limited_app(seeded_settings, assistant, per_minute=0).test_client()
    assert {client.get("/v1/models").status_code for _ in range(300)} == {200}


def test_negative_limits_are_refused_at_start_up(seeded_settings, assistant):
    from qa.errors import BadInput

    with pytest.raises(BadInput, match="RATE_LIMIT"):
        limited_app(seeded_settings, assistant, per_minute=-1)
    settings = Settings.from_env({"QA_RATE_LIMIT_PER_MINUTE": "30", "QA_RATE_LIMIT_BURST": "5"})
    assert (settings.rate_limit_per_minute, settings.rate_limit_burst) == (30, 5)


def test_token_bucket_refills_at_its_rate_and_allows_its_burst():
    from web.security import RateLimiter

    now = [100.0]
    limiter = RateLimiter(per_minute=60, burst=3, clock=lambda: now[0])
    assert [limiter.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("a") == pytest.approx(1.0)  # one a second
    now[0] += 0.5
    assert limiter.take("a") == pytest.approx(0.5)
    now[0] += 0.5
    assert limiter.take("a") == 0.0
    now[0] += 3600
    assert [limiter.take("a") for _ in range(4)][-1] > 0  # refills to the burst, not beyond


def test_token_bucket_is_exact_under_threads():
    from web.security import RateLimiter

    limiter = RateLimiter(per_minute=100, clock=lambda: 0.0)
    granted = []
    barrier = threading.Barrier(8)

    def hammer():
        barrier.wait()
        granted.extend(1 for _ in range(50) if limiter.take("same") == 0.0)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(granted) == 100


def test_token_bucket_memory_is_bounded(monkeypatch):
    import web.security as security

    monkeypatch.setattr(security, "MAX_CLIENTS", 50)
    now = [0.0]
    limiter = security.RateLimiter(per_minute=60, burst=2, clock=lambda: now[0])
    for i in range(500):
        now[0] += 0.001
        limiter.take(f"10.0.{i // 256}.{i % 256}")
    assert len(limiter._buckets) <= 51


# ---- CORS ----------------------------------------------------------------------------------------

PREFLIGHT = {"Origin": "https://app.example", "Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "content-type, authorization"}


def cors_headers(response) -> dict:
    return {k: v for k, v in response.headers.items() if k.lower().startswith("access-control-")}


def test_cors_is_closed_by_default(client):
    for response in (
        client.options("/api/ask", headers=PREFLIGHT),
        client.options("/v1/chat/completions", headers=PREFLIGHT),
        client.post("/api/ask", json={"question": POW_QUESTION}, headers={"Origin": "https://app.example"}),
        client.get("/api/ready", headers={"Origin": "https://app.example"}),
        client.get("/api/nope", headers={"Origin": "https://app.example"}),
        client.get("/", headers={"Origin": "https://app.example"}),
    ):
        assert cors_headers(response) == {}, response.headers


def test_cors_allows_only_the_configured_origins(seeded_settings, assistant):
    app = make_app(assistant, seeded_settings.with_(cors_origins="https://app.example, https://other.example/",
                                                    api_key=KEY, rate_limit_per_minute=0))
    client = app.test_client()
    preflight = client.options("/api/ask", headers=PREFLIGHT)  # no key needed: browsers send none here
    assert preflight.status_code == 200
    assert cors_headers(preflight) == {
        "Access-Control-Allow-Origin": "https://app.example",
        "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
        "Access-Control-Allow-Headers": "Authorization, Content-Type",
        "Access-Control-Max-Age": "600",
        "Access-Control-Expose-Headers": "Retry-After",
    }
    assert "Origin" in preflight.headers["Vary"]
    actual = client.post("/api/ask", json={"question": POW_QUESTION},
                         headers={"Origin": "https://other.example", **bearer()})
    assert actual.status_code == 200 and actual.headers["Access-Control-Allow-Origin"] == "https://other.example"
    assert "Access-Control-Allow-Credentials" not in actual.headers
    # a cross-origin request without the key is refused, and the browser may read why
    refused = client.get("/api/ready", headers={"Origin": "https://app.example"})
    assert refused.status_code == 401 and refused.headers["Access-Control-Allow-Origin"] == "https://app.example"
    for origin in ("https://evil.example", "https://app.example.evil.example", "http://app.example"):
        assert cors_headers(client.options("/api/ask", headers={**PREFLIGHT, "Origin": origin})) == {}
        assert cors_headers(client.get("/v1/models", headers={"Origin": origin, **bearer()})) == {}


def test_bad_cors_origins_are_refused_at_start_up(seeded_settings, assistant):
    from qa.errors import BadInput

    with pytest.raises(BadInput, match="CORS"):
        make_app(assistant, seeded_settings.with_(cors_origins="app.example"))


# ---- security headers on every response ----------------------------------------------------------


class Broken:
    """An assistant that fails with an unexpected error (a bug): the app must still answer 500 properly."""

    def ask(self, *args, **kwargs):
        raise RuntimeError("boom")


def test_security_headers_are_on_every_kind_of_response(client, seeded_settings, assistant):
    limited = limited_app(seeded_settings, assistant, per_minute=1).test_client()
    limited.get("/v1/models")
    keyed = make_app(assistant, seeded_settings.with_(api_key=KEY, rate_limit_per_minute=0)).test_client()
    broken = make_app(Broken(), seeded_settings.with_(rate_limit_per_minute=0)).test_client()
    responses = {
        "page": client.get("/"),
        "static js": client.get("/static/app.js"),
        "static css": client.get("/static/app.css"),
        "static missing": client.get("/static/nope.js"),
        "health": client.get("/api/health"),
        "ready": client.get("/api/ready"),
        "ask": client.post("/api/ask", json={"question": POW_QUESTION}),
        "ask stream": client.post("/api/ask/stream", json={"question": POW_QUESTION}),
        "article": client.get(f"/api/articles/{POW_ARTICLE}"),
        "openapi": client.get("/api/openapi.json"),
        "v1 models": client.get("/v1/models"),
        "400": client.post("/api/ask", json={"question": ""}),
        "404 api": client.get("/api/nope"),
        "404 page": client.get("/nope"),
        "405": client.get("/api/ask"),
        "413": client.post("/api/ask", data=b"x" * 70_000, content_type="application/json"),
        "options": client.options("/api/ask"),
        "401": keyed.get("/api/ready"),
        "429": limited.get("/v1/models"),
        "500": broken.post("/api/ask", json={"question": POW_QUESTION}),
    }
    assert {name: r.status_code for name, r in responses.items()} == {
        "page": 200, "static js": 200, "static css": 200, "static missing": 404, "health": 200, "ready": 200,
        "ask": 200, "ask stream": 200, "article": 200, "openapi": 200, "v1 models": 200, "400": 400,
        "404 api": 404, "404 page": 404, "405": 405, "413": 413, "options": 200, "401": 401, "429": 429,
        "500": 500,
    }
    for name, response in responses.items():
        for header, value in SECURITY_HEADERS.items():
            assert response.headers.get(header) == value, (name, header)
        assert "default-src 'self'" in response.headers.get("Content-Security-Policy", ""), name
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], name
    assert_error(responses["500"], 500, "internal_error")
    assert "boom" not in responses["500"].get_data(as_text=True)


# ---- article ids never reach a file --------------------------------------------------------------

HOSTILE_IDS = [
    "..%2F..%2Fetc%2Fpasswd",
    "../../x",
    "../../../../etc/passwd",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "..%5C..%5Cwindows%5Cwin.ini",
    "..",
    ".hidden",
    "%252e%252e%252fetc%252fpasswd",
    "%C0%AE%C0%AE%2Fetc%2Fpasswd",
    "a%00b",
    "%00",
    "..%00/etc/passwd",
    "%0d%0aSet-Cookie:%20x=1",
    "%ff%fe",
    "a" * 201,
    "a" * 20_000,
    "004_38e88933e8b5a746%2F..%2F..%2Fpyproject.toml",
    "%2Fetc%2Fpasswd",
]


@pytest.mark.parametrize("article_id", HOSTILE_IDS, ids=[i[:40] for i in HOSTILE_IDS])
def test_hostile_article_ids_are_4xx_in_the_error_shape(client, article_id):
    response = client.get(f"/api/articles/{article_id}")
    assert 400 <= response.status_code < 500, response.status_code
    error = assert_error(response, response.status_code, "bad_request" if response.status_code == 400 else "not_found")
    text = response.get_data(as_text=True)
    assert "root:" not in text and "[project]" not in text and "[fonts]" not in text
    assert "Set-Cookie" not in response.headers
    assert len(error["message"]) < 400  # a 20 000-character id is not echoed back whole


def test_static_files_cannot_climb_out_of_their_folder(client):
    for path in ("/static/../__init__.py", "/static/..%2F__init__.py", "/static/%2e%2e/%2e%2e/pyproject.toml",
                 "/static/..%5C..%5Cpyproject.toml", "/static//etc/passwd"):
        response = client.get(path)
        if response.status_code == 308:  # werkzeug merges "//": the redirect stays inside /static/
            assert response.headers["Location"].endswith("/static/etc/passwd"), path
            response = client.get(response.headers["Location"])
        assert 400 <= response.status_code < 500, path
        text = response.get_data(as_text=True)
        assert "create_app" not in text and "[project]" not in text and "root:" not in text


# ---- secrets -------------------------------------------------------------------------------------


def secret_settings(seeded_settings, **env) -> Settings:
    """Settings built the way entry points build them: from QA_* variables, with both secrets set."""
    return Settings.from_env({"QA_API_KEY": KEY, "QA_LLM_API_KEY": LLM_KEY, "QA_LLM_MODEL": "replay-model",
                              "QA_DATA_DIR": str(seeded_settings.data_dir), "QA_RATE_LIMIT_PER_MINUTE": "0",
                              "QA_LLM_TIMEOUT_S": "2", **env})


def test_secrets_never_appear_in_responses_or_logs(seeded_settings, embedder, assistant, caplog):
    from qa.assistant import Assistant

    caplog.set_level(logging.DEBUG)
    seen: list[str] = []

    def record(response):
        seen.append(response.get_data(as_text=True))
        seen.append(str(response.headers))
        return response

    ask = {"question": POW_QUESTION, "answerer": "llm"}
    closed_port = free_port()
    with ReplayServer(status=401) as refusing, ReplayServer(status=500) as failing:
        for base_url in (f"http://127.0.0.1:{closed_port}/v1", refusing.base_url, failing.base_url):
            settings = secret_settings(seeded_settings, QA_LLM_BASE_URL=base_url)
            app = make_app(Assistant(settings, assistant.store, embedder), settings)
            client = app.test_client()
            for headers in ({}, bearer("wrong"), {"Authorization": f"Basic {KEY}"}):
                record(assert_response(client.post("/api/ask", json=ask, headers=headers), 401))
            answer = record(assert_response(client.post("/api/ask", json=ask, headers=bearer()), 200)).get_json()
            assert answer["answerer"] == "extractive" and answer["fallback_reason"]  # the LLM failed
            record(client.post("/api/ask/stream", json=ask, headers=bearer()))
            record(client.post("/v1/chat/completions", headers=bearer(), json={
                "model": "news-qa", "answerer": "llm", "messages": [{"role": "user", "content": POW_QUESTION}]}))
            record(client.post("/api/ask", json={"question": ""}, headers=bearer()))
            record(client.get("/api/ready", headers=bearer()))
            record(client.get("/"))
        # the LLM key was really in use: the servers saw it, and nothing else did
        assert refusing.requests[0]["headers"]["authorization"] == f"Bearer {LLM_KEY}"
        assert failing.requests[0]["headers"]["authorization"] == f"Bearer {LLM_KEY}"
    # an unexpected failure is logged with its traceback: still no secret in it
    settings = secret_settings(seeded_settings)
    broken = make_app(Broken(), settings).test_client()
    record(assert_response(broken.post("/api/ask", json=ask, headers=bearer()), 500))

    logged = caplog.text + "".join(f"{r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records)
    assert "LLM call failed" in logged and "unhandled error" in logged and "no valid API key" in logged
    for secret in (KEY, LLM_KEY):
        assert secret not in logged
        assert not [s for s in seen if secret in s]


def assert_response(response, status: int):
    assert response.status_code == status, response.get_data(as_text=True)
    return response


@pytest.mark.slow
def test_cli_status_and_serve_start_up_print_no_secrets(seeded_settings, tmp_path):
    env = {**os.environ, "QA_API_KEY": KEY, "QA_LLM_API_KEY": LLM_KEY, "QA_DATA_DIR": str(seeded_settings.data_dir),
           "QA_LLM_BASE_URL": f"http://127.0.0.1:{free_port()}/v1", "QA_LLM_MODEL": "replay-model"}
    status = subprocess.run([sys.executable, "-m", "qa.cli", "-v", "status"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert status.returncode == 0 and '"articles": 5' in status.stdout
    assert KEY not in status.stdout + status.stderr and LLM_KEY not in status.stdout + status.stderr

    port = free_port()
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "qa.cli", "-v", "serve", "--port", str(port)],
                                cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, timeout=90, proc=proc)
        for path, headers, status in (("/api/ready", {}, 401), ("/api/ready", bearer(), 200),
                                      (f"/api/ready?api_key={KEY}", {}, 400),
                                      (f"/api/articles?limit=5&x={KEY}", bearer(), 400), (f"/?{KEY}", {}, 400)):
            request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    assert response.status == status
            except urllib.error.HTTPError as exc:
                assert exc.code == status
    finally:
        proc.terminate()
        proc.wait(30)
    output = log.read_text()
    assert "serving on http://127.0.0.1" in output and "/api/ready" in output  # its start-up and access log
    assert '"GET /api/ready?…" 400' in output  # a refused key in the URL is logged without it
    assert KEY not in output and LLM_KEY not in output


def test_settings_never_print_their_secrets_through_the_error_vocabulary():
    from qa.errors import BadInput

    with pytest.raises(BadInput) as caught:
        Settings.from_env({"QA_API_KEY": KEY, "QA_RATE_LIMIT_PER_MINUTE": "lots"})
    assert KEY not in caught.value.message



def test_an_llm_server_echoing_the_key_does_not_put_it_in_our_logs(seeded_settings, embedder, assistant, caplog):
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from qa.assistant import Assistant

    class Echo(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            sent = self.headers.get("Authorization", "")[len("Bearer "):]
            body = json.dumps({"error": {"message": f"Incorrect API key provided: {sent}",
                                          "type": "invalid_request_error"}}).encode()
            self.send_response(401)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    port = free_port()
    httpd = ThreadingHTTPServer(("127.0.0.1", port), Echo)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        caplog.set_level(logging.DEBUG)
        settings = secret_settings(seeded_settings, QA_LLM_BASE_URL=f"http://127.0.0.1:{port}/v1")
        client = make_app(Assistant(settings, assistant.store, embedder), settings).test_client()
        response = client.post("/api/ask", json={"question": POW_QUESTION, "answerer": "llm"}, headers=bearer())
        assert response.status_code == 200 and LLM_KEY not in response.get_data(as_text=True)
        assert response.get_json()["fallback_reason"] == "the LLM server answered HTTP 401"
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert LLM_KEY not in caplog.text


# ---- the page with a key, in a real browser ------------------------------------------------------


@pytest.mark.browser
def test_the_page_signs_in_with_the_key_in_chromium_and_another_origin_gets_nothing(seeded_settings, assistant):
    """Chromium sends what browsers send (cookie, Origin, Sec-Fetch-Site): the page asks for the key once,
    then asks and reads articles on its session; a page on another port of the same host (same site, other
    origin) gets nothing, even from the signed-in browser."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, LiveServer, _unavailable

    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        _unavailable("playwright is not installed: pip install -e '.[test]'")
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium)")

    app = make_app(assistant, seeded_settings.with_(api_key=KEY, rate_limit_per_minute=0))
    seen: list[tuple[str, str, int, str]] = []  # (path, Sec-Fetch-Site, status, Origin)

    @app.after_request
    def record(response):
        from flask import request

        if request.path.startswith("/api/"):
            seen.append((request.path, request.headers.get("Sec-Fetch-Site", ""), response.status_code,
                         request.headers.get("Origin", "")))
        return response

    class Other(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            body = b"<!doctype html><title>elsewhere</title>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    other = ThreadingHTTPServer(("127.0.0.1", free_port()), Other)
    threading.Thread(target=other.serve_forever, args=(0.05,), daemon=True).start()
    try:
        with LiveServer(app) as live, sync_playwright() as pw:
            chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                page = chromium.new_context().new_page()
                page.set_default_timeout(15_000)
                page.goto(live.url + "/")
                expect(page.locator("html")).to_have_attribute("data-ready", "true")
                expect(page.locator("#corpus")).to_have_text("Sign in to read the articles.")
                expect(page.locator("#ask-form")).to_be_hidden()
                key_box = page.get_by_label("Key")
                expect(key_box).to_be_focused()
                key_box.fill("not-the-key")
                key_box.press("Enter")
                expect(page.locator("#sign-in-error")).to_have_text("That key is not right.")
                key_box.fill(KEY)
                page.get_by_role("button", name="Sign in").click()
                expect(page.locator("#corpus")).to_contain_text("5 articles")  # GET /api/ready on the session
                expect(page.locator("#sign-in")).to_be_hidden()
                cookies = page.context.cookies()
                assert [(c["name"], c["httpOnly"], c["sameSite"]) for c in cookies] == [("qa_session", True, "Strict")]
                assert KEY not in json.dumps(cookies)
                box = page.get_by_label("Ask the articles a question")
                box.fill(POW_QUESTION)
                box.press("Enter")
                turn = page.locator("article.turn").last
                expect(turn.locator(".answer")).to_have_attribute("data-state", "done")
                expect(turn.locator(".short-answer")).to_have_text("314 prisoners of war")
                assert KEY not in page.content()
                own = list(seen)

                # another origin on the same host: the browser sends the cookie (same site) but says where from
                page.goto(f"http://127.0.0.1:{other.server_address[1]}/")
                outcome = page.evaluate("""async (api) => {
                    const out = [];
                    for (const init of [{credentials: "include", mode: "no-cors"},
                                        {credentials: "include", mode: "no-cors", method: "POST",
                                         headers: {"Content-Type": "text/plain"}, body: "{}"},
                                        {credentials: "include"}]) {
                        try { const r = await fetch(api, init); out.push(r.type + ":" + r.status); }
                        catch (e) { out.push("blocked"); }
                    }
                    return out;
                }""", live.url + "/api/ready")
            finally:
                chromium.close()
    finally:
        other.shutdown()
        other.server_close()

    assert [status for path, _, status, _ in own if path == "/api/session"] == [200, 401, 200]  # state, wrong, right
    assert {status for path, _, status, _ in own if path != "/api/session"} == {200}, own
    assert {site for _, site, _, _ in own} == {"same-origin"}
    # nothing reaches the other page: CORS has no allowance for it, and Cross-Origin-Resource-Policy
    # turns even the opaque no-cors responses into network errors
    assert outcome == ["blocked", "blocked", "blocked"]
    foreign = seen[len(own):]
    # the GETs carry the (same-site) cookie but the browser says where from; the POST fails the Origin check
    assert [status for _, _, status, _ in foreign] == [401, 403, 401], foreign
    assert {site for _, site, _, _ in foreign} == {"same-site"}
