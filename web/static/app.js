// The chat page: a thread of questions and cited answers, kept in localStorage so it survives a reload.
// Corpus text and answers are data: everything is built with DOM nodes and textContent, never markup.
import {clear, el, formatDate} from "./dom.js";
import {closePanel, openSource, setupPanel} from "./panel.js";
import {answerNodes, plainText, streamingSentence} from "./render.js";
import {ApiError, ask, getJSON, postJSON} from "./stream.js";

const STORE_KEY = "news-qa.thread.v1";
const LINKED_KEY = "news-qa.linked-thread.v1"; // a tab opened from a question link keeps its own thread here
const MAX_TURNS = 30; // kept in storage
const HISTORY_TURNS = 3; // question/answer pairs sent with a follow-up
const MAX_TURN_CHARS = 4000; // the API's limit per history turn

// linked: this tab was opened from "Link to this question": its thread lives in sessionStorage (this tab
// only), and the conversation saved in localStorage is left as it was, to go back to
const state = {turns: [], pending: null, linked: false};
let $;

function byId(id) {
  return document.getElementById(id);
}

// ---- storage ------------------------------------------------------------------------------------

function storage() {
  return state.linked ? window.sessionStorage : window.localStorage;
}

function readThread(store, key) {
  try {
    const saved = JSON.parse(store.getItem(key) || "null");
    if (saved && Array.isArray(saved.turns)) {
      return {turns: saved.turns.filter((t) => t && typeof t.question === "string" && t.answer), filters: saved.filters || null};
    }
  } catch {
    // unreadable storage: start with an empty thread
  }
  return null;
}

function load() {
  let saved = null;
  try {
    saved = readThread(window.sessionStorage, LINKED_KEY);
  } catch {
    // sessionStorage disabled
  }
  state.linked = Boolean(saved);
  saved = saved || readThread(window.localStorage, STORE_KEY);
  state.turns = saved ? saved.turns : [];
  return saved ? saved.filters : null;
}

function save() {
  try {
    const turns = state.turns.filter((t) => t.answer).slice(-MAX_TURNS)
      .map(({question, filters, answer}) => ({question, filters, answer}));
    storage().setItem(state.linked ? LINKED_KEY : STORE_KEY, JSON.stringify({turns, filters: currentFilters()}));
  } catch {
    // storage full or disabled: the thread still works, it just won't survive a reload
  }
}

/** A question link opens its own thread in this tab; the saved conversation stays as it was. */
function startLinkedThread() {
  if (state.pending) state.pending.abort();
  state.pending = null;
  state.linked = true;
  state.turns = [];
  renderThread();
}

/** Leave a linked thread for the conversation saved in this browser. */
function backToSaved() {
  if (state.pending) state.pending.abort();
  state.pending = null;
  try {
    window.sessionStorage.removeItem(LINKED_KEY);
  } catch {
    // nothing kept
  }
  closePanel();
  const filters = load();
  setFilters(filters);
  renderThread();
  announce("Back to your saved conversation.");
  $.question.focus();
}

function showLinkedBanner() {
  const saved = readThread(window.localStorage, STORE_KEY);
  $.linked.hidden = !state.linked;
  $.back.hidden = !(saved && saved.turns.length);
}

// ---- filters and corpus -------------------------------------------------------------------------

function currentFilters() {
  const filters = {outlet: $.outlet.value, since: $.since.value, until: $.until.value};
  for (const key of Object.keys(filters)) if (!filters[key]) delete filters[key];
  return filters;
}

function setFilters(filters) {
  const f = filters || {};
  if (f.outlet && ![...$.outlet.options].some((o) => o.value === f.outlet)) {
    $.outlet.append(el("option", {value: f.outlet}, f.outlet));
  }
  $.outlet.value = f.outlet || "";
  $.since.value = f.since || "";
  $.until.value = f.until || "";
  showFilterSummary();
}

