// The API docs page: draws /openapi.json with the DOM alone (no innerHTML, no other origin), so it
// runs under the web app's Content-Security-Policy and offline. A classic script, in a block: it leaves no globals.
{

  const el = (tag, attributes = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes)) {
      if (key === "class") node.className = value;
      else node.setAttribute(key, value);
    }
    node.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
    return node;
  };

  /** A schema's type in a few words: `string (1–200)`, `"a" | "b"`, `array of integer`. */
  function typeOf(schema) {
    if (!schema || typeof schema !== "object" || Object.keys(schema).length === 0) return "any";
    if ("const" in schema) return JSON.stringify(schema.const);
    if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(" | ");
    const alternatives = schema.anyOf ?? schema.oneOf;
    if (Array.isArray(alternatives)) return alternatives.map(typeOf).join(" | ");
    const type = [schema.type].flat().filter(Boolean).join(" | ") || "any";
    if (type === "array") return `array of ${typeOf(schema.items)}`;
    const limits = [];
    const range = (min, max) => (min !== undefined || max !== undefined ? `${min ?? ""}–${max ?? ""}` : null);
    limits.push(range(schema.minLength, schema.maxLength), range(schema.minimum, schema.maximum), range(schema.minItems, schema.maxItems));
    if (schema.format) limits.push(schema.format);
    const shown = limits.filter(Boolean);
    return shown.length ? `${type} (${shown.join(", ")})` : type;
  }

  /** Notes beside a type: its default, pattern and description. */
  function notes(schema) {
    if (!schema || typeof schema !== "object") return [];
    const parts = [];
    if ("default" in schema) parts.push(el("span", { class: "muted" }, " default ", el("code", {}, JSON.stringify(schema.default))));
    if (schema.pattern) parts.push(el("span", { class: "muted" }, " matching ", el("code", {}, schema.pattern)));
    if (schema.description) parts.push(el("span", {}, ` — ${schema.description}`));
    return parts;
  }

  /** A schema as a tree of its fields, alternatives and items. */
  function schemaTree(schema, depth = 0) {
    if (!schema || typeof schema !== "object" || depth > 8) return null;
    const alternatives = schema.oneOf ?? schema.anyOf;
    if (Array.isArray(alternatives) && alternatives.some((a) => a.type === "object")) {
      return el("ul", { class: "schema" }, ...alternatives.map((a, i) => el("li", {}, el("span", { class: "muted" }, `one of, ${i + 1}: `), el("span", { class: "type" }, typeOf(a)), schemaTree(a, depth + 1))));
    }
    if (schema.type === "array") return schemaTree(schema.items, depth + 1);
    if (!schema.properties) return null;
    const required = new Set(schema.required ?? []);
    const fields = Object.entries(schema.properties).map(([name, field]) =>
      el("li", {}, el("span", { class: "name" }, name), required.has(name) ? el("span", { class: "required" }, "required") : null, el("span", { class: "type" }, typeOf(field)), ...notes(field), schemaTree(field, depth + 1)),
    );
    if (schema.additionalProperties === false) fields.push(el("li", { class: "muted" }, "no other fields"));
    return el("ul", { class: "schema" }, ...fields);
  }

  function parametersTable(parameters) {
    const rows = parameters.map((p) => el("tr", {}, el("td", {}, el("span", { class: "name" }, p.name), p.required ? el("span", { class: "required" }, "required") : null), el("td", {}, p.in), el("td", {}, el("span", { class: "type" }, typeOf(p.schema)), ...notes(p.schema))));
    return el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, "name"), el("th", {}, "in"), el("th", {}, "schema"))), el("tbody", {}, ...rows));
  }

  /** An operation's parameters, body and responses: drawn when it is first opened. */
  function operationBody(op) {
    const body = [];
    if (op.description) body.push(el("p", {}, op.description));
    if (op.parameters?.length) body.push(el("h3", {}, "Parameters"), parametersTable(op.parameters));
    for (const [type, media] of Object.entries(op.requestBody?.content ?? {})) {
      body.push(el("h3", {}, "Body ", el("code", {}, type), op.requestBody.required ? null : el("span", { class: "muted" }, " (optional)")));
      body.push(schemaTree(media.schema) ?? el("p", { class: "type" }, typeOf(media.schema)));
      body.push(el("details", {}, el("summary", {}, "JSON Schema"), el("pre", {}, JSON.stringify(media.schema, null, 2))));
    }
    body.push(el("h3", {}, "Responses"));
    body.push(el("ul", {}, ...Object.entries(op.responses ?? {}).map(([status, r]) => el("li", {}, el("strong", {}, status), ` ${r.description ?? ""} `, ...Object.keys(r.content ?? {}).map((t) => el("code", {}, t))))));
    return el("div", {}, ...body.filter(Boolean));
  }

  function operationView(path, method, op) {
    const details = el(
      "details",
      { class: "operation", id: op.operationId ?? `${method}-${path}` },
      el("summary", {}, el("span", { class: `method ${method}` }, method), el("span", { class: "path" }, path), el("span", { class: "summary" }, op.summary ?? ""), Array.isArray(op.security) && op.security.length === 0 ? el("span", { class: "public" }, "no key") : null),
    );
    details.addEventListener("toggle", () => {
      if (details.open && details.childElementCount === 1) details.append(operationBody(op));
    });
    details.dataset.search = `${method} ${path} ${op.summary ?? ""} ${op.description ?? ""}`.toLowerCase();
    return details;
  }

  function draw(spec) {
    document.getElementById("title").textContent = `${spec.info.title} API ${spec.info.version}`;
    document.title = `${spec.info.title} API`;
    const about = document.getElementById("about");
    about.replaceChildren(spec.info.description ?? "", " ", el("a", { href: "/openapi.json" }, "OpenAPI 3.1 description"));
    const byTag = new Map();
    for (const [path, operations] of Object.entries(spec.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        const tag = op.tags?.[0] ?? "Other";
        if (!byTag.has(tag)) byTag.set(tag, []);
        byTag.get(tag).push(operationView(path, method, op));
      }
    }
    const sections = [...byTag].map(([tag, views]) => el("section", {}, el("h2", {}, tag, el("span", { class: "muted" }, ` (${views.length})`)), ...views));
    document.getElementById("operations").replaceChildren(...sections);
    const filter = document.getElementById("filter");
    filter.addEventListener("input", () => {
      const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
      for (const section of sections) {
        let shown = 0;
        for (const view of section.querySelectorAll("details.operation")) {
          view.hidden = !words.every((w) => view.dataset.search.includes(w));
          if (!view.hidden) shown++;
        }
        section.hidden = shown === 0;
      }
    });
    // A link to an operation (`/docs#getApiThreads`) opens it.
    const target = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (target) {
      target.open = true;
      target.scrollIntoView();
    }
  }

  fetch("/openapi.json")
    .then((res) => (res.ok ? res.json() : Promise.reject(new Error(`/openapi.json answered ${res.status}`))))
    .then(draw)
    .catch((err) => document.getElementById("about").replaceChildren(`Could not load the description: ${err.message}`));
}
