// Charts of the tenant's key signals, drawn with the vendored uPlot from /ui/api/series.
// The page names a signal and a range only; the server decides the tenant and the PromQL.
(function () {
  "use strict";
  const tenant = document.body.dataset.tenant;
  const rangeSelect = document.getElementById("range");
  const REFRESH_MS = 15000;
  const COLORS = ["#1d4ed8", "#c0362c", "#067647", "#b54708", "#7a5af8", "#0e9384", "#dd2590"];
  const plots = new Map();

  function label(series) {
    const l = series.labels;
    return l.service || l.tenant || "value";
  }

  function toColumns(series) {
    // uPlot wants one shared x axis: merge every series' timestamps.
    const times = [...new Set(series.flatMap(s => s.points.map(p => p[0])))].sort((a, b) => a - b);
    const index = new Map(times.map((t, n) => [t, n]));
    const columns = series.map(function (s) {
      const column = new Array(times.length).fill(null);
      s.points.forEach(p => { column[index.get(p[0])] = p[1]; });
      return column;
    });
    return [times, ...columns];
  }

  function show(card, message) {
    const note = card.querySelector(".chart-message");
    note.textContent = message || "";
    note.hidden = !message;
  }

  async function draw(card) {
    const signal = card.dataset.signal;
    const params = new URLSearchParams({signal: signal, range: rangeSelect.value});
    if (tenant) params.set("tenant", tenant);
    let body;
    try {
      const response = await fetch("/ui/api/series?" + params, {credentials: "same-origin"});
      body = await response.json();
      if (!response.ok) { show(card, body.error ? body.error.message : "HTTP " + response.status); return; }
    } catch (err) { show(card, "The engine is unreachable."); return; }
    show(card, body.series.length ? "" : "No data for this tenant in this range.");
    const target = card.querySelector(".plot");
    const old = plots.get(signal);
    if (old) old.destroy();
    if (!body.series.length) { plots.delete(signal); return; }
    const opts = {
      width: target.clientWidth || 400, height: 200,
      scales: {x: {time: true, range: [body.start, body.end]}},
      series: [{}, ...body.series.map((s, n) => ({label: label(s), stroke: COLORS[n % COLORS.length], width: 1.5}))],
      axes: [{}, {label: body.unit, size: 60}],
    };
    plots.set(signal, new uPlot(opts, toColumns(body.series), target));
  }

  function drawAll() { document.querySelectorAll(".chart").forEach(draw); }
  if (tenant) {
    drawAll();
    rangeSelect.addEventListener("change", drawAll);
    setInterval(drawAll, REFRESH_MS);
  }
})();
