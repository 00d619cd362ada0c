// Rendering one answer (sentences with citation buttons, sources, disagreement, refusal) and its plain text.
import {el, formatDate, safeUrl, sourceLine} from "./dom.js";

const TOPICS = {date: "the date", framing: "how it went", figure: "the figures", figures: "the figures",
  version: "a name, number or date"};

/** A [n] button that opens citation n in the source panel. */
export function citeButton(n, citation, index) {
  const label = citation ? `Source ${n}: ${citation.title || "untitled"}, ${sourceLine(citation)}` : `Source ${n}`;
  // data-i: which of the answer's citations it opens (several sentences may quote one passage, each its own)
  return el("button", {type: "button", class: "cite", "data-n": n, "data-i": index ?? null, "aria-label": label,
    "aria-controls": "panel", title: label}, String(n));
}

const squash = (text) => (text || "").split(/\s+/).join(" ").trim();

/** Finds, for a sentence citing source n, the citation quoting that sentence (else the first of n). */
function citationFinder(citations) {
  return (n, text) => {
    let i = citations.findIndex((c) => c.n === n && squash(c.quote) === squash(text));
    if (i < 0) i = citations.findIndex((c) => c.n === n);
    return i < 0 ? [undefined, undefined] : [citations[i], i];
  };
}

function sentenceNodes(sentence, find) {
  const nodes = [];
  const unsupported = sentence.supported === false;
  nodes.push(el("span", {class: unsupported ? "sentence unsupported" : "sentence"}, sentence.text));
  if (unsupported) {
    nodes.push(" ", el("span", {class: "flag", title: "No cited passage supports this sentence"}, "unsupported"));
  }
  for (const n of sentence.citations || []) nodes.push(citeButton(n, ...find(n, sentence.text)));
  nodes.push(" ");
  return nodes;
}

/** The sentences of an answer as they stream in (citations not known yet). */
export function streamingSentence(sentence) {
  return sentenceNodes(sentence, citationFinder([]));
}

function sourcesList(citations) {
  const byArticle = new Map();
  citations.forEach((c, i) => {  // one button per source number, opening its first quote
    if (!byArticle.has(c.article_id)) byArticle.set(c.article_id, []);
    const group = byArticle.get(c.article_id);
    if (!group.some(([other]) => other.n === c.n)) group.push([c, i]);
  });
  const list = el("ol", {class: "sources"});
  for (const group of byArticle.values()) {
    const [first] = group[0];
    const url = safeUrl(first.url);
    const title = el("span", {class: "source-title"}, first.title || "(untitled article)");
    list.append(el("li", {class: "source"},
      el("span", {class: "source-cites"}, group.map(([c, i]) => citeButton(c.n, c, i))),
      el("span", {class: "source-text"},
        url ? el("a", {href: url, target: "_blank", rel: "noopener noreferrer"}, title) : title,
        el("span", {class: "source-meta"}, sourceLine(first)))));
  }
  return el("section", {class: "sources-box", "aria-label": "Sources"},
    el("h3", {}, byArticle.size === 1 ? "Source" : `Sources (${byArticle.size} articles)`), list);
}

const OWN_QUOTES = /^\s*["“]|["”]\s*$/;  // double quotation marks: an apostrophe ends words ("the workers'")

function conflictCallout(conflict, find, bySentence) {
  const topic = TOPICS[conflict.topic] || conflict.topic || "this";
  const items = (conflict.versions || []).map((v) => {
    const sentence = bySentence.get(v.quote);
    const unsupported = sentence && sentence.supported === false;
    return el("li", {},
      v.value ? el("strong", {class: "version-value"}, v.value) : null,
      v.value ? " — " : null,
      el("q", {class: unsupported ? "sentence unsupported" : "sentence",
               // a sentence that opens or closes with its own quotation mark gets no second one
               ...(OWN_QUOTES.test(v.quote || "") ? {"data-own-quotes": ""} : {})}, v.quote || ""),
      unsupported ? [" ", el("span", {class: "flag", title: "No cited passage supports this sentence"}, "unsupported")] : null,
      v.n ? citeButton(v.n, ...find(v.n, v.quote)) : null, " ",
      el("span", {class: "source-meta"}, `${v.title ? `${v.title}, ` : ""}${sourceLine(v)}`));
  });
  return el("aside", {class: "callout conflict", role: "note"},
    el("p", {class: "callout-title"}, `Sources disagree about ${topic}`),
    el("ul", {}, items));
}

function filterText(filters) {
  if (!filters) return "";
  const parts = [];
  if (filters.outlet) parts.push(`outlet ${filters.outlet}`);
  if (filters.since) parts.push(`from ${formatDate(filters.since)}`);
  if (filters.until) parts.push(`until ${formatDate(filters.until)}`);
  return parts.join(", ");
}