function describeFilters(filters) {
  const parts = [];
  if (filters.outlet) parts.push(filters.outlet);
  if (filters.since) parts.push(`from ${formatDate(filters.since)}`);
  if (filters.until) parts.push(`until ${formatDate(filters.until)}`);
  return parts.join(", ");
}

function showFilterSummary() {
  const text = describeFilters(currentFilters());
  $.filterSummary.textContent = text ? `· ${text}` : "";
  $.filters.classList.toggle("active", Boolean(text));
}

async function loadCorpus() {
  try {
    const data = await getJSON("/api/ready");
    const newest = data.newest ? `newest ${formatDate(data.newest)}` : "undated";
    $.corpus.textContent = `${data.articles} article${data.articles === 1 ? "" : "s"} · ${newest}`;
    $.corpus.title = `${data.chunks} passages, ${formatDate(data.oldest)} to ${formatDate(data.newest)}`;
    const chosen = $.outlet.value;
    for (const outlet of data.outlets || []) {
      if (![...$.outlet.options].some((o) => o.value === outlet)) $.outlet.append(el("option", {value: outlet}, outlet));
    }
    $.outlet.value = chosen;
    for (const input of [$.since, $.until]) {
      if (data.oldest) input.min = data.oldest;
      if (data.newest) input.max = data.newest;
    }
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      $.corpus.textContent = "Sign in to read the articles.";
      askForKey();
      return;
    }
    $.corpus.textContent = err instanceof ApiError && err.status === 503
      ? "No articles loaded: run qa ingest." : "The service is not reachable.";
    $.corpus.classList.add("error");
  }
}

// ---- the thread ---------------------------------------------------------------------------------

function permalink(turn) {
  const url = new URL(window.location.pathname, window.location.href);
  url.searchParams.set("q", turn.question);
  for (const [key, value] of Object.entries(turn.filters || {})) url.searchParams.set(key, value);
  return url.href;
}

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = el("textarea", {class: "visually-hidden", readonly: true});
    area.value = text;
    document.body.append(area);
    area.select();
    const ok = document.execCommand("copy");
    area.remove();
    return ok;
  }
}

function actions(turn) {
  const copy = el("button", {type: "button", class: "secondary small copy"}, "Copy answer");
  copy.addEventListener("click", async () => {
    const ok = await copyText(plainText(turn.question, turn.answer));
    copy.textContent = ok ? "Copied" : "Copy failed";
    announce(ok ? "Copied the answer and its sources." : "The answer could not be copied.");
    setTimeout(() => { copy.textContent = "Copy answer"; }, 2000);
  });
  const ms = turn.answer.timings && turn.answer.timings.total_ms;
  return el("div", {class: "actions"}, copy,
    el("a", {class: "permalink", href: permalink(turn)}, "Link to this question"),
    ms !== undefined ? el("span", {class: "timing"}, `${Math.round(ms)} ms`) : null);
}

function fillAnswer(box, turn) {
  clear(box);
  box.removeAttribute("aria-busy");
  if (turn.error) {
    box.dataset.state = "error";
    box.append(el("p", {class: "error", role: "alert"}, turn.error));
    if (turn.retry) {
      const retry = el("button", {type: "button", class: "secondary retry"}, "Retry");
      retry.addEventListener("click", () => {
        turn.node.remove();
        if ($.question.value.trim() === turn.question) $.question.value = "";
        submit(turn.question, turn.filters || {});
      });
      box.append(retry);
    }
    return;
  }
  box.dataset.state = turn.answer.refused ? "refused" : "done";
  box.append(...answerNodes(turn.answer, {onClosest: (p, button) => openSource(p, button)}), actions(turn));
}

function turnElement(turn) {
  const filters = describeFilters(turn.filters || {});
  const node = el("article", {class: "turn"},
    el("h2", {class: "question"}, turn.question),
    filters ? el("p", {class: "turn-filters"}, `Filters: ${filters}`) : null);
  const box = el("div", {class: "answer", "data-state": "pending"});
  node.append(box);
  turn.node = node;
  turn.box = box;
  if (turn.answer || turn.error) fillAnswer(box, turn);
  return node;
}

