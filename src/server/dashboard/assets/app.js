// The dashboard page: one EventSource on /events, one JSON snapshot per event. Snapshots carry
// counters; rates are the difference between two consecutive snapshots over the time between
// them, so every number on the page is the server's own, neither sampled nor smoothed here.
"use strict";

const WINDOW_S = 120; // seconds of history the charts keep
const $ = (id) => document.getElementById(id);

function bytes(n) {
  if (n == null) return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n.toFixed(0) : n.toFixed(1)) + " " + units[i];
}
function count(n) {
  if (n == null || !isFinite(n)) return "–";
  return n >= 10000 ? Math.round(n).toLocaleString("en-US") : (Math.round(n * 10) / 10).toString();
}
function duration(s) {
  if (s < 60) return s + "s";
  if (s < 3600) return Math.floor(s / 60) + "m" + (s % 60) + "s";
  return Math.floor(s / 3600) + "h" + Math.floor((s % 3600) / 60) + "m";
}

// One chart: a time axis and some series, fed one point per snapshot.
class Chart {
  constructor(el, series, format) {
    this.data = [[]].concat(series.map(() => []));
    const width = Math.max(300, el.clientWidth || 420);
    this.plot = new uPlot({
      width, height: 170,
      legend: { live: false },
      cursor: { show: false },
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
      axes: [{}, { size: 70, values: (u, ticks) => ticks.map(format) }],
      series: [{}].concat(series.map(([label, stroke]) => ({ label, stroke, width: 1.5 }))),
    }, this.data, el);
  }
  push(t, values) {
    this.data[0].push(t);
    values.forEach((v, i) => this.data[i + 1].push(v));
    while (this.data[0].length > 1 && this.data[0][0] < t - WINDOW_S) {
      this.data.forEach((column) => column.shift());
    }
    this.plot.setData(this.data);
  }
}

const charts = {
  ops: new Chart($("chart-ops"), [["commands/s", "#b3261e"]], count),
  net: new Chart($("chart-net"), [["in", "#1565c0"], ["out", "#2e7d32"]], bytes),
  clients: new Chart($("chart-clients"), [["connected", "#1565c0"], ["blocked", "#ef6c00"]], count),
  memory: new Chart($("chart-memory"), [["RSS", "#6a1b9a"]], bytes),
  output: new Chart($("chart-output"), [["output buffers", "#ef6c00"]], bytes),
  keys: new Chart($("chart-keys"), [["keys", "#1565c0"], ["with a TTL", "#ef6c00"]], count),
  loop: new Chart($("chart-loop"), [["turns/s", "#455a64"], ["events/s", "#00897b"]], count),
  perPoll: new Chart($("chart-per-poll"), [["events per poll", "#00897b"]], count),
  busy: new Chart($("chart-busy"), [["% working", "#b3261e"]], (v) => v.toFixed(0) + "%"),
};

let previous = null;

