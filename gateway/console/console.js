// The reference and console of the Data API, rendered from the OpenRPC document (GET openrpc.json).
// Hand-written and dependency-free. Every string from the document or an answer goes in as textContent,
// never as markup.
"use strict";

(function () {
  const DOCUMENT_URL = "openrpc.json";
  const ENDPOINT = "v2.0";
  const TOKEN = "access_token";

  const $ = (id) => document.getElementById(id);
  let methods = [];
  let errors = {};
  let current = null;
  let exampleToken = "";
  let nextId = 1;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function show(node, text) {
    node.textContent = text;
    node.hidden = !text;
  }

  // Integers past 2^53 would lose digits in a JS number: where the browser can (JSON.parse's source text
  // and JSON.rawJSON), keep their exact text, so what is sent and shown is what was typed and answered.
  function parseExact(text) {
    return JSON.parse(text, function (_key, value, context) {
      if (typeof value === "number" && !Number.isSafeInteger(value) && context && typeof JSON.rawJSON === "function"
          && /^-?\d+$/.test(context.source)) {
        return JSON.rawJSON(context.source);
      }
      return value;
    });
  }

  // ------------------------------------------------------------------ the reference

  function refName(ref) {
    return ref.slice(ref.lastIndexOf("/") + 1);
  }

  function typeOf(schema) {
    if (!schema || Object.keys(schema).length === 0 || (schema.description && Object.keys(schema).length === 1)) {
      return "any";
    }
    if (schema.$ref) return refName(schema.$ref);
    if (schema.anyOf) {
      return schema.anyOf.filter((s) => s.type !== "null").map(typeOf).join(" | ");
    }
    const types = (Array.isArray(schema.type) ? schema.type : [schema.type]).filter((t) => t && t !== "null");
    return types.map((t) => (t === "array" ? "array of " + typeOf(schema.items) : t)).join(" | ") || "any";
  }

  // The non-null branch of a nullable schema, and an array's items: where a row's own facts are.
  function inner(schema) {
    if (schema && schema.anyOf) return schema.anyOf.find((s) => s.type !== "null") || schema;
    return schema || {};
  }

  function limitsOf(schema) {
    const facts = [];
    const range = (low, high, what) => {
      if (low !== undefined && high !== undefined) facts.push(what + low + " to " + high);
      else if (low !== undefined) facts.push(what + "at least " + low);
      else if (high !== undefined) facts.push(what + "at most " + high);
    };
    range(schema.minimum, schema.maximum, "");
    range(schema.minLength, schema.maxLength, "length ");
    range(schema.minItems, schema.maxItems, "items: ");
    if (schema.pattern) facts.push("pattern " + schema.pattern);
    if (schema.format) facts.push(schema.format);
    return facts;
  }

  function enumOf(schema) {
    const own = schema.enum || (schema.items && schema.items.enum) || [];
    return own.filter((value) => value !== null);
  }

  // A long name may wrap after a dot (or an underscore, where those are given), and nowhere else.
  function breakable(tag, className, name, separators) {
    const node = el(tag, className);
    let part = "";
    for (const char of name) {
      part += char;
      if (separators.includes(char)) {
        node.appendChild(document.createTextNode(part));
        node.appendChild(document.createElement("wbr"));
        part = "";
      }
    }
    if (part) node.appendChild(document.createTextNode(part));
    return node;
  }

  // path: the parameter's full path (site_blocks[].phone_number_id); a nested row shows its last member,
  // indented under its parent, and keeps the path in its title and data-path.
  function paramRow(tbody, path, name, schema, required, description, depth) {
    const s = inner(schema);
    const row = el("tr", depth ? "nested" : "");
    row.dataset.path = path;
    const nameCell = el("td", "name depth-" + depth);
    nameCell.title = path;
    nameCell.appendChild(breakable("code", "", name, "._"));
    row.appendChild(nameCell);
    row.appendChild(el("td", "type", typeOf(s)));
    row.appendChild(el("td", required ? "required" : "optional", required ? "yes" : "no"));
    const facts = el("td", "facts");
    const values = enumOf(s);
    if (values.length) {
      const list = el("div", "values");
      list.appendChild(el("span", "label", "one of "));
      values.forEach((value) => {
        list.appendChild(el("code", "value", value));
        list.appendChild(document.createTextNode(" "));  // so the values read apart when copied
      });
      facts.appendChild(list);
    }
    const limits = limitsOf(s).concat(s.items ? limitsOf(s.items).map((f) => "each: " + f) : []);
    if (limits.length) facts.appendChild(el("div", "limits-text", limits.join("; ")));
    const text = description || s.description;
    if (text) facts.appendChild(el("div", "meaning", text));
    row.appendChild(facts);
    tbody.appendChild(row);
    // An object, or an array of objects: its members as rows under it. A $ref (a filter's own filters) is
    // named, not followed, so a message that contains itself ends.
    const object = s.items ? inner(s.items) : s;
    if (object.properties && depth < 4) {
      const prefix = path + (s.items ? "[]." : ".");
      const needed = object.required || [];
      Object.keys(object.properties).forEach((member) => {
        paramRow(tbody, prefix + member, member, object.properties[member], needed.includes(member), "", depth + 1);
      });
    }
  }

  function renderReference(method) {
    $("method-name").textContent = method.name;
    const description = $("method-description");
    clear(description);
    (method.description || method.summary || "").split("\n\n").forEach((paragraph) => {
      if (paragraph) description.appendChild(el("p", "", paragraph));
    });

    const params = $("params").tBodies[0];
    clear(params);
    (method.params || []).forEach((param) => {
      paramRow(params, param.name, param.name, param.schema, param.required, param.description, 0);
    });
    if (!params.rows.length) params.appendChild(emptyRow(4, "No params."));

    const listed = $("errors").tBodies[0];
    clear(listed);
    (method.errors || []).forEach((entry) => {
      const key = entry.$ref ? refName(entry.$ref) : "";
      const error = entry.$ref ? errors[key] || {} : entry;
      const row = el("tr");
      row.appendChild(el("td", "code", error.code));
      const mnemonic = el("td");
      mnemonic.appendChild(el("code", "", (error.data && error.data.mnemonic) || key));
      row.appendChild(mnemonic);
      row.appendChild(el("td", "", error.message));
      listed.appendChild(row);
    });
    if (!listed.rows.length) listed.appendChild(emptyRow(3, "None listed."));
  }

  function emptyRow(span, text) {
    const row = el("tr");
    const cell = el("td", "muted", text);
    cell.colSpan = span;
    row.appendChild(cell);
    return row;
  }

  function renderList(filter) {
    const list = $("method-list");
    clear(list);
    const wanted = filter.trim().toLowerCase();
    methods.forEach((method) => {
      if (wanted && !method.name.toLowerCase().includes(wanted)) return;
      const item = el("li");
      const button = el("button", "method-item");
      button.type = "button";
      button.dataset.method = method.name;
      button.appendChild(breakable("span", "method-name", method.name, "._"));
      if (method.summary) button.appendChild(el("span", "method-summary", method.summary));
      if (current && current.name === method.name) button.setAttribute("aria-current", "true");
      button.addEventListener("click", () => choose(method.name));
      item.appendChild(button);
      list.appendChild(item);
    });
  }

  // ------------------------------------------------------------------ the console

  function takesToken(method) {
    return (method.params || []).some((param) => param.name === TOKEN);
  }

  function example(method) {
    const first = (method.examples || [])[0];
    const params = {};
    ((first && first.params) || []).forEach((pair) => { params[pair.name] = pair.value; });
    return params;
  }

  function choose(name) {
    const method = methods.find((m) => m.name === name);
    if (!method) return;
    current = method;
    $("method").value = name;
    renderReference(method);
    renderList($("filter").value);
    if (location.hash.slice(1) !== name) history.replaceState(null, "", "#" + name);

    const params = example(method);
    const token = $("token");
    const fromExample = typeof params[TOKEN] === "string" ? params[TOKEN] : "";
    delete params[TOKEN];
    // The token field keeps what the person typed; while it still holds an example's token, it follows
    // the example of the method chosen.
    if (token.value === "" || token.value === exampleToken) token.value = fromExample;
    exampleToken = fromExample;
    token.disabled = !takesToken(method);
    $("token-note").textContent = token.disabled
      ? "This method takes no access_token."
      : "Sent as params.access_token. The demo data's tokens are in docs/demo-data.md.";
    $("params-json").value = JSON.stringify(params, null, 2);
    show($("params-problem"), "");
    // Methods the document marks x-idempotency-key take the Idempotency-Key header (docs/contract.md §15).
    $("key-row").hidden = method["x-idempotency-key"] !== true;
  }

  function renderLimits(limits) {
    const box = $("limits");
    clear(box);
    if (!limits || typeof limits !== "object") {
      box.appendChild(el("p", "muted small", "None in this answer: the call was not made for an account."));
      return;
    }
    const table = el("table", "grid compact");
    const head = el("tr");
    ["", "limit", "remaining", "resets in"].forEach((text) => head.appendChild(el("th", "", text)));
    table.appendChild(el("thead")).appendChild(head);
    const body = el("tbody");
    ["day", "minute"].forEach((period) => {
      const row = el("tr");
      row.dataset.period = period;
      row.appendChild(el("th", "", period));
      row.appendChild(el("td", "num", limits[period + "_limit"]));
      row.appendChild(el("td", "num", limits[period + "_remaining"]));
      row.appendChild(el("td", "num", limits[period + "_reset"] + " s"));
      body.appendChild(row);
    });
    table.appendChild(body);
    box.appendChild(table);
  }

  async function send() {
    if (!current) return;
    const problem = $("params-problem");
    const text = $("params-json").value.trim();
    let params;
    try {
      params = text === "" ? {} : parseExact(text);
    } catch (error) {
      show(problem, "Not sent: the params are not valid JSON (" + error.message + ").");
      return;
    }
    if (params === null || typeof params !== "object" || Array.isArray(params)) {
      show(problem, "Not sent: params must be a JSON object, {…}.");
      return;
    }
    show(problem, "");
    const token = $("token");
    if (!token.disabled && token.value !== "") {
      // The field wins over an access_token in the JSON, and goes first, as in the contract's examples.
      const withToken = Object.create(null);  // so a "__proto__" key in the JSON stays a key
      withToken[TOKEN] = token.value;
      Object.keys(params).forEach((key) => { if (key !== TOKEN) withToken[key] = params[key]; });
      params = withToken;
    }
    const envelope = { jsonrpc: "2.0", id: nextId++, method: current.name, params: params };
    const status = $("status");
    const answer = $("answer");
    const button = $("send");
    button.disabled = true;
    status.className = "status";
    status.textContent = "Sending…";
    const started = performance.now();
    try {
      const headers = { "content-type": "application/json" };
      const key = $("idempotency-key").value.trim();
      if (!$("key-row").hidden && key !== "") headers["idempotency-key"] = key;
      const response = await fetch(ENDPOINT, { method: "POST", headers: headers, body: JSON.stringify(envelope) });
      const replayed = response.headers.get("idempotent-replayed") === "true" ? " · replayed" : "";
      const body = await response.text();
      const took = Math.round(performance.now() - started);
      let parsed = null;
      try { parsed = parseExact(body); } catch (_error) { parsed = null; }
      answer.textContent = parsed === null ? body : JSON.stringify(parsed, null, 2);
      answer.dataset.id = String(envelope.id);
      if (parsed && parsed.error) {
        const data = parsed.error.data || {};
        status.className = "status bad";
        status.textContent = "error " + parsed.error.code + " " + (data.mnemonic || "") + " · HTTP " + response.status
          + " · " + took + " ms";
        renderLimits(data.metadata && data.metadata.limits);
      } else if (parsed && "result" in parsed) {
        status.className = "status good";
        status.textContent = "result" + replayed + " · HTTP " + response.status + " · " + took + " ms";
        renderLimits(parsed.result && parsed.result.metadata && parsed.result.metadata.limits);
      } else {
        status.className = "status bad";
        status.textContent = "HTTP " + response.status + " · " + took + " ms";
        renderLimits(null);
      }
    } catch (error) {
      status.className = "status bad";
      status.textContent = "No answer from the gateway: " + error.message;
    } finally {
      button.disabled = false;
    }
  }

  // ------------------------------------------------------------------ start

  async function start() {
    let doc;
    try {
      const response = await fetch(DOCUMENT_URL, { headers: { accept: "application/json" } });
      if (!response.ok) throw new Error("HTTP " + response.status);
      doc = await response.json();
    } catch (error) {
      show($("load-problem"), "Could not load " + DOCUMENT_URL + ": " + error.message);
      $("info").textContent = "";
      return;
    }
    const info = doc.info || {};
    $("title").textContent = (info.title || "API") + " " + (info.version || "");
    $("info").textContent = info.description || "";
    methods = doc.methods || [];
    errors = (doc.components && doc.components.errors) || {};
    const select = $("method");
    methods.forEach((method) => {
      const option = el("option", "", method.name);
      option.value = method.name;
      select.appendChild(option);
    });
    select.addEventListener("change", () => choose(select.value));
    $("filter").addEventListener("input", (event) => renderList(event.target.value));
    $("send").addEventListener("click", send);
    // crypto.randomUUID needs a secure context (HTTPS or localhost); elsewhere the key is typed.
    $("new-key").addEventListener("click", () => {
      $("idempotency-key").value = self.crypto && crypto.randomUUID ? crypto.randomUUID() : "";
    });
    $("params-json").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) send();
    });
    window.addEventListener("hashchange", () => choose(decodeURIComponent(location.hash.slice(1))));
    const wanted = decodeURIComponent(location.hash.slice(1));
    choose(methods.some((m) => m.name === wanted) ? wanted : methods.length ? methods[0].name : "");
    document.body.dataset.ready = "true";
  }

  document.addEventListener("DOMContentLoaded", start);
})();
