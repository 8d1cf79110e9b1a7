#include "compare/html_assets.h"

namespace iophase::compare {

std::string_view html_style() {
    return R"CSS(
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222;
       margin: 0 auto; max-width: 1360px; padding: 16px 24px 64px; background: #fff; }
h1 { font-size: 26px; margin: 8px 0 4px; }
h2 { font-size: 20px; margin: 36px 0 6px; border-bottom: 2px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 20px 0 6px; color: #333; }
p.meta, p.note { color: #555; margin: 4px 0; }
p.note { font-style: italic; }
code { background: #f3f3f3; padding: 1px 4px; border-radius: 3px; }
.table-wrap { overflow-x: auto; }
table.rows { border-collapse: collapse; font-size: 12px; margin: 8px 0 4px; }
table.rows th, table.rows td { padding: 3px 5px; border-bottom: 1px solid #e4e4e4;
                               text-align: right; white-space: nowrap; }
table.rows th { background: #f6f6f6; font-weight: 600; }
table.rows td.model, table.rows th.model, table.rows td.label { text-align: left; }
tr.failed td { color: #b00020; }
tr.na td { color: #888; }
td.mismatch { color: #b00020; font-weight: 600; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 16px; font-size: 12.5px; margin: 4px 0 8px; }
.legend span.swatch { display: inline-block; width: 12px; height: 12px; margin-right: 5px;
                      vertical-align: -2px; border-radius: 2px; }
svg text { font: 12px system-ui, sans-serif; fill: #222; }
svg text.small { font-size: 10.5px; fill: #555; }
svg .axis { stroke: #999; stroke-width: 1; }
svg .grid { stroke: #eee; stroke-width: 1; }
svg rect.seg:hover, svg rect.phase:hover, svg rect.req-seg:hover,
svg circle.point:hover { stroke: #000; stroke-width: 1.5; }
.charts { display: flex; flex-wrap: wrap; gap: 12px 28px; }
nav a { margin-right: 14px; }
)CSS";
}

std::string_view html_script() {
    return R"JS(
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('iophase-data').textContent);
  var NS = 'http://www.w3.org/2000/svg';
  var palette = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948',
                 '#b07aa1', '#ff9da7', '#9c755f', '#555555'];

  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (parent) parent.appendChild(e);
    return e;
  }
  function text(parent, x, y, s, attrs) {
    var t = el('text', Object.assign({x: x, y: y}, attrs || {}), parent);
    t.textContent = s;
    return t;
  }
  function fmt(v) {
    if (v >= 100 || Number.isInteger(v)) return Math.round(v).toLocaleString('en-US');
    if (v >= 10) return v.toFixed(1);
    return v.toFixed(2);
  }

  var rows = data.runs.map(function (r) { return r.row; }).filter(function (r) {
    return r.scenario === 'idle-fanin' && r.status === 'ok';
  });
  var idles = Array.from(new Set(rows.map(function (r) { return r.load_settings.idle; })))
      .sort(function (a, b) { return a - b; });
  var models = data.plan.models;

  function lineChart(hostId, metric, yTitle, unit, logScale) {
    var host = document.getElementById(hostId);
    if (!host) return;
    var pts = rows.filter(function (r) {
      return r[metric] !== null && r[metric] !== undefined && (!logScale || r[metric] > 0);
    });
    if (idles.length === 0 || pts.length === 0) {
      host.appendChild(document.createTextNode('No idle-fanin data in this run.'));
      return;
    }
    var W = 620, H = 330, L = 64, R = 170, T = 16, B = 46;
    var svg = el('svg', {viewBox: '0 0 ' + W + ' ' + H, width: W, height: H,
                         'class': 'line-chart', 'data-chart': hostId, 'data-metric': metric,
                         role: 'img'}, host);
    var vals = pts.map(function (r) { return r[metric]; });
    var lo, hi, y, ticks = [];
    if (logScale) {
      lo = Math.pow(10, Math.floor(Math.log10(Math.min.apply(null, vals))));
      hi = Math.pow(10, Math.ceil(Math.log10(Math.max.apply(null, vals))));
      if (hi <= lo) hi = lo * 10;
      y = function (v) {
        return T + (H - T - B) * (1 - (Math.log10(v) - Math.log10(lo)) /
                                      (Math.log10(hi) - Math.log10(lo)));
      };
      for (var p = lo; p <= hi * 1.001; p *= 10) ticks.push(p);
    } else {
      lo = 0;
      var top = Math.max.apply(null, vals) || 1;
      var step = Math.pow(10, Math.floor(Math.log10(top)));
      hi = Math.ceil(top / step) * step;
      y = function (v) { return T + (H - T - B) * (1 - v / hi); };
      for (var q = 0; q <= 4; ++q) ticks.push(hi * q / 4);
    }
    var x = function (i) {
      return idles.length === 1 ? L + (W - L - R) / 2 : L + i * (W - L - R) / (idles.length - 1);
    };
    ticks.forEach(function (v) {
      el('line', {x1: L, x2: W - R, y1: y(v), y2: y(v), 'class': 'grid'}, svg);
      text(svg, L - 6, y(v) + 4, fmt(v), {'text-anchor': 'end', 'class': 'small'});
    });
    el('line', {x1: L, x2: W - R, y1: H - B, y2: H - B, 'class': 'axis'}, svg);
    el('line', {x1: L, x2: L, y1: T, y2: H - B, 'class': 'axis'}, svg);
    idles.forEach(function (n, i) {
      text(svg, x(i), H - B + 16, String(n), {'text-anchor': 'middle', 'class': 'small'});
    });
    text(svg, L + (W - L - R) / 2, H - 8, 'idle connections', {'text-anchor': 'middle'});
    text(svg, 14, T + (H - T - B) / 2, yTitle,
         {'text-anchor': 'middle', transform: 'rotate(-90 14 ' + (T + (H - T - B) / 2) + ')'});

    var legendY = T + 6;
    models.forEach(function (m, k) {
      var series = [];
      idles.forEach(function (n, i) {
        var r = pts.find(function (p) { return p.model === m && p.load_settings.idle === n; });
        if (r) series.push({i: i, n: n, v: r[metric]});
      });
      if (series.length === 0) return;
      var color = palette[k % palette.length];
      var g = el('g', {'class': 'series', 'data-model': m}, svg);
      el('polyline', {points: series.map(function (s) { return x(s.i) + ',' + y(s.v); }).join(' '),
                      fill: 'none', stroke: color, 'stroke-width': 2}, g);
      series.forEach(function (s) {
        var c = el('circle', {cx: x(s.i), cy: y(s.v), r: 4, fill: color, 'class': 'point',
                              'data-model': m, 'data-idle': s.n, 'data-metric': metric,
                              'data-value': s.v}, g);
        el('title', {}, c).textContent = m + ', ' + s.n + ' idle: ' + fmt(s.v) + ' ' + unit;
      });
      el('rect', {x: W - R + 12, y: legendY - 9, width: 12, height: 3, fill: color}, svg);
      text(svg, W - R + 30, legendY - 4, m, {'class': 'small'});
      legendY += 16;
    });
  }

  lineChart('fanin-fds', 'fds_scanned_per_ready', 'fds scanned per ready fd (log)',
            'fds per ready fd', true);
  lineChart('fanin-cpu', 'mux_cpu_ns_per_call', 'kernel ns per multiplexer call (log)',
            'ns on-CPU in the kernel per multiplexer call', true);
  lineChart('fanin-rate', 'msgs_per_s', 'messages per second', 'msgs/s', false);
  document.body.setAttribute('data-charts-drawn', 'yes');
})();
)JS";
}

}  // namespace iophase::compare
