// DOM helpers. Text always goes in as textContent, never parsed as HTML: nothing a farmer's name or a
// server message holds can become markup. No inline styles either: the CSP allows none.

/** h("button", {class: "primary", onclick: fn, type: "button"}, "Simpan") */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), value);
    } else if (name === "class") {
      el.className = Array.isArray(value) ? value.filter(Boolean).join(" ") : value;
    } else if (name === "text") {
      el.textContent = value;
    } else if (name === "dataset") {
      Object.assign(el.dataset, value);
    } else if (value === true) {
      el.setAttribute(name, "");
    } else if (name in el && !name.includes("-") && name !== "list" && name !== "form") {
      el[name] = value;
    } else {
      el.setAttribute(name, String(value));
    }
  }
  add(el, ...children);
  return el;
}

/** Appends children as h() does: arrays flattened, null/undefined/false skipped, the rest as text.
 *  Use it (or fill) instead of the native el.append(), which writes null as the text "null" and an
 *  array as "[object HTMLLIElement],…". */
export function add(el, ...children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** The element's children replaced by these (same rules as add). */
export function fill(el, ...children) {
  return add(clear(el), ...children);
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

let ids = 0;
export function uid(prefix = "f") {
  ids += 1;
  return `${prefix}-${ids}`;
}

/** A labelled form field: the label, the control, a hint and an error line tied to it. */
export function field(label, control, { hint, required } = {}) {
  const id = control.id || uid();
  control.id = id;
  const errorId = `${id}-err`;
  const hintId = hint ? `${id}-hint` : null;
  const error = h("p", { class: "field-error", id: errorId, "aria-live": "polite" });
  control.setAttribute("aria-describedby", [hintId, errorId].filter(Boolean).join(" "));
  if (required) control.required = true;
  const wrap = h(
    "div",
    { class: "field" },
    h("label", { for: id }, label, required ? h("span", { class: "req", "aria-hidden": "true" }, " *") : null),
    control,
    hint ? h("p", { class: "hint", id: hintId }, hint) : null,
    error,
  );
  wrap.setError = (message) => {
    error.textContent = message || "";
    control.setAttribute("aria-invalid", message ? "true" : "false");
  };
  return wrap;
}

export function select(options, props = {}) {
  return h(
    "select",
    props,
    options.map(([value, text]) => h("option", { value, selected: value === props.value ? true : undefined }, text)),
  );
}

/** A status line for a screen: "Memuat…", an error with a retry button, or nothing. */
export function notice(kind, message, action) {
  return h(
    "div",
    { class: ["notice", `notice-${kind}`], role: kind === "error" ? "alert" : "status" },
    h("p", {}, message),
    action ? h("button", { type: "button", class: "secondary", onclick: action.run }, action.label) : null,
  );
}

let toastTimer = null;
export function toast(message) {
  const box = document.getElementById("toast");
  if (!box) return;
  box.textContent = message;
  box.classList.add("show");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => box.classList.remove("show"), 4000);
}

/** A modal question with two answers; resolves true for the first. Uses <dialog>. */
export function ask(question, yes, no = "Batal") {
  return new Promise((resolve) => {
    const dialog = h("dialog", { class: "ask", "aria-label": question });
    const done = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    dialog.append(
      h("p", {}, question),
      h(
        "div",
        { class: "actions" },
        h("button", { type: "button", class: "primary", onclick: () => done(true) }, yes),
        h("button", { type: "button", class: "secondary", onclick: () => done(false) }, no),
      ),
    );
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      done(false);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** The errors of a problem+json answer on the form's fields; what matches no field, in a list. */
export function showProblem(problem, fields, box) {
  for (const f of Object.values(fields)) f.setError?.("");
  const rest = [];
  for (const error of problem?.errors ?? []) {
    const name = String(error.field ?? "").replace(/^body\./, "");
    const target = fields[name] ?? fields[name.split(".")[0]];
    if (target?.setError) target.setError(error.message);
    else rest.push(error.message);
  }
  if (box) {
    fill(
      box,
      notice("error", problem?.detail || problem?.message || "Terjadi kesalahan."),
      rest.length ? h("ul", { class: "problem-list" }, rest.map((m) => h("li", {}, m))) : null,
    );
    box.scrollIntoView?.({ block: "nearest" });
  }
}
