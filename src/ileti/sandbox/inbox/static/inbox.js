/* ileti sandbox inbox.
 *
 * Reads the sandbox's JSON views and listens to /_sandbox/events (server-sent events) to refetch when the
 * store changes. Every piece of data reaches the page through text nodes (`h()` below): message texts and
 * webhook bodies are untrusted, so no HTML string is ever parsed into the page.
 */
"use strict";

(() => {
  const API = "/_sandbox";
  const FILTERS = ["number", "sender", "order_id", "account"];
  const TABS = ["messages", "orders", "webhooks", "requests"];

  const state = {
    tab: "messages",
    filters: { number: "", sender: "", order_id: "", account: "" },
    thread: "",
    statuses: {},
    loading: false,
    again: false,
  };

  // ------------------------------------------------------------------ DOM helpers (text only)

  /** Create an element; strings among the children become text nodes, never markup. */
  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") el.className = value;
      else if (key === "dataset") Object.assign(el.dataset, value);
      else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
      else el.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  const byId = (id) => document.getElementById(id);

  function setText(id, text) {
    byId(id).textContent = text;
  }

  // ------------------------------------------------------------------ formatting

  /** "+905301234567" -> "+90 530 123 45 67"; anything else unchanged. */
  function formatNumber(number) {
    const m = /^\+90(\d{3})(\d{3})(\d{2})(\d{2})$/.exec(number || "");
    return m ? `+90 ${m[1]} ${m[2]} ${m[3]} ${m[4]}` : String(number);
  }

  function initials(number) {
    const digits = String(number || "").replace(/\D/g, "");
    return digits.slice(-2) || "?";
  }

  /** "2026-11-26 13:45:10" -> "13:45" today, else "26.11 13:45". */
  function shortTime(stamp, today) {
    if (!stamp) return "";
    const [day, time] = stamp.split(" ");
    const hm = (time || "").slice(0, 5);
    if (day === today) return hm;
    const [, month, date] = day.split("-");
    return `${date}.${month} ${hm}`;
  }

  const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

  function statusChip(code) {
    const info = state.statuses[code];
    const label = info ? info.label : String(code);
    const title = info ? `${code} · ${info.message} · ${info.meaning}` : String(code);
    return h("span", { class: `chip s${code}`, title, dataset: { status: code } }, label);
  }

  // ------------------------------------------------------------------ URL state

  function readLocation() {
    const params = new URLSearchParams(location.search);
    for (const name of FILTERS) state.filters[name] = params.get(name) || "";
    const tab = params.get("tab");
    state.tab = TABS.includes(tab) ? tab : "messages";
    state.thread = params.get("thread") || "";
  }

  function writeLocation() {
    const params = new URLSearchParams();
    for (const name of FILTERS) if (state.filters[name]) params.set(name, state.filters[name]);
    if (state.tab !== "messages") params.set("tab", state.tab);
    if (state.thread) params.set("thread", state.thread);
    const query = params.toString();
    history.replaceState(null, "", query ? `?${query}` : location.pathname);
  }

  function filterQuery(extra) {
    const params = new URLSearchParams();
    for (const name of FILTERS) if (state.filters[name]) params.set(name, state.filters[name]);
    for (const [key, value] of Object.entries(extra || {})) if (value) params.set(key, value);
    return params.toString();
  }

  async function getJSON(path) {
    const response = await fetch(path, { headers: { Accept: "application/json" }, cache: "no-store" });
    const body = await response.json();
    if (!response.ok) throw new Error(body && body.error ? body.error : `HTTP ${response.status}`);
    return body;
  }

  // ------------------------------------------------------------------ loading

  async function refresh() {
    if (state.loading) {
      state.again = true; // a change arrived mid-load: load once more afterwards
      return;
    }
    state.loading = true;
    try {
      do {
        state.again = false;
        await load();
      } while (state.again);
      showError("");
    } catch (error) {
      showError(error.message || String(error));
    } finally {
      state.loading = false;
    }
  }

  async function load() {
    const overview = await getJSON(`${API}/inbox/overview`);
    renderOverview(overview);
    if (state.tab === "messages") {
      const { threads } = await getJSON(`${API}/inbox/threads?${filterQuery()}`);
      const numbers = threads.map((t) => t.number);
      if (!numbers.includes(state.thread)) state.thread = numbers[0] || "";
      renderThreads(threads, overview.now.split(" ")[0]);
      let messages = [];
      if (state.thread) {
        const query = filterQuery({ to: state.thread, limit: "500" });
        // the control API filters by exact number (`to`), so the page's number filter is not passed on
        const params = new URLSearchParams(query);
        params.delete("number");
        messages = (await getJSON(`${API}/messages?${params}`)).messages;
      }
      const thread = threads.find((t) => t.number === state.thread);
      renderConversation(thread, messages);
    } else if (state.tab === "orders") {
      renderOrders((await getJSON(`${API}/inbox/orders?${filterQuery()}`)).orders);
    } else if (state.tab === "requests") {
      // the journal filters by account and order only; the number and sender filters do not apply
      const params = new URLSearchParams({ limit: "200" });
      for (const name of ["account", "order_id"]) if (state.filters[name]) params.set(name, state.filters[name]);
      renderRequests((await getJSON(`${API}/requests?${params}`)).requests);
    } else {
      renderWebhooks((await getJSON(`${API}/inbox/webhooks?${filterQuery()}`)).webhooks);
    }
    writeLocation();
  }

  function showError(text) {
    const el = byId("error");
    el.textContent = text ? `Could not load: ${text}` : "";
    el.hidden = !text;
  }

  // ------------------------------------------------------------------ rendering

  function renderOverview(o) {
    state.statuses = o.statuses;
    const clock = byId("clock");
    clock.replaceChildren(o.now);
    if (o.clock_mode !== "real") clock.append(h("span", { class: "mode", title: "Changed through /_sandbox/clock" }, o.clock_mode));
    document.title = `ileti inbox (${o.messages})`;
    setText("count-messages", o.messages);
    setText("count-orders", o.orders);
    setText("count-webhooks", o.webhooks);
    byId("senders").replaceChildren(...o.senders.map((s) => h("option", { value: s })));
    const select = document.querySelector("#filters select[name=account]");
    const keys = o.accounts.includes(state.filters.account) || !state.filters.account
      ? o.accounts : [...o.accounts, state.filters.account];
    select.replaceChildren(
      h("option", { value: "" }, "any"),
      ...keys.map((key) => h("option", { value: key, title: key }, key.length > 14 ? `${key.slice(0, 12)}…` : key)),
    );
    select.value = state.filters.account;
  }

  function renderThreads(threads, today) {
    const list = byId("threads");
    list.replaceChildren(...threads.map((t) => h("li", {
      class: `thread${t.number === state.thread ? " selected" : ""}`,
      dataset: { number: t.number },
      onclick: () => { state.thread = t.number; refresh(); },
    },
      h("div", { class: "avatar" }, initials(t.number)),
      h("div", { class: "thread-main" },
        h("div", { class: "thread-top" },
          h("span", { class: "thread-number" }, formatNumber(t.number)),
          h("span", { class: "thread-time", title: t.last_at }, shortTime(t.last_at, today))),
        h("div", { class: "thread-preview" }, h("span", { class: "who" }, `${t.last_sender}: `), t.last_text)),
      h("span", {
        class: `badge${t.waiting ? " waiting" : ""}`,
        title: `${plural(t.count, "message")}, ${t.waiting} waiting`,
      }, t.count),
    )));
    byId("threads-empty").hidden = threads.length > 0;
  }

  function renderConversation(thread, messages) {
    const list = byId("conversation");
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    const previous = list.dataset.number;
    setText("phone-number", thread ? formatNumber(thread.number) : "No recipient selected");
    setText("phone-sub", thread ? plural(thread.count, "message") : "");
    setText("phone-avatar", thread ? initials(thread.number) : "");
    list.dataset.number = thread ? thread.number : "";
    // the API lists newest first; a phone shows the newest at the bottom
    list.replaceChildren(...messages.slice().reverse().map(renderMessage));
    if (atBottom || previous !== list.dataset.number) list.scrollTop = list.scrollHeight;
  }

  /** "submitted 10:15:00 · sent 10:20:00 · delivered 10:20:02": the times a phone would not show, short. */
  function messageTimes(m) {
    const clock = (stamp) => (stamp || "").split(" ")[1] || stamp;
    const times = [h("time", { title: m.submitted_at }, `submitted ${clock(m.submitted_at)}`)];
    if (m.send_at !== m.submitted_at) times.push(h("time", { title: m.send_at }, `send at ${m.send_at}`));
    if (m.final_at) {
      const label = state.statuses[m.status] ? state.statuses[m.status].label : "final";
      times.push(h("time", { title: m.final_at }, `${label} ${clock(m.final_at)}`));
    }
    return times.flatMap((time, i) => (i ? [h("span", { class: "sep" }, "·"), time] : [time]));
  }

  function renderMessage(m) {
    return h("li", { class: "msg", dataset: { id: m.id, order: m.order_id, status: m.status } },
      h("div", { class: "msg-sender" }, m.sender),
      h("div", { class: "bubble" }, h("p", { class: "bubble-text" }, m.text)),
      h("div", { class: "msg-meta" },
        statusChip(m.status),
        h("span", { class: "encoding" }, m.encoding),
        h("span", { class: "sep" }, "·"),
        h("span", { class: "parts" }, plural(m.parts, "part")),
        h("span", { class: "sep" }, "·"),
        h("button", {
          type: "button", class: "link", title: "Show only this order",
          onclick: () => setFilter("order_id", String(m.order_id)),
        }, `order ${m.order_id}`),
        h("span", { class: "sep" }, "·"),
        h("button", {
          type: "button", class: "link request-link", title: "Show the API call that placed this order",
          onclick: () => { state.filters.order_id = String(m.order_id); switchTab("requests"); },
        }, "request")),
      h("div", { class: "msg-meta msg-times" }, messageTimes(m)),
      m.reason ? h("div", { class: "msg-reason" }, m.reason) : null);
  }

  function reportBar(o) {
    const pct = (n) => (o.total ? `${(100 * n) / o.total}%` : "0");
    const bar = h("div", { class: "bar", title: `${o.delivered} delivered, ${o.undelivered} undelivered, ${o.waiting} waiting` },
      h("span", { class: "ok" }), h("span", { class: "bad" }), h("span", { class: "wait" }));
    const [ok, bad, wait] = bar.children;
    ok.style.width = pct(o.delivered);
    bad.style.width = pct(o.undelivered);
    wait.style.width = pct(o.waiting);
    return h("div", {}, bar,
      h("div", { class: "counters" },
        `${o.total} total · ${o.delivered} delivered · ${o.undelivered} undelivered · ${o.waiting} waiting`));
  }

  function renderOrders(orders) {
    byId("orders").replaceChildren(...orders.map((o) => h("tr", {
      class: "clickable", dataset: { order: o.id }, title: "Show this order's messages",
      onclick: () => { state.filters.order_id = String(o.id); state.thread = ""; switchTab("messages"); },
    },
      h("td", { class: "mono" }, o.id),
      h("td", {}, o.sender),
      h("td", {}, o.scheduled ? h("span", { class: "chip scheduled", title: `scheduled for ${o.send_at}` }, "scheduled")
        : statusChip(o.status)),
      h("td", { class: "wide" }, reportBar(o)),
      h("td", { class: "text-cell", title: o.text }, o.texts > 1 ? `${o.text} (+${o.texts - 1} more texts)` : o.text),
      h("td", { class: "time" }, o.submitted_at),
      h("td", { class: "time" }, o.send_at),
      h("td", { class: "num" }, o.billing === "tl" ? `${o.price} TL` : `${o.price} SMS`),
      h("td", { class: "key mono", title: o.account }, o.account),
    )));
    byId("orders-empty").hidden = orders.length > 0;
  }

  /** The message text inside a webhook payload, for the one-line summary; the raw JSON is shown below it. */
  function webhookBody(payload) {
    try {
      const report = JSON.parse(payload).report;
      return `${report.to}: ${report.body}`;
    } catch (error) {
      return "payload";
    }
  }

  function renderWebhooks(hooks) {
    byId("webhooks").replaceChildren(...hooks.map((w) => {
      const last = w.log[w.log.length - 1];
      const result = last ? (last.http_status ? `HTTP ${last.http_status}` : last.error || "error") : "";
      return h("tr", { dataset: { webhook: w.id } },
        h("td", { class: "mono" }, w.id),
        h("td", { class: "time" }, w.created_at),
        h("td", { class: "mono" }, w.order_id),
        h("td", { class: "mono" }, w.message_id),
        h("td", {}, w.event),
        h("td", {}, h("span", { class: `chip ${w.state === "delivered" ? "s111" : w.state === "failed" ? "s112" : "s110"}` }, w.state)),
        h("td", {}, String(w.attempts), result ? h("div", { class: "result", title: result }, result) : null),
        h("td", { class: "url mono", title: w.url }, w.url),
        h("td", { class: "payload" }, h("details", {},
          h("summary", { title: "Show the JSON that was posted" }, webhookBody(w.payload)),
          h("pre", {}, w.payload),
          w.log.length ? h("ol", { class: "attempts" }, ...w.log.map((a) =>
            h("li", {}, `#${a.attempt} ${a.at} · ${a.http_status ? `HTTP ${a.http_status}` : a.error || "error"} · ${a.duration_ms} ms`))) : null)));
    }));
    byId("webhooks-empty").hidden = hooks.length > 0;
  }

  /** One journaled API call: refusals are marked and show the sentence that says why. */
  function renderRequest(r) {
    const ok = r.code === 200;
    const code = r.code === null ? "dropped" : String(r.code);
    return h("tr", { class: ok ? "call" : "call refused", dataset: { request: r.id, code } },
      h("td", { class: "mono" }, r.id),
      h("td", { class: "time" }, r.at),
      h("td", {}, r.endpoint, h("div", { class: "transport" }, r.transport)),
      h("td", {}, h("span", { class: `chip ${ok ? "s111" : "s112"}`, title: ok ? "accepted" : "refused" }, code)),
      h("td", { class: "wide reason" }, r.reason || ""),
      h("td", { class: "mono" }, r.order_id === null ? "" : h("button", {
        type: "button", class: "link", title: "Show this order's messages",
        onclick: () => { state.filters.order_id = String(r.order_id); state.thread = ""; switchTab("messages"); },
      }, String(r.order_id))),
      h("td", { class: "key mono", title: r.account || "no account matched" }, r.account || "—"),
      h("td", { class: "num" }, r.duration_ms),
      h("td", { class: "payload" }, r.request === null ? "" : h("details", {},
        h("summary", { title: "Show the request as decoded (hash and password redacted)" },
          r.truncated ? "request (cut short)" : "request"),
        h("pre", {}, JSON.stringify(r.request, null, 2)))));
  }

  function renderRequests(calls) {
    byId("requests").replaceChildren(...calls.map(renderRequest));
    byId("requests-empty").hidden = calls.length > 0;
    const refusals = calls.filter((r) => r.code !== 200).length;
    setText("count-requests", refusals ? String(refusals) : "");
  }

  // ------------------------------------------------------------------ interaction

  function switchTab(tab) {
    state.tab = tab;
    for (const name of TABS) {
      byId(`view-${name}`).hidden = name !== tab;
      byId(`tab-${name}`).setAttribute("aria-selected", String(name === tab));
    }
    syncForm();
    refresh();
  }

  function setFilter(name, value) {
    state.filters[name] = value;
    syncForm();
    refresh();
  }

  function syncForm() {
    const form = byId("filters");
    for (const name of FILTERS) if (form.elements[name].value !== state.filters[name]) form.elements[name].value = state.filters[name];
  }

  function wireFilters() {
    const form = byId("filters");
    let timer = 0;
    form.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        for (const name of FILTERS) state.filters[name] = form.elements[name].value.trim();
        refresh();
      }, 250);
    });
    form.addEventListener("reset", () => {
      for (const name of FILTERS) state.filters[name] = "";
      state.thread = "";
      setTimeout(refresh, 0);
    });
    form.addEventListener("submit", (event) => event.preventDefault());
  }

  function listen() {
    const live = byId("live");
    const source = new EventSource(`${API}/events`);
    source.addEventListener("open", () => {
      live.dataset.state = "live";
      live.textContent = "live";
    });
    source.addEventListener("change", () => refresh());
    source.addEventListener("error", () => {
      // EventSource reconnects by itself; say so until it does
      live.dataset.state = source.readyState === EventSource.CLOSED ? "offline" : "connecting";
      live.textContent = source.readyState === EventSource.CLOSED ? "offline" : "reconnecting";
    });
  }

  function start() {
    readLocation();
    for (const name of TABS) byId(`tab-${name}`).addEventListener("click", () => switchTab(name));
    wireFilters();
    listen();
    switchTab(state.tab);
  }

  start();
})();