function renderThread() {
  showLinkedBanner();
  clear($.thread);
  $.empty.hidden = state.turns.length > 0;
  $.thread.append($.empty);
  for (const turn of state.turns) $.thread.append(turnElement(turn));
}

function announce(text) {
  $.announcer.textContent = "";
  // a fresh text node after a tick is announced even when it repeats the last one
  window.setTimeout(() => { $.announcer.textContent = text; }, 50);
}

/** Scroll a finished turn into view (from its question) when the sticky question box hides part of it. */
function reveal(node) {
  const rect = node.getBoundingClientRect();
  const bottom = $.form.getBoundingClientRect().top;
  if (rect.top < 0 || rect.bottom > bottom) {
    const smooth = window.matchMedia("(prefers-reduced-motion: no-preference)").matches;
    node.scrollIntoView({block: "start", behavior: smooth ? "smooth" : "auto"});
  }
}

function recentHistory() {
  const history = [];
  for (const turn of state.turns.filter((t) => t.answer).slice(-HISTORY_TURNS)) {
    history.push({role: "user", content: turn.question.slice(0, MAX_TURN_CHARS)},
      {role: "assistant", content: (turn.answer.answer || "").slice(0, MAX_TURN_CHARS)});
  }
  return history;
}

async function submit(question, filters) {
  if (state.pending) state.pending.abort();
  const history = recentHistory();
  const turn = {question, filters};
  state.turns.push(turn);
  $.empty.hidden = true;
  $.thread.append(turnElement(turn));
  const box = turn.box;
  box.setAttribute("aria-busy", "true");
  box.append(el("p", {class: "muted pending"}, "Searching the articles…"));
  const text = el("p", {class: "answer-text streaming"});
  $.status.textContent = "Searching the articles…";
  reveal(turn.node);
  const controller = new AbortController();
  state.pending = controller;
  const body = {question, history};
  if (Object.keys(filters).length) body.filters = filters;
  const draft = el("p", {class: "answer-text draft"});
  const handlers = {
    onSentence(sentence) {
      // checked sentences replace the raw text the model wrote
      if (!text.isConnected) clear(box).append(text);
      text.append(...streamingSentence(sentence));
    },
    onToken(chunk) {
      if (text.isConnected) return;
      if (!draft.isConnected) clear(box).append(draft);
      draft.append(chunk);
    },
  };
  try {
    turn.answer = await ask(body, handlers, controller.signal);
    announce(`Answer: ${turn.answer.answer}`);
    $.status.textContent = "";
  } catch (err) {
    if (err.name === "AbortError") {
      // a newer question (or a new conversation) replaced this one
      turn.error = "Stopped: a newer question replaced this one.";
    } else if (err instanceof ApiError && err.status === 401) {
      turn.error = "Sign in to ask: this server needs its key.";
      askForKey("Your session has ended: sign in again.");
    } else {
      turn.error = plainError(err);
      turn.retry = true;
      announce(turn.error);
      $.status.textContent = "";
      if (!$.question.value.trim()) $.question.value = question; // the question is kept, to edit or ask again
    }
  } finally {
    if (state.pending === controller) state.pending = null;
  }
  fillAnswer(box, turn);
  if (turn.answer) {
    reveal(turn.node);
    save();
  } else if (state.turns.includes(turn)) {
    state.turns.splice(state.turns.indexOf(turn), 1); // failed turns are shown, not sent as history
  }
}

/** What went wrong, in plain words, and what the reader can do. */
function plainError(err) {
  if (!(err instanceof ApiError)) {  // fetch itself failed: no server answered
    return "The server could not be reached. Check that it is running and your connection, then retry.";
  }
  if (err.status === 429) return "Too many questions at once: wait a moment, then retry.";
  if (err.status === 503) return "The server is starting or busy and could not answer yet. Retry in a moment.";
  if (err.status >= 500 || !err.status) {
    return `The server ran into a problem answering this${err.status ? ` (error ${err.status})` : ""}: ` +
      `${err.message || "no details"}. Retry; if it keeps failing, the server's log says why.`;
  }
  return `The question could not be answered: ${err.message}`;
}