/** A refusal says it once: why, in one line, then what was searched, the dates covered and the filters. */
function refusalBox(data, onClosest) {
  const d = data.diagnostics || {};
  const range = d.date_range || {};
  const rows = [["Searched for", d.searched || data.query || data.question]];
  if (range.oldest || range.newest) {
    rows.push(["The articles cover", `${formatDate(range.oldest)} to ${formatDate(range.newest)}`]);
  }
  const filters = filterText(d.filters);
  if (filters) rows.push(["Filters", filters]);
  const box = el("div", {class: "refusal"},
    el("dl", {}, rows.map(([term, value]) => [el("dt", {}, term), el("dd", {}, value)])));
  const closest = d.closest || [];
  if (closest.length) {
    const items = closest.map((p) => {
      const open = el("button", {type: "button", class: "link-button", "aria-controls": "panel"},
        p.title || "(untitled article)");
      open.addEventListener("click", () => onClosest(p, open));
      return el("li", {}, open, el("span", {class: "source-meta"}, sourceLine(p)));
    });
    const noun = closest.length === 1 ? "passage" : `passages (${closest.length} articles)`;
    box.append(el("details", {class: "closest"},
      el("summary", {}, `Closest ${noun}, none of which answers it`), el("ul", {}, items)));
  }
  return box;
}

/** The one line a refusal leads with: "The articles don't say: <why>." (the server's text, if it gave no why). */
function refusalLead(data) {
  const d = data.diagnostics || {};
  if (!d.searched || !d.reason) return data.answer || "The articles don't say.";
  const why = d.reason.replace(/[.\s]+$/, "");
  return `The articles don't say: ${why}.`;
}

const AFTER = " (after: ";  // how the server writes a follow-up it could not complete: "When? (after: Who ...?)"

/** The standalone question a follow-up was read as, in one line: "Searched for: Why did ...?", or for a
 * short follow-up, what it asks and the question it follows. */
export function searchedLine(query) {
  const at = query.indexOf(AFTER);
  if (at > 0 && query.endsWith(")")) {
    return `Searched for: “${query.slice(0, at)}”, following on from “${query.slice(at + AFTER.length, -1)}”`;
  }
  return `Searched for: ${query}`;
}

/** The answer body: short answer, cited sentences, disagreement, refusal details, sources. */
export function answerNodes(data, {onClosest}) {
  const find = citationFinder(data.citations || []);
  const nodes = [];
  if (data.short_answer && !data.refused) nodes.push(el("p", {class: "short-answer"}, data.short_answer));
  const sentences = data.sentences || [];
  const bySentence = new Map(sentences.map((s) => [s.text, s]));
  const conflicts = data.conflicts || [];
  // When sources disagree the callout lists each version with its source; its sentences are not repeated.
  const inCallout = new Set(conflicts.flatMap((c) => (c.versions || []).map((v) => v.quote)));
  for (const conflict of conflicts) nodes.push(conflictCallout(conflict, find, bySentence));
  const rest = sentences.filter((s) => !inCallout.has(s.text));
  if (rest.length || !sentences.length) {
    const text = el("p", {class: data.refused ? "answer-text refused" : "answer-text"});
    if (rest.length) for (const s of rest) text.append(...sentenceNodes(s, find));
    else text.append(data.refused ? refusalLead(data) : data.answer || "");
    nodes.push(text);
  }
  if (data.refused) nodes.push(refusalBox(data, onClosest));
  const d = data.diagnostics || {};
  if (!data.refused && data.query && data.question && data.query !== data.question) {
    nodes.push(el("p", {class: "note searched"}, searchedLine(data.query)));
  }
  if (!data.refused && filterText(d.filters)) {
    const from = d.filters_from_question ? " (taken from your question)" : "";
    nodes.push(el("p", {class: "note"}, `Searched only: ${filterText(d.filters)}${from}`));
  }
  if (data.fallback_reason) nodes.push(el("p", {class: "note"}, `Answered without the language model: ${data.fallback_reason}`));
  if ((data.citations || []).length) nodes.push(sourcesList(data.citations));
  return nodes;
}

/** The question, answer and sources as plain text, for the clipboard. */
export function plainText(question, data) {
  const lines = [`Q: ${question}`, `A: ${data.answer || ""}`];
  const flagged = (data.sentences || []).filter((s) => s.supported === false);
  if (flagged.length) {
    lines.push("", "Not supported by the cited passages:", ...flagged.map((s) => `- ${s.text}`));
  }
  for (const conflict of data.conflicts || []) {
    lines.push("", `Sources disagree about ${TOPICS[conflict.topic] || conflict.topic}:`);
    for (const v of conflict.versions || []) {
      lines.push(`- ${v.value ? `${v.value}: ` : ""}"${v.quote}" (${sourceLine(v)})${v.n ? ` [${v.n}]` : ""}`);
    }
  }
  const citations = data.citations || [];
  if (citations.length) {
    lines.push("", "Sources:");
    for (const c of citations) {
      const url = safeUrl(c.url);
      lines.push(`[${c.n}] ${c.title || "(untitled article)"}. ${sourceLine(c).replace(" · ", ", ")}.${url ? ` ${url}` : ""}`);
      lines.push(`    "${c.quote}"`);
    }
  }
  return lines.join("\n");
}
