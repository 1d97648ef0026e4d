// Live updates over Server-Sent Events (/ui/events): every page listens, each redraws its part.
// Text from incidents is set with textContent only, never as HTML.
(function () {
  "use strict";
  const page = document.body.dataset.page;
  const state = document.getElementById("live-state");

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }
  function link(href, text) { const a = el("a", text); a.href = href; return a; }
  function badge(value) { return el("span", value, "badge " + value); }
  function when(iso) {
    const d = new Date(iso);
    return isNaN(d) ? (iso || "") : d.toISOString().replace("T", " ").slice(0, 19) + " UTC";
  }

  function matchesFilters(i, table) {
    const f = table.dataset;
    return (!f.status || i.status === f.status) && (!f.severity || i.severity === f.severity) &&
      (!f.service || (i.services || []).includes(f.service));
  }
  function incidentRow(i) {
    const url = "/ui/incidents/" + encodeURIComponent(i.id);
    const tr = el("tr", undefined, "incident");
    tr.id = "incident-" + i.id;
    tr.dataset.status = i.status;
    const title = el("span");
    title.appendChild(link(url, i.title || ""));
    if (i.caused_by) {
      const cause = el("small", " caused by ");
      cause.appendChild(link("/ui/incidents/" + encodeURIComponent(i.caused_by), "platform incident #" + i.caused_by));
      title.append(" ", cause);
    }
    const cells = [link(url, String(i.id)), i.tenant, badge(i.severity), badge(i.status),
      title, (i.services || []).join(", "), when(i.updated_at)];
    for (const c of cells) { const td = el("td"); typeof c === "string" ? td.textContent = c : td.appendChild(c); tr.appendChild(td); }
    return tr;
  }
  function upsertRow(i, fresh) {
    const table = document.getElementById("incidents");
    const body = document.getElementById("incident-rows");
    const old = document.getElementById("incident-" + i.id);
    if (!matchesFilters(i, table)) { if (old) old.remove(); return; }
    const row = incidentRow(i);
    if (fresh) row.classList.add("fresh");
    if (old) old.replaceWith(row); else body.insertBefore(row, body.firstChild);
    document.getElementById("no-incidents").hidden = body.children.length > 0;
  }

  async function refreshOverview() {
    const response = await fetch("/ui/api/overview", {credentials: "same-origin"});
    if (!response.ok) return;
    const counts = (await response.json()).tenants;
    document.querySelectorAll("[data-open-count]").forEach(function (cell) {
      const tenant = cell.dataset.openCount;
      const mine = counts[tenant] || {open: 0, worst: null};
      cell.textContent = String(mine.open);
      const health = document.querySelector('[data-health="' + CSS.escape(tenant) + '"]');
      const value = mine.worst === "critical" ? "critical" : mine.open ? "degraded" : health.dataset.budgetStatus;
      health.textContent = value;
      health.className = "badge " + value;
    });
  }

  async function refreshIncident(id) {
    const response = await fetch("/ui/api/incidents/" + encodeURIComponent(id), {credentials: "same-origin"});
    if (!response.ok) return;
    const i = await response.json();
    const status = document.getElementById("incident-status");
    status.textContent = i.status; status.className = "badge " + i.status;
    document.getElementById("incident-updated").textContent = when(i.updated_at);
    document.getElementById("root-cause").textContent = i.root_cause || "No guess yet.";
    if (i.status === "resolved") document.getElementById("incident-actions").replaceChildren();
    const events = i.timeline || i.events || [];
    if (events.length) {
      const list = document.getElementById("timeline");
      list.replaceChildren(...events.map(function (e) {
        const li = el("li"); li.append(el("time", when(e.at)), " ", el("strong", e.kind), " " + (e.who || "") + " " + (e.detail || ""));
        return li;
      }));
    }
  }

  // an older page (opened through a cursor) stays as it is; the newest page follows live
  const liveList = page === "incidents" && document.getElementById("incidents").dataset.live === "on";

  function changed(i) {
    if (liveList) upsertRow(i, true);
    if (page === "overview") refreshOverview();
    if (page === "incident" && String(i.id) === document.body.dataset.incidentId) refreshIncident(i.id);
  }

  const source = new EventSource("/ui/events");
  source.addEventListener("open", function () { state.textContent = "● live"; state.classList.add("on"); });
  source.addEventListener("error", function () { state.textContent = "reconnecting…"; state.classList.remove("on"); });
  // on (re)connect: catch up with whatever changed since the page was rendered
  source.addEventListener("snapshot", function (e) {
    const list = JSON.parse(e.data).incidents;
    if (liveList) {
      const body = document.getElementById("incident-rows");
      body.replaceChildren();
      list.slice().reverse().forEach(i => upsertRow(i, false));
      document.getElementById("no-incidents").hidden = body.children.length > 0;
    }
    if (page === "overview") refreshOverview();
  });
  source.addEventListener("incident", function (e) { changed(JSON.parse(e.data)); });
  source.addEventListener("logout", function () { source.close(); window.location.assign("/ui/login"); });
})();