function newConversation() {
  if (state.pending) state.pending.abort();
  state.pending = null;
  state.turns = [];
  closePanel();
  save();
  renderThread();
  $.status.textContent = "";
  announce("New conversation started.");
  $.question.value = "";
  $.question.focus();
}

function onThreadClick(event) {
  const button = event.target.closest("button.cite");
  if (!button) return;
  const article = button.closest("article.turn");
  const turn = state.turns.find((t) => t.node === article);
  const n = Number(button.dataset.n);
  const citations = (turn && turn.answer && turn.answer.citations) || [];
  const citation = button.dataset.i !== undefined ? citations[Number(button.dataset.i)] : citations.find((c) => c.n === n);
  if (citation) openSource(citation, button);
}

function askFromUrl() {
  const params = new URLSearchParams(window.location.search);
  const question = (params.get("q") || "").trim();
  if (!question) return;
  const filters = {};
  for (const key of ["outlet", "since", "until"]) if (params.get(key)) filters[key] = params.get(key);
  setFilters(filters);
  window.history.replaceState(null, "", window.location.pathname); // a reload must not ask again
  startLinkedThread(); // its own question, not a follow-up of whatever this browser asked before
  submit(question, currentFilters());
}

// ---- signing in (only when the server has a key) ------------------------------------------------

function askForKey(message = "") {
  $.signIn.hidden = false;
  $.form.hidden = true;
  $.signInError.textContent = message;
  $.signInKey.focus();
}

async function onSignIn(event) {
  event.preventDefault();
  const key = $.signInKey.value;
  if (!key) return;
  $.signInError.textContent = "";
  try {
    await postJSON("/api/session", {key});
  } catch (err) {
    $.signInError.textContent = err instanceof ApiError && err.status === 401
      ? "That key is not right." : `Could not sign in: ${err.message}`;
    $.signInKey.select();
    return;
  }
  $.signInKey.value = "";
  $.signIn.hidden = true;
  $.form.hidden = false;
  $.question.focus();
  loadCorpus();
  askFromUrl();
}

async function start() {
  try {
    const session = await getJSON("/api/session");
    if (session.required && !session.authenticated) {
      $.corpus.textContent = "Sign in to read the articles.";
      askForKey();
      return;
    }
  } catch {
    // an older server without /api/session, or none at all: loadCorpus says which
  }
  loadCorpus();
  askFromUrl();
}

function setup() {
  $ = {
    linked: byId("linked"), back: byId("back-to-saved"),
    thread: byId("thread"), empty: byId("empty"), form: byId("ask-form"), question: byId("question"),
    status: byId("status"), announcer: byId("announcer"), corpus: byId("corpus"), filters: byId("filters"),
    filterSummary: byId("filter-summary"), outlet: byId("f-outlet"), since: byId("f-since"), until: byId("f-until"),
    signIn: byId("sign-in"), signInKey: byId("sign-in-key"), signInError: byId("sign-in-error"),
  };
  setupPanel();
  const savedFilters = load();
  setFilters(savedFilters);
  $.back.addEventListener("click", backToSaved);
  renderThread();
  $.form.addEventListener("submit", (event) => {
    event.preventDefault();
    const question = $.question.value.trim();
    if (!question) return;
    $.question.value = "";
    submit(question, currentFilters());
    $.question.focus();
  });
  for (const input of [$.outlet, $.since, $.until]) {
    input.addEventListener("change", () => { showFilterSummary(); save(); });
  }
  byId("f-clear").addEventListener("click", () => { setFilters({}); save(); });
  byId("new-chat").addEventListener("click", newConversation);
  $.thread.addEventListener("click", onThreadClick);
  $.signIn.addEventListener("submit", onSignIn);
  document.documentElement.dataset.ready = "true";
  start();
}

setup();
