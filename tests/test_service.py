"""The whole service on the seed corpus: the Assistant, the CLI and the API answer with citations."""

import json

import qa
from qa.cli import main
from tests.conftest import SEEDS

POW_QUESTION = "How many prisoners of war did Russia and Ukraine agree to exchange?"


def test_prisoner_exchange_is_answered_with_314_citing_004(assistant):
    answer = assistant.ask(POW_QUESTION)
    assert not answer.refused
    assert "314" in answer.text and answer.short_answer == "314 prisoners of war"
    assert answer.citations[0].article_id == "004_38e88933e8b5a746"
    cited = answer.citations[0]
    body = assistant.article(cited.article_id).body
    assert body[cited.start:cited.end] == cited.quote and "314" in cited.quote
    assert all(s.supported and s.citations for s in answer.sentences)
    assert "[1]" in answer.text


def test_off_topic_question_is_refused_with_diagnostics(assistant):
    answer = assistant.ask("What is the recipe for a good sourdough bread?")
    assert answer.refused and answer.citations == ()
    assert answer.text.startswith("The articles don't say")
    assert answer.diagnostics["searched"] == "What is the recipe for a good sourdough bread?"
    assert answer.diagnostics["date_range"] == {"oldest": "2026-02-01", "newest": "2026-02-18"}
    assert answer.diagnostics["closest"]


def test_api_ask_returns_the_documented_shape(client):
    response = client.post("/api/ask", json={"question": POW_QUESTION})
    assert response.status_code == 200
    data = response.get_json()
    assert {"answer", "refused", "citations", "timings"} <= set(data)
    citation = data["citations"][0]
    assert {"n", "article_id", "title", "outlet", "published", "url", "quote", "start", "end"} <= set(citation)
    assert citation["article_id"] == "004_38e88933e8b5a746" and "314" in data["answer"]


def test_api_bad_request_has_the_error_shape(client):
    response = client.post("/api/ask", json={"question": "   "})
    assert response.status_code == 400
    assert set(response.get_json()) == {"error"} and set(response.get_json()["error"]) == {"code", "message"}
    assert client.get("/api/health").status_code == 200


def test_page_is_served_with_csp(client):
    response = client.get("/")
    assert response.status_code == 200 and b"<form" in response.data
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_cli_ingest_then_ask_json(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("QA_DATA_DIR", str(tmp_path / "data"))
    assert main(["ingest", str(SEEDS)]) == 0
    assert "5 added" in capsys.readouterr().out
    assert main(["ingest", str(SEEDS)]) == 0
    assert "nothing changed" in capsys.readouterr().out
    assert main(["ask", "--json", POW_QUESTION]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["citations"][0]["article_id"] == "004_38e88933e8b5a746"


def test_cli_errors_are_one_line_and_non_zero(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("QA_DATA_DIR", str(tmp_path / "data"))
    assert main(["ingest", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("qa: error: no such file or folder") and err.count("\n") == 1
    assert main(["ask", "anything"]) == 3  # nothing ingested yet
    assert "qa ingest" in capsys.readouterr().err


def test_public_surface_is_explicit():
    for name in qa.__all__:
        assert hasattr(qa, name), name
    public = {n for n in vars(qa) if not n.startswith("_") and not isinstance(getattr(qa, n), type(qa))}
    assert public == set(qa.__all__)
