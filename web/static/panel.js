// The source panel (a side panel on wide screens, a bottom sheet on narrow ones): the cited passage,
// the quoted sentence highlighted inside its paragraph, and the article's title, outlet, date and link.
import {clear, el, locateQuote, paragraphs, paragraphWithMark, safeUrl, sourceLine} from "./dom.js";
import {getJSON} from "./stream.js";

const articles = new Map(); // id -> Promise of the article
let panel, title, kicker, meta, body, more, link, returnFocus = null, current = null, token = 0;

function article(id) {
  if (!articles.has(id)) {
    const promise = getJSON(`/api/articles/${encodeURIComponent(id)}`);
    promise.catch(() => articles.delete(id)); // a failed fetch may be retried
    articles.set(id, promise);
  }
  return articles.get(id);
}

/** Paragraphs to show: those of the cited passage (always including the quote's), or all. */
function visible(paras, mark, passage, whole) {
  if (whole) return paras;
  const [from, to] = passage;
  const shown = paras.filter((p) => p.end > from && p.start < to
    || (mark && p.end > mark[0] && p.start < mark[1]));
  return shown.length ? shown : paras.slice(0, 1);
}

function render(source, data, whole) {
  const text = data.body || "";
  const paras = paragraphs(text);
  const mark = locateQuote(text, source.quote, source.start, source.end);
  const passage = locateQuote(text, "", source.passage_start, source.passage_end) || mark || [0, 0];
  const shown = visible(paras, mark, passage, whole);
  clear(body);
  if (shown[0] !== paras[0]) body.append(el("p", {class: "elision", "aria-hidden": "true"}, "…"));
  for (const p of shown) body.append(mark ? paragraphWithMark(p, mark[0], mark[1]) : el("p", {class: "para"}, p.text));
  if (shown[shown.length - 1] !== paras[paras.length - 1]) body.append(el("p", {class: "elision", "aria-hidden": "true"}, "…"));
  if (!mark && source.quote) body.prepend(el("blockquote", {class: "quote"}, source.quote));
  more.hidden = shown.length === paras.length;
  const target = body.querySelector("mark");
  if (target) target.scrollIntoView({block: "center"});
}

function fill(source, data) {
  title.textContent = data.title || source.title || "(untitled article)";
  const byline = data.byline ? ` · ${data.byline}` : "";
  meta.textContent = `${sourceLine({outlet: data.outlet || source.outlet, published: data.published ?? source.published})}${byline}`;
  const url = safeUrl(data.url || source.url);
  link.hidden = !url;
  if (url) link.href = url;
  else link.removeAttribute("href");
}

/** Open the panel on a cited or closest passage; focus moves into it and returns to `trigger` on close. */
export async function openSource(source, trigger) {
  const mine = ++token;
  current = source;
  returnFocus = trigger || null;
  kicker.textContent = source.n ? `Source ${source.n}` : "Closest passage";
  fill(source, source);
  clear(body).append(el("p", {class: "muted"}, "Loading the article…"));
  more.hidden = true;
  panel.hidden = false;
  document.body.classList.add("panel-open");
  for (const b of document.querySelectorAll("button.cite[aria-expanded]")) b.removeAttribute("aria-expanded");
  if (trigger) trigger.setAttribute("aria-expanded", "true");
  title.focus({preventScroll: true});
  try {
    const data = await article(source.article_id);
    if (mine !== token) return;
    fill(source, data);
    render(source, data, false);
    panel.dataset.state = "ready";
  } catch (err) {
    if (mine !== token) return;
    clear(body).append(el("p", {class: "error"}, `The article could not be loaded: ${err.message}`),
      el("blockquote", {class: "quote"}, source.quote || ""));
    panel.dataset.state = "error";
  }
}

export function closePanel() {
  if (panel.hidden) return;
  token += 1;
  panel.hidden = true;
  panel.dataset.state = "closed";
  current = null;
  document.body.classList.remove("panel-open");
  for (const b of document.querySelectorAll("button.cite[aria-expanded]")) b.removeAttribute("aria-expanded");
  if (returnFocus && returnFocus.isConnected) returnFocus.focus();
  returnFocus = null;
}

export function setupPanel() {
  panel = document.getElementById("panel");
  title = document.getElementById("panel-title");
  kicker = document.getElementById("panel-kicker");
  meta = document.getElementById("panel-meta");
  body = document.getElementById("panel-body");
  more = document.getElementById("panel-more");
  link = document.getElementById("panel-link");
  document.getElementById("panel-close").addEventListener("click", closePanel);
  more.addEventListener("click", async () => {
    if (!current) return;
    const data = await article(current.article_id);
    render(current, data, true);
    title.focus({preventScroll: true}); // the button hides itself: keep focus in the panel, the highlight in view
  });
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      closePanel();
    }
  });
  // on a phone the page behind the sheet is dimmed by body::after: a tap there lands on <body> and closes
  // it; where the stylesheet draws no backdrop (the side panel), a click on <body> is not a tap on one
  document.body.addEventListener("click", (event) => {
    const dimmed = getComputedStyle(document.body, "::after").content !== "none";
    if (event.target === document.body && dimmed && !panel.hidden) closePanel();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !panel.hidden && !event.defaultPrevented) closePanel();
  });
}
