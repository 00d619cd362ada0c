"""The server as a hostile client meets it: foreign Host names (DNS rebinding), forged Origins, keys in
URLs, bodies that are deep, surrogate-laden, huge or chunked past the limit, numbers past int()'s digit
limit, and a few hundred stalled connections against the real default server (waitress). Nothing may
answer 5xx, and every refusal is a 4xx in the one error shape."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import LiveServer

POW_QUESTION = "How many prisoners of war did Russia and Ukraine agree to exchange?"
KEY = "qa-hostile-KEY-93b1f0c2"
BEARER = {"Authorization": f"Bearer {KEY}"}


def make_app(assistant, settings):
    from web import create_app

    app = create_app(settings, assistant=assistant)
    app.config["TESTING"] = True
    return app


@pytest.fixture()
def keyed(seeded_settings, assistant):
    return make_app(assistant, seeded_settings.with_(api_key=KEY, rate_limit_per_minute=0,
                                                     allowed_hosts="qa.example.org,.corp.example"))


@pytest.fixture(scope="module")
def open_app(seeded_settings, assistant):
    return make_app(assistant, seeded_settings.with_(rate_limit_per_minute=0))


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    data = response.get_json()
    assert set(data) == {"error"} and set(data["error"]) == {"code", "message"}, data
    if code:
        assert data["error"]["code"] == code, data
    return data["error"]


# ---- allowed hosts -------------------------------------------------------------------------------

ROUTES = [("GET", "/"), ("GET", "/static/app.js"), ("GET", "/api/health"), ("GET", "/api/session"),
          ("GET", "/api/ready"), ("POST", "/api/ask"), ("POST", "/v1/chat/completions"), ("GET", "/nowhere")]


@pytest.mark.parametrize("host", ["attacker.example", "attacker.example:5000", "127.0.0.1.attacker.example",
                                  "localhost.attacker.example", "qa.example.org.evil", "corp.example.evil",
                                  "", "local host", "[::2]", "10.0.0.5", "localhost:99999", "ⓛocalhost"])
def test_a_foreign_host_is_refused_before_any_route(keyed, host):
    client = keyed.test_client()
    for method, path in ROUTES:
        response = client.open(path, method=method, headers={"Host": host, **BEARER},
                               json={"question": POW_QUESTION})
        assert_error(response, 400, "unknown_host")
        assert "Set-Cookie" not in response.headers


def test_a_dns_rebinding_page_gets_neither_a_session_nor_an_answer(keyed):
    """A page of attacker.example rebound to our address posts with its own Host and a matching Origin."""
    client = keyed.test_client()
    foreign = {"Host": "attacker.example:5000", "Origin": "http://attacker.example:5000"}
    assert_error(client.post("/api/session", json={"key": KEY}, headers=foreign), 400, "unknown_host")
    assert_error(client.post("/api/ask", json={"question": POW_QUESTION}, headers={**foreign, **BEARER}),
                 400, "unknown_host")


@pytest.mark.parametrize("host", ["localhost", "localhost:5000", "127.0.0.1:5000", "[::1]:5000", "LOCALHOST",
                                  "qa.example.org", "qa.example.org:443", "corp.example", "a.b.corp.example"])
def test_our_own_names_are_served(keyed, host):
    assert keyed.test_client().get("/api/ready", headers={"Host": host, **BEARER}).status_code == 200


def test_the_bound_address_and_a_wildcard_are_allowed(seeded_settings, assistant):
    from web.hosts import with_bound_host

    bound = make_app(assistant, seeded_settings.with_(allowed_hosts=with_bound_host("", "192.168.7.7")))
    assert bound.test_client().get("/api/health", headers={"Host": "192.168.7.7:5000"}).status_code == 200
    assert bound.test_client().get("/api/health", headers={"Host": "192.168.7.8"}).status_code == 400
    assert with_bound_host("a.example", "0.0.0.0") == "a.example" and with_bound_host("", "::") == ""
    anything = make_app(assistant, seeded_settings.with_(allowed_hosts="*"))
    assert anything.test_client().get("/api/health", headers={"Host": "any.example"}).status_code == 200
    assert anything.test_client().get("/api/health", headers={"Host": "bad host"}).status_code == 400


# ---- origins of state-changing requests ----------------------------------------------------------


@pytest.mark.parametrize("origin", ["http://attacker.example", "null", "http://localhost:8081",
                                    "file://", "http://localhost/path", "localhost",
                                    "http://qa.example.org"])
def test_a_post_from_another_origin_is_refused_even_with_the_key(keyed, origin):
    client = keyed.test_client()
    for path, body in (("/api/ask", {"question": POW_QUESTION}), ("/api/session", {"key": KEY}),
                       ("/v1/chat/completions", {"model": "news-qa", "messages": [{"role": "user", "content": "x"}]})):
        assert_error(client.post(path, json=body, headers={"Origin": origin, **BEARER}), 403, "forbidden_origin")


def test_posts_from_our_own_origin_or_a_cors_origin_or_no_browser_are_taken(seeded_settings, assistant):
    app = make_app(assistant, seeded_settings.with_(api_key=KEY, rate_limit_per_minute=0,
                                                    cors_origins="https://app.example"))
    client = app.test_client()
    ask = {"question": POW_QUESTION}
    assert client.post("/api/ask", json=ask, headers={"Origin": "http://localhost", **BEARER}).status_code == 200
    # behind a proxy that ends TLS the page is https while the app sees http: the same name, either scheme
    assert client.post("/api/ask", json=ask, headers={"Origin": "https://localhost", **BEARER}).status_code == 200
    assert client.post("/api/ask", json=ask, headers={"Origin": "https://app.example", **BEARER}).status_code == 200
    assert client.post("/api/ask", json=ask, headers=BEARER).status_code == 200  # curl, the openai client
    assert client.get("/api/ready", headers={"Origin": "http://attacker.example", **BEARER}).status_code == 200


# ---- keys in URLs --------------------------------------------------------------------------------


@pytest.mark.parametrize("query", [f"api_key={KEY}", f"key={KEY}", f"access_token={KEY}", f"TOKEN={KEY}",
                                   f"limit=5&apiKey={KEY}", f"password={KEY}", f"q={KEY}", f"x={KEY}&y=1"])
def test_a_key_in_the_query_string_is_refused_whatever_its_name(keyed, query):
    for path in ("/api/ready", "/api/articles", "/v1/models", "/"):
        error = assert_error(keyed.test_client().get(f"{path}?{query}"), 400, "credential_in_url")
        assert KEY not in error["message"] and "Authorization" in error["message"]


def test_the_access_line_shows_no_part_of_a_query():
    from web.security import loggable_uri

    assert loggable_uri("/api/ready", "") == "/api/ready"
    for query in (f"limit=5&api_key={KEY}", f"q={KEY}&&{KEY}", KEY, f"{KEY}=1"):
        assert loggable_uri("/api/articles", query) == "/api/articles?…"


# ---- malformed bodies and parameters -------------------------------------------------------------

POSTS = ["/api/ask", "/api/ask/stream", "/api/search", "/api/session", "/v1/chat/completions"]
DEEP = 100_000
HOSTILE_BODIES = {
    "deep array": b'{"question": ' + b"[" * DEEP + b"]" * DEEP + b"}",
    "deep object": b'{"question": ' + b'{"a":' * 1000 + b"1" + b"}" * 1000 + b"}",
    "33 levels": b'{"question": ' + b"[" * 32 + b"]" * 32 + b"}",
    "deep unclosed": b"[" * DEEP,
    "surrogate name": b'{"question": "x", "\\ud800": 1}',
    "surrogate value": b'{"question": "\\udfff", "query": "\\ud800x"}',
    "surrogate in history": b'{"question": "x", "history": [{"role": "user", "content": "\\ud83d"}]}',
    "huge int": b'{"question": "x", "k": ' + b"9" * 5000 + b"}",
    "huge float": b'{"question": "x", "k": 1e999999}',
    "nan": b'{"question": "x", "k": NaN}',
    "negative infinity": b'{"question": "x", "k": -Infinity}',
    "invalid utf-8": b'{"question": "\xff\xfe\xfa"}',
    "empty": b"",
    "null": b"null",
    "string": b'"question"',
    "array": b"[]",
    "nul in name": b'{"question": "x", "a\\u0000b": 1}',
    "long name": b'{"question": "x", "' + b"n" * 20_000 + b'": 1}',
    "many names": b"{" + b",".join(b'"f%d": 1' % i for i in range(5000)) + b"}",
    "duplicate names": b'{"question": "x", "question": ["y"]}',
    "wrong types": b'{"question": {"$gt": ""}, "k": "5", "history": "x", "filters": [1], "messages": 3}',
    "long question": json.dumps({"question": "why " * 15_000}).encode(),
}


@pytest.mark.parametrize("name", list(HOSTILE_BODIES))
def test_hostile_bodies_get_a_4xx_on_every_post_route(keyed, name):
    client = keyed.test_client()
    client.post("/api/session", json={"key": KEY})  # signed in, so the body is what gets judged
    for path in POSTS:
        response = client.post(path, data=HOSTILE_BODIES[name], content_type="application/json")
        assert 400 <= response.status_code < 500, (path, response.status_code, response.get_data(as_text=True)[:200])
        error = assert_error(response, response.status_code)
        json.dumps(error, ensure_ascii=False).encode("utf-8")  # the message itself is valid text


def test_json_in_other_unicode_encodings_is_read_or_refused_never_failed(keyed):
    client = keyed.test_client()
    for raw in ('{"question": "x"}'.encode("utf-16"), b'\xef\xbb\xbf{"question": "x"}',
                '{"question": "x"}'.encode("utf-32-le")):
        response = client.post("/api/ask", data=raw, content_type="application/json", headers=BEARER)
        assert response.status_code in (200, 400), response.get_data(as_text=True)[:200]


@pytest.mark.parametrize("query", ["limit=" + "9" * 5000, "offset=" + "1" * 4301, "limit=" + "0" * 4400 + "5",
                                   "limit=-1", "limit=1e3", "limit=５", "offset=0x10", "since=99999-99-99",
                                   "until=" + "2" * 5000, "outlet=%ED%A0%80", "outlet=" + "o" * 20_000,
                                   "limit=5&limit=6", "%ED%A0%80=1", "unknown=" + "u" * 5000])
def test_hostile_query_parameters_get_a_4xx(keyed, query):
    response = keyed.test_client().get(f"/api/articles?{query}", headers=BEARER)
    assert response.status_code < 500, response.get_data(as_text=True)[:200]
    if response.status_code != 200:
        assert_error(response, 400, "bad_request")


def test_bodies_past_the_limit_are_413_in_the_error_shape(keyed):
    client = keyed.test_client()
    big = b'{"question": "' + b"x" * (64 * 1024) + b'"}'
    assert_error(client.post("/api/ask", data=big, content_type="application/json", headers=BEARER), 413)


# ---- property-based: any JSON-ish body, any route ------------------------------------------------

TEXT = st.text(alphabet=st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF,
                                      categories=None), max_size=30)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | TEXT
JSONISH = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
                       max_leaves=20)
FIELDS = st.fixed_dictionaries({}, optional={
    "question": JSONISH, "query": JSONISH, "history": JSONISH, "filters": JSONISH, "k": JSONISH,
    "answerer": JSONISH, "key": JSONISH, "model": st.just("news-qa") | JSONISH, "messages": JSONISH,
    "stream": JSONISH, "n": JSONISH, "stream_options": JSONISH}) | JSONISH


def encoded(value) -> bytes:
    """JSON as a client may send it: lone surrogates escaped, NaN and Infinity spelled as Python does."""
    return json.dumps(value, ensure_ascii=True).encode("ascii")


@pytest.mark.parametrize("path", POSTS)
def test_no_generated_body_gets_a_5xx(open_app, path):
    client = open_app.test_client()

    @given(body=FIELDS)
    @settings(max_examples=60, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def check(body):
        response = client.post(path, data=encoded(body), content_type="application/json")
        assert response.status_code < 500, (body, response.get_data(as_text=True)[:200])

    check()


@given(query=st.dictionaries(st.sampled_from(["limit", "offset", "outlet", "since", "until", "x"]), TEXT, max_size=4),
       article=TEXT)
@settings(max_examples=80, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
def test_no_generated_query_or_path_gets_a_5xx(open_app, query, article):
    from urllib.parse import quote, urlencode

    client = open_app.test_client()
    params = urlencode({k: v.encode("utf-8", "surrogatepass") for k, v in query.items()})
    assert client.get(f"/api/articles?{params}").status_code < 500
    path = quote(article.encode("utf-8", "surrogatepass"), safe="")
    for prefix in ("/api/articles/", "/v1/models/", "/static/"):
        assert client.get(prefix + path).status_code < 500, prefix + path


# ---- the real default server: waitress -----------------------------------------------------------


class LiveDefaultServer(LiveServer):
    """The real default server, with a raw socket to send what no HTTP client library would."""

    def raw(self, request: bytes, timeout: float = 30) -> tuple[int, dict]:
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as sock:
            sock.sendall(request)
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        return int(head.split()[1]), json.loads(body)


@pytest.fixture(scope="module")
def live(open_app):
    with LiveDefaultServer(open_app) as server:
        yield server


def test_a_chunked_body_past_the_limit_is_413_from_the_real_server(live):
    chunk = b"x" * 65536
    body = b'{"question": "' + chunk * 160 + b'"}'  # 10 MB, sent in chunks with no Content-Length
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 65536]), body[i:i + 65536])
                       for i in range(0, len(body), 65536)) + b"0\r\n\r\n"
    head = (b"POST /api/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
    try:
        status, data = live.raw(head + chunked)
    except (BrokenPipeError, ConnectionResetError):
        pytest.fail("the server cut the connection instead of answering 413")
    assert status == 413 and set(data["error"]) == {"code", "message"}
    # the same with a Content-Length, and a small chunked body is still answered
    status, data = live.raw(b"POST /api/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                            b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body))
    assert status == 413 and data["error"]["code"]
    small = json.dumps({"question": POW_QUESTION}).encode()
    status, data = live.raw(head + b"%x\r\n%s\r\n0\r\n\r\n" % (len(small), small))
    assert status == 200 and "314" in data["answer"]


def test_a_malformed_request_gets_the_error_shape_from_the_real_server(live):
    status, data = live.raw(b"POST /api/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
                            b"Connection: close\r\n\r\nzz\r\n")
    assert 400 <= status < 500 and set(data["error"]) == {"code", "message"}
    status, data = live.raw(b"GET /api/health HTTP/1.1\r\nHost: attacker.example\r\nConnection: close\r\n\r\n")
    assert status == 400 and data["error"]["code"] == "unknown_host"


@pytest.mark.slow
def test_hundreds_of_stalled_clients_do_not_keep_an_answer_from_anyone(open_app):
    """400 connections that send headers and then stall (half a body, half the headers): the server
    holds them on its event loop, not in threads, and still answers a question at once."""
    stalled: list[socket.socket] = []
    with LiveDefaultServer(open_app) as live:
        threads_before = threading.active_count()
        try:
            for i in range(400):
                sock = socket.create_connection(("127.0.0.1", live.port), timeout=10)
                if i % 2:
                    sock.sendall(b"POST /api/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                 b"Content-Length: 4000\r\n\r\n{\"question\": \"")
                else:
                    sock.sendall(b"POST /api/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-")
                stalled.append(sock)
            time.sleep(1.0)
            started = time.monotonic()
            request = urllib.request.Request(f"http://127.0.0.1:{live.port}/api/ask", method="POST",
                                             data=json.dumps({"question": POW_QUESTION}).encode(),
                                             headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=20) as response:
                answer = json.load(response)
            waited = time.monotonic() - started
            threads_during = threading.active_count()
        finally:
            for sock in stalled:
                sock.close()
    print(f"\n400 stalled connections: answered in {waited * 1000:.0f} ms; "
          f"threads {threads_before} before, {threads_during} while stalled")
    assert "314" in answer["answer"]
    assert threads_during <= threads_before + 1  # no thread per connection
    assert waited < 10


@pytest.mark.slow
def test_idle_connections_are_closed_and_the_connection_bound_holds(open_app):
    """Past the connection limit new clients wait in the backlog; idle ones are dropped after the timeout,
    which frees room again (limits shrunk so the test is quick)."""
    with LiveDefaultServer(open_app, connection_limit=20, channel_timeout=2, cleanup_interval=1) as live:
        idle = [socket.create_connection(("127.0.0.1", live.port), timeout=10) for _ in range(30)]
        try:
            time.sleep(0.5)
            started = time.monotonic()
            with urllib.request.urlopen(f"http://127.0.0.1:{live.port}/api/health", timeout=30) as response:
                assert json.load(response) == {"status": "ok"}
            waited = time.monotonic() - started
            closed = 0
            for sock in idle:
                sock.settimeout(5)
                try:
                    closed += sock.recv(1) == b""
                except (TimeoutError, ConnectionResetError):
                    closed += 1
        finally:
            for sock in idle:
                sock.close()
    assert waited >= 1.0  # it waited for the idle ones to be dropped: the bound held
    assert closed >= 20  # every accepted idle connection was closed by the server
