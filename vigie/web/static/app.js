// Vigie dashboard: map, timeline, event list and evidence, all read from the API of the same origin.
// Article text and metadata are untrusted: every string goes into the page through textContent or an
// attribute, never parsed as markup; links are made only for http(s) URLs.
"use strict";

(() => {
  const d3 = window.d3;
  const topojson = window.topojson;
  const SVG = "http://www.w3.org/2000/svg";

  // PLOVER types: cooperation in greens and blues, verbal conflict in pinks and oranges, material conflict in reds.
  const TYPE_COLOURS = {
    AGREE: "#1b9e77", CONSULT: "#66a61e", SUPPORT: "#2ca25f", CONCEDE: "#7570b3", COOPERATE: "#238b45",
    AID: "#2b8cbe", RETREAT: "#6baed6", REQUEST: "#8c6bb1", ACCUSE: "#e6ab02", REJECT: "#f781bf",
    THREATEN: "#e7298a", PROTEST: "#ff7f00", SANCTION: "#a6761d", MOBILIZE: "#8c510a", COERCE: "#c51b7d",
    ASSAULT: "#d7191c",
  };
  const FLAG_LABELS = {
    unconfirmed: "unconfirmed", date_anomaly: "date anomaly", loaded_language: "loaded language",
    translation_artefact: "translation artefact",
  };
  const FILTERS = ["type", "since", "until", "country", "lang", "flag", "text"];
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const LIST_PAGE = 100;
  const MAP_PAGE = 1000;
  const MAP_PAGES = 5; // at most 5,000 markers: past that, narrow the filters
  const CLUSTER_BELOW_ZOOM = 4; // grid clustering while zoomed out less than this
  const CLUSTER_CELL_PX = 30;
  const MAX_ZOOM = 64;
  const DAY_MS = 86400000;

  const $ = (id) => document.getElementById(id);
  const colourOf = (type) => TYPE_COLOURS[type] || "#777";

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function svgEl(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, String(value));
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // -- state, kept in the query string so a view can be shared ------------------------------------------

  const state = { event: "", view: "" };
  for (const key of FILTERS) state[key] = "";

  function readState() {
    const params = new URLSearchParams(window.location.search);
    for (const key of [...FILTERS, "event", "view"]) state[key] = params.get(key) || "";
  }

  function writeState() {
    const params = new URLSearchParams();
    for (const key of [...FILTERS, "event", "view"]) if (state[key]) params.set(key, state[key]);
    const query = params.toString();
    window.history.replaceState(null, "", query ? `?${query}` : window.location.pathname);
  }

  function filterParams({ dates = true } = {}) {
    const params = new URLSearchParams();
    for (const key of FILTERS) {
      if (!state[key] || (!dates && (key === "since" || key === "until"))) continue;
      params.set(key, key === "country" ? state[key].toUpperCase() : state[key]);
    }
    return params;
  }

  // -- API ---------------------------------------------------------------------------------------------------

  async function api(path, params) {
    const query = params && params.toString() ? `?${params}` : "";
    const response = await fetch(`${path}${query}`, { headers: { Accept: "application/json" } });
    let body = null;
    try {
      body = await response.json();
    } catch (_) {
      body = null;
    }
    if (!response.ok) {
      throw new Error((body && body.error) || `${path}: HTTP ${response.status}`);
    }
    return body;
  }

  function showStatus(message, isError) {
    const status = $("status");
    status.textContent = message;
    status.classList.toggle("error", Boolean(isError));
  }

  // -- filters form -------------------------------------------------------------------------------------------

  const form = $("filters");

  function fillSelect(name, counts, label) {
    const select = form.elements[name];
    const keep = select.options[0];
    select.replaceChildren(keep);
    const keys = Object.keys(counts).sort();
    if (state[name] && !keys.includes(state[name])) keys.push(state[name]);
    for (const key of keys) {
      const option = el("option", { value: key }, `${label ? label(key) : key} (${counts[key] || 0})`);
      select.append(option);
    }
    select.value = state[name];
  }

  function syncForm() {
    for (const key of FILTERS) {
      const field = form.elements[key];
      if (field.value !== state[key]) field.value = state[key];
    }
  }

  let textTimer = 0;

  function bindForm() {
    form.addEventListener("submit", (event) => event.preventDefault());
    form.addEventListener("change", (event) => {
      const name = event.target.name;
      if (!FILTERS.includes(name)) return;
      state[name] = event.target.value.trim();
      state.event = "";
      refresh({ timeline: name !== "since" && name !== "until" });
    });
    form.elements.text.addEventListener("input", () => {
      window.clearTimeout(textTimer);
      textTimer = window.setTimeout(() => {
        const value = form.elements.text.value.trim();
        if (value === state.text) return;
        state.text = value;
        refresh({ timeline: true });
      }, 400);
    });
    form.addEventListener("reset", (event) => {
      event.preventDefault();
      for (const key of FILTERS) state[key] = "";
      state.event = "";
      syncForm();
      refresh({ timeline: true });
    });
  }

  // -- map ------------------------------------------------------------------------------------------------------

  const mapSvg = $("map");
  const map = {
    width: 0, height: 0, projection: null, path: null, k: 1, x: 0, y: 0,
    world: null, detailed: null, loadingDetailed: false, features: [],
    countries: svgEl("g", { class: "countries" }), markers: svgEl("g", { class: "markers" }),
  };
  mapSvg.append(map.countries, map.markers);

  function sizeMap() {
    const box = mapSvg.getBoundingClientRect();
    map.width = Math.max(200, box.width);
    map.height = Math.max(150, box.height);
    map.projection = d3.geoNaturalEarth1().fitExtent([[6, 6], [map.width - 6, map.height - 6]], { type: "Sphere" });
    map.path = d3.geoPath(map.projection);
  }

  function drawCountries() {
    const topology = map.detailed || map.world;
    map.countries.replaceChildren(svgEl("path", { class: "sphere", d: map.path({ type: "Sphere" }) }));
    if (!topology) return;
    const shapes = topojson.feature(topology, topology.objects.countries).features;
    for (const shape of shapes) {
      const d = map.path(shape);
      if (!d) continue;
      const path = svgEl("path", { class: "country", d });
      path.append(svgEl("title", {}, shape.properties && shape.properties.name));
      map.countries.append(path);
    }
    applyTransform();
  }

  function applyTransform() {
    map.countries.setAttribute("transform", `translate(${map.x},${map.y}) scale(${map.k})`);
  }

  function setView(k, x, y) {
    map.k = Math.min(MAX_ZOOM, Math.max(1, k));
    // Keep the world on screen: no panning it out of sight.
    const minX = map.width - map.width * map.k;
    const minY = map.height - map.height * map.k;
    map.x = Math.min(0, Math.max(minX, x));
    map.y = Math.min(0, Math.max(minY, y));
    applyTransform();
    drawMarkers();
    if (map.k >= 3 && !map.detailed && !map.loadingDetailed) loadDetailedCountries();
  }

  function zoomAt(factor, px, py) {
    const k = Math.min(MAX_ZOOM, Math.max(1, map.k * factor));
    const ratio = k / map.k;
    setView(k, px - (px - map.x) * ratio, py - (py - map.y) * ratio);
  }

  let viewTimer = 0;

  function rememberView() {
    window.clearTimeout(viewTimer);
    viewTimer = window.setTimeout(() => {
      if (map.k <= 1.001) {
        state.view = "";
      } else {
        const centre = map.projection.invert([(map.width / 2 - map.x) / map.k, (map.height / 2 - map.y) / map.k]);
        state.view = centre ? `${centre[0].toFixed(2)},${centre[1].toFixed(2)},${map.k.toFixed(2)}` : "";
      }
      writeState();
    }, 250);
  }

  function restoreView() {
    const parts = state.view.split(",").map(Number);
    if (parts.length !== 3 || parts.some((n) => !Number.isFinite(n))) {
      setView(1, 0, 0);
      return;
    }
    const [lon, lat, k] = parts;
    const point = map.projection([lon, lat]);
    if (!point) return setView(1, 0, 0);
    const zoom = Math.min(MAX_ZOOM, Math.max(1, k));
    setView(zoom, map.width / 2 - point[0] * zoom, map.height / 2 - point[1] * zoom);
  }

  function bindMap() {
    mapSvg.addEventListener("wheel", (event) => {
      event.preventDefault();
      const box = mapSvg.getBoundingClientRect();
      zoomAt(event.deltaY < 0 ? 1.25 : 0.8, event.clientX - box.left, event.clientY - box.top);
      rememberView();
    }, { passive: false });
    let drag = null;
    mapSvg.addEventListener("pointerdown", (event) => {
      if (event.button !== 0 || event.target.closest(".marker, .cluster")) return;
      drag = { x: event.clientX, y: event.clientY, mx: map.x, my: map.y, moved: false };
      mapSvg.setPointerCapture(event.pointerId);
    });
    mapSvg.addEventListener("pointermove", (event) => {
      if (!drag) return;
      const dx = event.clientX - drag.x;
      const dy = event.clientY - drag.y;
      if (!drag.moved && Math.hypot(dx, dy) < 3) return;
      drag.moved = true;
      mapSvg.classList.add("dragging");
      setView(map.k, drag.mx + dx, drag.my + dy);
    });
    const endDrag = () => {
      if (drag && drag.moved) rememberView();
      drag = null;
      mapSvg.classList.remove("dragging");
    };
    mapSvg.addEventListener("pointerup", endDrag);
    mapSvg.addEventListener("pointercancel", endDrag);
    const centreZoom = (factor) => {
      zoomAt(factor, map.width / 2, map.height / 2);
      rememberView();
    };
    $("zoom-in").addEventListener("click", () => centreZoom(2));
    $("zoom-out").addEventListener("click", () => centreZoom(0.5));
    $("zoom-reset").addEventListener("click", () => {
      setView(1, 0, 0);
      rememberView();
    });
  }

  async function loadWorld() {
    const response = await fetch("vendor/countries-110m.json");
    map.world = await response.json();
    drawCountries();
  }

  async function loadDetailedCountries() {
    map.loadingDetailed = true;
    try {
      const response = await fetch("vendor/countries-50m.json");
      map.detailed = await response.json();
      drawCountries();
    } catch (error) {
      map.loadingDetailed = false; // try again on the next zoom
    }
  }

  function screenPoint(feature) {
    const point = map.projection(feature.geometry.coordinates);
    if (!point) return null;
    return [point[0] * map.k + map.x, point[1] * map.k + map.y];
  }

  function markerTitle(props) {
    const place = props.place || {};
    const where = [place.name || place.canonical, place.country].filter(Boolean).join(", ");
    return `${props.type} · ${props.date || "undated"} · ${where} · confidence ${Math.round(props.confidence * 100)}%`;
  }

  function drawMarkers() {
    if (!map.projection) return;
    const cells = new Map();
    const points = [];
    for (const feature of map.features) {
      const point = screenPoint(feature);
      if (!point) continue;
      points.push({ feature, point });
    }
    if (map.k < CLUSTER_BELOW_ZOOM) {
      for (const item of points) {
        const key = `${Math.floor(item.point[0] / CLUSTER_CELL_PX)},${Math.floor(item.point[1] / CLUSTER_CELL_PX)}`;
        if (!cells.has(key)) cells.set(key, []);
        cells.get(key).push(item);
      }
    } else {
      // Zoomed in: no clusters, but events at the very same place are spread on a small ring to stay clickable.
      for (const item of points) {
        const key = `${Math.round(item.point[0])},${Math.round(item.point[1])}`;
        if (!cells.has(key)) cells.set(key, []);
        cells.get(key).push(item);
      }
    }
    const layer = [];
    for (const members of cells.values()) {
      if (members.length > 1 && map.k < CLUSTER_BELOW_ZOOM) {
        layer.push(clusterNode(members));
        continue;
      }
      members.sort((a, b) => b.feature.properties.confidence - a.feature.properties.confidence);
      members.forEach((item, index) => {
        let [x, y] = item.point;
        if (members.length > 1) {
          const angle = (2 * Math.PI * index) / members.length;
          const radius = 6 + 1.5 * members.length;
          x += radius * Math.cos(angle);
          y += radius * Math.sin(angle);
        }
        layer.push(markerNode(item.feature, x, y));
      });
    }
    map.markers.replaceChildren(...layer);
  }

  function markerNode(feature, x, y) {
    const props = feature.properties;
    const circle = svgEl("circle", {
      class: props.id === state.event ? "marker selected" : "marker",
      cx: x.toFixed(1), cy: y.toFixed(1), r: (3.5 + 5 * props.confidence).toFixed(1),
      fill: colourOf(props.type), "data-event-id": props.id, "data-type": props.type, tabindex: "0",
      role: "button", "aria-label": markerTitle(props),
    });
    circle.append(svgEl("title", {}, markerTitle(props)));
    circle.addEventListener("click", () => selectEvent(props.id));
    circle.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") selectEvent(props.id);
    });
    return circle;
  }

  function clusterNode(members) {
    const x = members.reduce((sum, item) => sum + item.point[0], 0) / members.length;
    const y = members.reduce((sum, item) => sum + item.point[1], 0) / members.length;
    const byType = new Map();
    for (const item of members) {
      const type = item.feature.properties.type;
      byType.set(type, (byType.get(type) || 0) + 1);
    }
    const ranked = [...byType.entries()].sort((a, b) => b[1] - a[1]);
    const group = svgEl("g", {
      class: "cluster", "data-count": members.length, tabindex: "0", role: "button",
      "aria-label": `${members.length} events: zoom in`,
    });
    group.append(
      svgEl("circle", { cx: x.toFixed(1), cy: y.toFixed(1), r: Math.min(15, 7 + 2 * Math.sqrt(members.length)).toFixed(1),
        fill: colourOf(ranked[0][0]) }),
      svgEl("text", { x: x.toFixed(1), y: y.toFixed(1) }, members.length),
      svgEl("title", {}, `${members.length} events (${ranked.map(([t, n]) => `${t} ${n}`).join(", ")}): click to zoom in`),
    );
    const zoomIn = () => centreOn(x, y, Math.max(CLUSTER_BELOW_ZOOM, map.k * 2.5));
    group.addEventListener("click", zoomIn);
    group.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") zoomIn();
    });
    return group;
  }

  // Zoom to `k` with the screen point (px, py) brought to the centre of the map.
  function centreOn(px, py, k) {
    const baseX = (px - map.x) / map.k;
    const baseY = (py - map.y) / map.k;
    const zoom = Math.min(MAX_ZOOM, Math.max(1, k));
    setView(zoom, map.width / 2 - baseX * zoom, map.height / 2 - baseY * zoom);
    rememberView();
  }

  function drawLegend(types) {
    const legend = $("legend");
    legend.replaceChildren();
    for (const type of Object.keys(types).sort()) {
      const item = el("li", { "data-type": type, title: `Show only ${type}` }, type);
      item.style.setProperty("--type-colour", colourOf(type));
      if (state.type === type) item.classList.add("active");
      item.addEventListener("click", () => {
        state.type = state.type === type ? "" : type;
        state.event = "";
        syncForm();
        refresh({ timeline: true });
      });
      legend.append(item);
    }
  }

  // -- timeline ------------------------------------------------------------------------------------------------

  const timelineSvg = $("timeline");
  const timeline = { days: [], x0: 0, x1: 0, start: 0, span: 1, byType: {} };
  const dayMs = (iso) => Date.parse(`${iso}T00:00:00Z`);
  const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);

  async function loadTimeline(generation) {
    const base = filterParams({ dates: false });
    const stats = await api("/api/stats", base);
    const types = state.type ? [state.type] : Object.keys(stats.by_type);
    // /api/stats counts by day for all types together: one call per type gives the stacks.
    const perType = await Promise.all(types.map((type) => {
      const params = new URLSearchParams(base);
      params.set("type", type);
      return api("/api/stats", params).then((s) => [type, s.by_day]);
    }));
    if (generation !== loadGeneration) return;
    timeline.byType = Object.fromEntries(perType);
    drawTimeline();
  }

  function drawTimeline() {
    const box = timelineSvg.getBoundingClientRect();
    const width = Math.max(200, box.width);
    const height = Math.max(80, box.height);
    const margin = { left: 30, right: 10, top: 8, bottom: 22 };
    const totals = new Map();
    for (const [type, days] of Object.entries(timeline.byType)) {
      for (const [day, count] of Object.entries(days)) {
        if (!totals.has(day)) totals.set(day, []);
        totals.get(day).push([type, count]);
      }
    }
    const days = [...totals.keys()].sort();
    timelineSvg.replaceChildren();
    if (!days.length) {
      timelineSvg.append(svgEl("text", { x: width / 2, y: height / 2, "text-anchor": "middle", class: "empty" },
        "no dated events"));
      timeline.days = [];
      return;
    }
    // From the first day of the first month to the last day of the last month.
    const first = new Date(dayMs(days[0]));
    const last = new Date(dayMs(days[days.length - 1]));
    const start = Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), 1);
    const end = Date.UTC(last.getUTCFullYear(), last.getUTCMonth() + 1, 1);
    Object.assign(timeline, { days, start, span: end - start, x0: margin.left, x1: width - margin.right });
    const x = (ms) => timeline.x0 + ((ms - start) / timeline.span) * (timeline.x1 - timeline.x0);
    const maxTotal = Math.max(...days.map((day) => totals.get(day).reduce((sum, [, n]) => sum + n, 0)));
    const plotHeight = height - margin.top - margin.bottom;
    const barWidth = Math.max(2, (timeline.x1 - timeline.x0) / (timeline.span / DAY_MS) - 0.5);

    const bars = svgEl("g", { class: "bars" });
    for (const day of days) {
      const stack = totals.get(day).sort((a, b) => a[0].localeCompare(b[0]));
      const total = stack.reduce((sum, [, n]) => sum + n, 0);
      const group = svgEl("g", { class: "day", "data-day": day });
      let top = height - margin.bottom;
      for (const [type, count] of stack) {
        const h = (count / maxTotal) * plotHeight;
        top -= h;
        group.append(svgEl("rect", { x: x(dayMs(day)).toFixed(1), y: top.toFixed(1), width: barWidth.toFixed(1),
          height: Math.max(1, h).toFixed(1), fill: colourOf(type), "data-type": type }));
      }
      group.append(svgEl("title", {}, `${day}: ${total} event${total > 1 ? "s" : ""} (${
        stack.map(([t, n]) => `${t} ${n}`).join(", ")})`));
      bars.append(group);
    }

    const axis = svgEl("g", { class: "axis" });
    const baseline = height - margin.bottom;
    axis.append(svgEl("line", { x1: timeline.x0, x2: timeline.x1, y1: baseline, y2: baseline }));
    axis.append(svgEl("text", { x: margin.left - 4, y: margin.top + 8, "text-anchor": "end" }, maxTotal));
    const months = (last.getUTCFullYear() - first.getUTCFullYear()) * 12 + last.getUTCMonth() - first.getUTCMonth() + 1;
    const step = Math.max(1, Math.ceil(months / Math.max(1, Math.floor((timeline.x1 - timeline.x0) / 64))));
    const dataMonths = new Set(days.map((day) => day.slice(0, 7)));
    for (let i = 0; i < months; i += 1) {
      const ms = Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + i, 1);
      const date = new Date(ms);
      const month = isoDay(ms).slice(0, 7);
      const labelled = i % step === 0 || (dataMonths.has(month) && step <= 2);
      axis.append(svgEl("line", { x1: x(ms), x2: x(ms), y1: baseline, y2: baseline + (labelled ? 5 : 2) }));
      if (i % step === 0) {
        axis.append(svgEl("text", { x: x(ms) + 2, y: baseline + 15, class: "tick", "data-month": month },
          `${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`));
      }
    }
    timelineSvg.append(axis, bars);
    timelineSvg.setAttribute("aria-label", `Events per day by type, ${days[0]} to ${days[days.length - 1]}`);
    drawBrush();
  }

  function dayAt(px) {
    const fraction = Math.min(1, Math.max(0, (px - timeline.x0) / (timeline.x1 - timeline.x0)));
    return isoDay(Math.min(timeline.start + timeline.span - DAY_MS, timeline.start + fraction * timeline.span));
  }

  function xOfDay(iso, endOfDay) {
    const ms = dayMs(iso) + (endOfDay ? DAY_MS : 0);
    const clamped = Math.min(timeline.start + timeline.span, Math.max(timeline.start, ms));
    return timeline.x0 + ((clamped - timeline.start) / timeline.span) * (timeline.x1 - timeline.x0);
  }

  function drawBrush(fromX, toX) {
    const old = timelineSvg.querySelector(".brush");
    if (old) old.remove();
    $("brush-clear").hidden = !(state.since || state.until);
    if (!timeline.days.length) return;
    let a = fromX;
    let b = toX;
    if (a === undefined) {
      if (!state.since && !state.until) return;
      a = state.since ? xOfDay(state.since, false) : timeline.x0;
      b = state.until ? xOfDay(state.until, true) : timeline.x1;
    }
    const box = timelineSvg.getBoundingClientRect();
    timelineSvg.append(svgEl("rect", { class: "brush", x: Math.min(a, b), y: 2, width: Math.max(1, Math.abs(b - a)),
      height: Math.max(10, box.height - 24) }));
  }

  function bindTimeline() {
    let brush = null;
    const localX = (event) => event.clientX - timelineSvg.getBoundingClientRect().left;
    timelineSvg.addEventListener("pointerdown", (event) => {
      if (event.button !== 0 || !timeline.days.length) return;
      brush = { from: localX(event), to: localX(event) };
      timelineSvg.setPointerCapture(event.pointerId);
    });
    timelineSvg.addEventListener("pointermove", (event) => {
      if (!brush) return;
      brush.to = localX(event);
      drawBrush(brush.from, brush.to);
    });
    timelineSvg.addEventListener("pointerup", () => {
      if (!brush) return;
      const { from, to } = brush;
      brush = null;
      let since = dayAt(Math.min(from, to));
      let until = dayAt(Math.max(from, to));
      if (Math.abs(to - from) < 3) {
        // A click: the day under the pointer (the nearest day with events, if within a few pixels).
        const near = timeline.days.find((day) => Math.abs(xOfDay(day, false) - from) < 4);
        since = near || since;
        until = since;
      }
      state.since = since;
      state.until = until;
      state.event = "";
      syncForm();
      refresh({ timeline: false });
    });
    $("brush-clear").addEventListener("click", () => {
      state.since = "";
      state.until = "";
      syncForm();
      refresh({ timeline: false });
    });
  }

  // -- events: map markers and list ----------------------------------------------------------------------------

  const list = { events: [], next: null, byId: new Map() };
  let loadGeneration = 0;

  async function loadMapEvents(generation) {
    const params = filterParams();
    params.set("format", "geojson");
    params.set("limit", String(MAP_PAGE));
    const features = [];
    for (let page = 0; page < MAP_PAGES; page += 1) {
      const collection = await api("/api/events", params);
      features.push(...collection.features);
      if (!collection.next) break;
      params.set("after", collection.next);
    }
    if (generation !== loadGeneration) return 0;
    map.features = features;
    drawMarkers();
    return features.length;
  }

  async function loadList(generation, after) {
    const params = filterParams();
    params.set("limit", String(LIST_PAGE));
    if (after) params.set("after", after);
    const page = await api("/api/events", params);
    if (generation !== loadGeneration) return;
    if (!after) {
      list.events = [];
      list.byId.clear();
      $("events").replaceChildren();
    }
    list.events.push(...page.events);
    list.next = page.next;
    for (const event of page.events) {
      list.byId.set(event.id, event);
      $("events").append(listItem(event));
    }
    $("more").hidden = !page.next;
    $("count").textContent = `${list.events.length}${page.next ? "+" : ""} shown`;
  }

  function badgesFor(event) {
    const names = [];
    if (event.attribution && event.attribution.status === "unconfirmed") names.push("unconfirmed");
    for (const flag of event.flags || []) if (!names.includes(flag)) names.push(flag);
    const box = el("span", { class: "badges" });
    for (const name of names) {
      const known = Object.prototype.hasOwnProperty.call(FLAG_LABELS, name);
      box.append(el("span", { class: `badge ${known ? name : "other"}`, "data-flag": name },
        known ? FLAG_LABELS[name] : name.replace(/_/g, " ")));
    }
    return box;
  }

  function typeChip(type) {
    const chip = el("span", { class: "type" }, type);
    chip.style.setProperty("--type-colour", colourOf(type));
    return chip;
  }

  function placeLabel(place) {
    if (!place) return "";
    return [place.name || place.canonical, place.country].filter(Boolean).join(", ");
  }

  function listItem(event) {
    const item = el("li", { class: "event", "data-event-id": event.id, "data-type": event.type, tabindex: "0" });
    if (event.id === state.event) item.classList.add("selected");
    const line = el("div", { class: "line" });
    line.append(typeChip(event.type), el("span", { class: "date" }, event.date || "undated"));
    const where = placeLabel(event.place);
    if (where) line.append(el("span", { class: "place" }, where));
    line.append(el("span", { class: "confidence", title: "confidence" }, `${Math.round(event.confidence * 100)}%`));
    line.append(badgesFor(event));
    item.append(line, el("p", { class: "evidence" }, event.evidence.text));
    item.addEventListener("click", () => selectEvent(event.id));
    item.addEventListener("keydown", (e) => {
      if (e.key === "Enter") selectEvent(event.id);
    });
    return item;
  }

  async function refresh({ timeline: withTimeline }) {
    loadGeneration += 1;
    const generation = loadGeneration;
    writeState();
    drawBrush();
    showStatus("loading…");
    const jobs = [loadMapEvents(generation), loadList(generation)];
    if (withTimeline) jobs.push(loadTimeline(generation));
    try {
      const [located] = await Promise.all(jobs);
      if (generation !== loadGeneration) return;
      showStatus(`${list.events.length}${list.next ? "+" : ""} events, ${located} on the map`);
      drawLegend(facets.by_type || {});
      if (state.event) {
        await selectEvent(state.event, { scroll: true });
      } else {
        closeDetail();
      }
    } catch (error) {
      if (generation === loadGeneration) showStatus(error.message, true);
    }
  }

  // -- evidence --------------------------------------------------------------------------------------------------

  let selectGeneration = 0;

  function markSelected() {
    for (const node of document.querySelectorAll(".event.selected, .marker.selected")) node.classList.remove("selected");
    if (!state.event) return null;
    const item = document.querySelector(`.event[data-event-id="${CSS.escape(state.event)}"]`);
    if (item) item.classList.add("selected");
    const marker = mapSvg.querySelector(`.marker[data-event-id="${CSS.escape(state.event)}"]`);
    if (marker) {
      marker.classList.add("selected");
      marker.parentNode.append(marker); // on top of its neighbours
    }
    return item;
  }

  async function selectEvent(id, { scroll = true } = {}) {
    state.event = id;
    writeState();
    const item = markSelected();
    if (item && scroll) item.scrollIntoView({ block: "nearest" });
    selectGeneration += 1;
    const generation = selectGeneration;
    try {
      const event = list.byId.get(id) || (await api(`/api/events/${encodeURIComponent(id)}`));
      const doc = await api(`/api/documents/${encodeURIComponent(event.doc_id)}`);
      if (generation !== selectGeneration) return;
      showDetail(event, doc);
    } catch (error) {
      if (generation === selectGeneration) showStatus(error.message, true);
    }
  }

  function closeDetail() {
    $("detail").hidden = true;
    markSelected();
  }

  // Append `text` (which starts at `offset` in the document) to `parent`, with the spans inside it marked.
  function appendMarked(parent, text, offset, spans, selectedId) {
    let cursor = 0;
    const inside = spans
      .filter((s) => s.end_utf16 > offset && s.start_utf16 < offset + text.length)
      .sort((a, b) => a.start_utf16 - b.start_utf16 || (a.event_id === selectedId ? -1 : 1));
    for (const span of inside) {
      const start = Math.max(0, span.start_utf16 - offset);
      const end = Math.min(text.length, span.end_utf16 - offset);
      if (start < cursor) continue; // overlapping evidence: the first one wins
      parent.append(document.createTextNode(text.slice(cursor, start)));
      const mark = el("mark", { class: span.event_id === selectedId ? "evidence" : "other", title: span.type },
        text.slice(start, end));
      parent.append(mark);
      cursor = end;
    }
    parent.append(document.createTextNode(text.slice(cursor)));
  }

  function paragraphs(text) {
    const found = [];
    const pattern = /[^\n]+/g;
    let match;
    while ((match = pattern.exec(text)) !== null) found.push({ start: match.index, text: match[0] });
    return found;
  }

  function showDetail(event, doc) {
    const summary = doc.document;
    $("detail-title").textContent = summary.title || summary.doc_id;
    const meta = $("detail-meta");
    meta.replaceChildren();
    const parts = [summary.source, summary.published, summary.lang].filter(Boolean).join(" · ");
    meta.append(document.createTextNode(parts));
    if (summary.url && /^https?:\/\//i.test(summary.url)) {
      meta.append(document.createTextNode(parts ? " · " : ""));
      meta.append(el("a", { href: summary.url, rel: "noopener noreferrer nofollow", target: "_blank" }, "source"));
    } else if (summary.url) {
      meta.append(document.createTextNode(`${parts ? " · " : ""}${summary.url}`));
    }

    const facts = $("detail-event");
    facts.replaceChildren();
    const actors = (role) => (event.actors && event.actors[role] || []).map((a) => a.canonical || a.text).join(", ");
    const rows = [
      ["type", [event.type, event.mode].filter(Boolean).join(" / ")],
      ["date", [event.date || "undated", event.date_text ? `(“${event.date_text}”)` : ""].filter(Boolean).join(" ")],
      ["place", placeLabel(event.place)],
      ["who", actors("source")],
      ["against", actors("target")],
      ["according to", [event.attribution.source, event.attribution.status].filter(Boolean).join(" · ")],
      ["confidence", `${Math.round(event.confidence * 100)}%`],
    ];
    for (const [label, value] of rows) {
      if (!value) continue;
      facts.append(el("dt", {}, label), el("dd", {}, value));
    }
    const badges = $("detail-badges");
    badges.replaceChildren(typeChip(event.type), badgesFor(event));

    const text = doc.text;
    const span = doc.spans.find((s) => s.event_id === event.id) || {
      event_id: event.id, type: event.type, start_utf16: 0, end_utf16: 0,
    };
    // The paragraph: from the line break before the evidence to the one after it.
    const from = text.lastIndexOf("\n", Math.max(0, span.start_utf16 - 1)) + 1;
    const next = text.indexOf("\n", span.end_utf16);
    const to = next === -1 ? text.length : next;
    const paragraph = $("detail-paragraph");
    paragraph.replaceChildren();
    appendMarked(paragraph, text.slice(from, to), from, [span], event.id);

    const full = $("detail-text");
    full.replaceChildren();
    for (const part of paragraphs(text)) {
      const p = el("p");
      appendMarked(p, part.text, part.start, doc.spans, event.id);
      full.append(p);
    }
    $("detail").hidden = false;
  }

  // -- start -------------------------------------------------------------------------------------------------------

  let facets = {};
  let resizeTimer = 0;

  async function start() {
    readState();
    syncForm();
    bindForm();
    bindMap();
    bindTimeline();
    $("more").addEventListener("click", () => loadList(loadGeneration, list.next).catch((e) => showStatus(e.message, true)));
    $("detail-close").addEventListener("click", () => {
      state.event = "";
      writeState();
      closeDetail();
    });
    window.addEventListener("resize", () => {
      window.clearTimeout(resizeTimer);
      resizeTimer = window.setTimeout(() => {
        sizeMap();
        drawCountries();
        restoreView();
        drawTimeline();
      }, 150);
    });
    sizeMap();
    restoreView();
    try {
      const [, stats] = await Promise.all([loadWorld(), api("/api/stats")]);
      facets = stats;
      fillSelect("type", stats.by_type);
      fillSelect("country", stats.by_country);
      fillSelect("lang", stats.by_lang);
      fillSelect("flag", stats.by_flag, (flag) => FLAG_LABELS[flag] || flag.replace(/_/g, " "));
    } catch (error) {
      showStatus(error.message, true);
    }
    await refresh({ timeline: true });
    document.body.dataset.ready = "true";
  }

  start();
})();