function render(s) {
  const t = s.time_ms / 1000;
  let rate = null;
  if (previous && t > previous.time_ms / 1000) {
    const dt = t - previous.time_ms / 1000;
    const per = (key) => Math.max(0, (s[key] - previous[key]) / dt);
    const loopPer = (key) => Math.max(0, (s.event_loop[key] - previous.event_loop[key]) / dt);
    const polled = s.event_loop.polled_us - previous.event_loop.polled_us;
    const busy = s.event_loop.busy_us - previous.event_loop.busy_us;
    const turns = s.event_loop.cycles - previous.event_loop.cycles;
    rate = {
      ops: per("commands_processed"),
      netIn: per("net_input_bytes"),
      netOut: per("net_output_bytes"),
      turns: loopPer("cycles"),
      events: loopPer("events"),
      eventsPerPoll: turns > 0 ? (s.event_loop.events - previous.event_loop.events) / turns : 0,
      busy: polled + busy > 0 ? (100 * busy) / (polled + busy) : 0,
    };
  }
  previous = s;

  $("status").textContent = "live · port " + s.port + (s.tls_port ? " · TLS " + s.tls_port : "") +
    " · up " + duration(Math.floor(s.uptime_ms / 1000));
  $("status").className = "status live";
  $("clients").textContent = s.connected_clients + " / " + s.blocked_clients;
  $("rss").textContent = bytes(s.rss_bytes);
  $("keys").textContent = count(s.keys);
  if (rate) {
    $("ops").textContent = count(rate.ops);
    $("net").textContent = bytes(rate.netIn) + "/s / " + bytes(rate.netOut) + "/s";
    $("turns").textContent = count(rate.turns);
    $("events").textContent = count(rate.eventsPerPoll);
    $("busy").textContent = rate.busy.toFixed(1) + "%";
    charts.ops.push(t, [rate.ops]);
    charts.net.push(t, [rate.netIn, rate.netOut]);
    charts.loop.push(t, [rate.turns, rate.events]);
    charts.perPoll.push(t, [rate.eventsPerPoll]);
    charts.busy.push(t, [rate.busy]);
  }
  charts.clients.push(t, [s.connected_clients, s.blocked_clients]);
  charts.memory.push(t, [s.rss_bytes]);
  charts.output.push(t, [s.output_pending]);
  charts.keys.push(t, [s.keys, s.keys_with_expiry]);
  renderTable(s);
  renderRows("#keyspace-table", s.keyspace.map((k) => [[k.type], [count(k.keys), true]]));
  renderRows("#databases-table", s.databases.length
    ? s.databases.map((d) => [["db" + d.db], [count(d.keys), true], [count(d.expires), true]])
    : [[["(no keys)"], [""], [""]]]);
  renderRows("#channels-table", s.channels.length
    ? s.channels.map((c) => [[c.name], [c.subscribers, true]])
    : [[["(no subscribers)"], [""]]]);
  renderLog(s.log);
  const when = (ms) => new Date(ms).toLocaleTimeString();
  renderRows("#slowlog-table", s.slowlog.length
    ? s.slowlog.map((e) => [[e.id, true], [when(e.time_ms)], [count(e.micros), true],
        [e.command], [e.peer + (e.name ? " " + e.name : "")]])
    : [[["(empty: CONFIG SET slowlog-log-slower-than to log)"], [""], [""], [""], [""]]]);
  renderRows("#latency-table", s.latency.length
    ? s.latency.map((e) => [[e.event], [when(e.time_ms)], [e.latest_ms, true], [e.max_ms, true]])
    : [[["(none: CONFIG SET latency-monitor-threshold to record)"], [""], [""], [""]]]);
}

// Replace a table's body with rows of [text, numeric] cells (text only: never HTML).
function renderRows(selector, rows) {
  const body = document.querySelector(selector + " tbody");
  body.replaceChildren(...rows.map((cells) => {
    const tr = document.createElement("tr");
    for (const [text, numeric] of cells) {
      const td = document.createElement("td");
      td.textContent = text;
      if (numeric) td.className = "num";
      tr.appendChild(td);
    }
    return tr;
  }));
}

function renderLog(lines) {
  const items = lines.map((line) => {
    const li = document.createElement("li");
    const when = document.createElement("span");
    when.className = "when";
    when.textContent = new Date(line.time_ms).toLocaleTimeString();
    li.appendChild(when);
    li.appendChild(document.createTextNode(line.text + (line.peer ? " (" + line.peer + ")" : "")));
    return li;
  });
  if (!items.length) {
    const li = document.createElement("li");
    li.className = "empty";
    li.textContent = "nothing notable yet: cut-offs, refusals and protocol errors appear here";
    items.push(li);
  }
  $("log").replaceChildren(...items);
}

function renderTable(s) {
  renderRows("#clients-table", s.clients.map((c) => [
    [c.id == null ? "–" : c.id], [c.addr], [c.name], [duration(c.age_s)], [duration(c.idle_s)],
    [c.flags.join(" ")], [bytes(c.input_bytes), true], [bytes(c.output_bytes), true],
    [c.writable ? "yes" : ""], [c.commands, true],
  ]));
  // Rows whose output waits on WRITABLE stand out.
  const trs = document.querySelectorAll("#clients-table tbody tr");
  s.clients.forEach((c, i) => { if (c.writable) trs[i].className = "writable"; });
  const rows = s.clients;
  const all = s.connected_clients + s.dashboard_connections;
  $("table-note").textContent = rows.length < all
    ? "(the " + rows.length + " of " + all + " connections with the most output pending)"
    : "(" + all + " connections, most output pending first)";
}

const source = new EventSource("/events");
source.onmessage = (event) => render(JSON.parse(event.data));
source.onerror = () => {
  $("status").textContent = "connection lost; retrying…";
  $("status").className = "status lost";
};
