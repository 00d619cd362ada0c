// Talking to the API: POST /api/ask/stream (Server-Sent Events read from a fetch body, since
// EventSource cannot POST), falling back to POST /api/ask when the server does not stream.

export class ApiError extends Error {
  constructor(message, code = "error", status = 0) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

function post(url, body, signal, accept) {
  return fetch(url, {
    method: "POST",
    headers: {"Content-Type": "application/json", Accept: accept},
    body: JSON.stringify(body),
    signal,
  });
}

async function readJSON(response) {
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok || !data) {
    const error = data && data.error;
    throw new ApiError((error && error.message) || `The server answered ${response.status} ${response.statusText}`.trim(),
      (error && error.code) || "http_error", response.status);
  }
  return data;
}

/** One SSE block ("event: x\ndata: y") as {event, data}; comments and unknown fields are ignored. */
export function parseEvent(block) {
  let event = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (!line || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
  }
  return {event, data: data.join("\n")};
}

/** SSE blocks from a byte stream, however the network splits it (CRLF, CR or LF line ends). */
export async function* sseBlocks(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const {value, done} = await reader.read();
    if (value) buffer += value;
    // A trailing "\r" may be the first half of "\r\n": keep it until the next chunk says.
    const keep = !done && buffer.endsWith("\r") ? 1 : 0;
    const text = buffer.slice(0, buffer.length - keep).replace(/\r\n?/g, "\n");
    const blocks = text.split("\n\n");
    buffer = (done ? "" : blocks.pop()) + buffer.slice(buffer.length - keep);
    for (const block of blocks) if (block.trim()) yield block;
    if (done) return;
  }
}

async function readStream(response, handlers) {
  for await (const block of sseBlocks(response.body)) {
    const {event, data} = parseEvent(block);
    let payload;
    try {
      payload = JSON.parse(data);
    } catch {
      payload = data;
    }
    if (event === "sentence") handlers.onSentence?.(payload);
    else if (event === "token") handlers.onToken?.(typeof payload === "string" ? payload : payload.text || "");
    else if (event === "done") return payload;
    else if (event === "error") {
      const error = (payload && payload.error) || {};
      throw new ApiError(error.message || "The server failed while answering.", error.code || "stream_error");
    }
  }
  throw new ApiError("The answer stream ended before the answer was complete.", "stream_cut");
}

/**
 * Ask a question. Streams when /api/ask/stream answers with text/event-stream (calling
 * handlers.onSentence / onToken as parts arrive); otherwise uses /api/ask. Resolves to the answer.
 */
export async function ask(body, handlers = {}, signal = undefined) {
  const response = await post("/api/ask/stream", body, signal, "text/event-stream, application/json");
  const type = (response.headers.get("Content-Type") || "").toLowerCase();
  if (response.ok && type.startsWith("text/event-stream") && response.body) {
    handlers.onStreaming?.(true);
    return readStream(response, handlers);
  }
  if (response.ok && type.includes("json")) {
    const data = await readJSON(response);
    if (Array.isArray(data.sentences)) return data;
  }
  // Errors about the question itself (400, 503 ...) come back the same from either endpoint.
  if (!response.ok && ![404, 405, 501].includes(response.status)) return readJSON(response);
  handlers.onStreaming?.(false);
  return readJSON(await post("/api/ask", body, signal, "application/json"));
}

/** POST a JSON body and read the JSON answer; ApiError with the server's message on failure. */
export async function postJSON(url, body, signal = undefined) {
  return readJSON(await post(url, body, signal, "application/json"));
}

/** GET a JSON resource; ApiError with the server's message on failure. */
export async function getJSON(url, signal = undefined) {
  return readJSON(await fetch(url, {headers: {Accept: "application/json"}, signal}));
}
