// DOM and text helpers. Every string from the corpus or an answer goes in as a text node: never as markup.

/** An element with attributes and optional children (strings become text nodes). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "hidden") node.hidden = Boolean(value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

/** Append children: nodes as they are, strings and numbers as text nodes, arrays flattened. */
export function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) {
  node.replaceChildren();
  return node;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "2026-02-05" -> "5 Feb 2026"; "" -> "undated"; anything else is shown as it is. */
export function formatDate(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || "");
  if (!m) return iso || "undated";
  const month = MONTHS[Number(m[2]) - 1];
  return month ? `${Number(m[3])} ${month} ${m[1]}` : iso;
}

/** "Outlet · 5 Feb 2026"; what the article itself does not state is said to be missing, not guessed. */
export function sourceLine(item) {
  const outlet = item.outlet || "";
  const date = item.published ? formatDate(item.published) : "";
  if (!outlet && !date) return "outlet and date not stated in the article";
  return `${outlet || "outlet not stated"} · ${date || "date not stated"}`;
}

/** An http(s) URL, or null: a `javascript:` or `data:` URL from the corpus never becomes a link. */
export function safeUrl(raw) {
  if (!raw || typeof raw !== "string") return null;
  try {
    const url = new URL(raw, window.location.href);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

/** The UTF-16 index of a code-point offset: the server counts characters as Python does. */
export function unitIndex(text, codePoints) {
  if (!/[\uD800-\uDFFF]/.test(text)) return Math.min(codePoints, text.length);
  let units = 0;
  for (let count = 0; count < codePoints && units < text.length; count += 1) {
    units += text.codePointAt(units) > 0xffff ? 2 : 1;
  }
  return units;
}

/** Paragraphs of a body (blank-line separated) with their UTF-16 offsets. */
export function paragraphs(body) {
  const found = [];
  const separator = /\n[ \t]*\n\s*/g;
  let start = 0;
  for (let m = separator.exec(body); m; m = separator.exec(body)) {
    if (m.index > start) found.push({start, end: m.index, text: body.slice(start, m.index)});
    start = m.index + m[0].length;
  }
  if (start < body.length) found.push({start, end: body.length, text: body.slice(start)});
  return found;
}

/**
 * The quote's [start, end) in UTF-16 units of `body`: the server's offsets when they hold the quote,
 * else the occurrence of the quote nearest to them, else null.
 */
export function locateQuote(body, quote, start, end) {
  const s = unitIndex(body, start || 0);
  const e = unitIndex(body, end || 0);
  if (e > s && (!quote || body.slice(s, e) === quote)) return [s, e];
  if (!quote) return null;
  let best = -1;
  for (let i = body.indexOf(quote); i !== -1; i = body.indexOf(quote, i + 1)) {
    if (best === -1 || Math.abs(i - s) < Math.abs(best - s)) best = i;
  }
  return best === -1 ? null : [best, best + quote.length];
}

/** A paragraph element whose part inside [markStart, markEnd) is wrapped in <mark>, built from text nodes. */
export function paragraphWithMark(para, markStart, markEnd) {
  const node = el("p", {class: "para"});
  const from = Math.max(markStart, para.start);
  const to = Math.min(markEnd, para.end);
  if (to <= from) return append(node, [para.text]);
  node.classList.add("has-mark");
  return append(node, [
    para.text.slice(0, from - para.start),
    el("mark", {}, para.text.slice(from - para.start, to - para.start)),
    para.text.slice(to - para.start),
  ]);
}
