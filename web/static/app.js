"use strict";
// The chat page. Corpus text and answers are data: every string goes in with textContent, never innerHTML.

function el(tag, attrs = {}, text = "") {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text) node.textContent = text;
  return node;
}

async function postJSON(url, body) {
  const response = await fetch(url, {
    method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({error: {message: response.statusText}}));
  if (!response.ok) throw new Error((data.error && data.error.message) || response.statusText);
  return data;
}

function renderAnswer(data) {
  const box = el("article", {class: "answer"});
  const text = el("p", {class: data.refused ? "answer-text refused" : "answer-text"});
  for (const sentence of data.sentences.length ? data.sentences : [{text: data.answer, citations: []}]) {
    const span = el("span", {class: sentence.supported === false ? "sentence unsupported" : "sentence"}, sentence.text);
    text.append(span);
    for (const n of sentence.citations) {
      text.append(" ");
      text.append(el("sup", {class: "cite"}, `[${n}]`));
    }
    text.append(" ");
  }
  box.append(text);
  const cited = data.citations || [];
  if (cited.length) {
    const list = el("ol", {class: "sources", "aria-label": "Sources"});
    const seen = new Set();
    for (const c of cited) {
      if (seen.has(c.n)) continue;
      seen.add(c.n);
      const item = el("li", {value: String(c.n)});
      item.append(el("strong", {}, c.title));
      item.append(el("span", {class: "muted"}, ` — ${[c.outlet, c.published || "undated"].filter(Boolean).join(", ")}`));
      item.append(el("blockquote", {}, c.quote));
      list.append(item);
    }
    box.append(list);
  } else if (data.refused && data.diagnostics && data.diagnostics.closest) {
    box.append(el("p", {class: "muted"}, "Closest passages:"));
    const list = el("ul", {class: "sources"});
    for (const p of data.diagnostics.closest) {
      const item = el("li");
      item.append(el("strong", {}, p.title));
      item.append(el("blockquote", {}, p.quote));
      list.append(item);
    }
    box.append(list);
  }
  return box;
}

async function loadCorpus() {
  const line = document.getElementById("corpus");
  try {
    const response = await fetch("/api/health");
    const data = await response.json();
    line.textContent = data.chunks
      ? `${data.articles} articles, ${data.chunks} passages, newest ${data.newest || "undated"}`
      : "The index is empty: run qa ingest.";
  } catch (err) {
    line.textContent = "The service is not reachable.";
  }
}

function setup() {
  const form = document.getElementById("ask-form");
  const input = document.getElementById("question");
  const thread = document.getElementById("thread");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const question = input.value.trim();
    if (!question) return;
    thread.append(el("p", {class: "question"}, question));
    const pending = el("p", {class: "muted pending"}, "Searching the articles…");
    thread.append(pending);
    input.value = "";
    try {
      const data = await postJSON("/api/ask", {question});
      pending.replaceWith(renderAnswer(data));
    } catch (err) {
      pending.replaceWith(el("p", {class: "error", role: "alert"}, `Error: ${err.message}`));
    }
    input.focus();
  });
  loadCorpus();
}

document.addEventListener("DOMContentLoaded", setup);
