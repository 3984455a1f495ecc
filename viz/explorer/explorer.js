// glassgrad explorer: pan and zoom, fold modules, details of a node, search, a backward
// slider and gradient-health colours, over the SVG that graphviz drew. The data comes from
// the JSON block (see viz/explorer/records.py); user text only ever reaches the page as
// textContent, never as markup.
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('graph-data').textContent);
  var graph = document.getElementById('graph');
  var svg = graph.querySelector('svg');
  var details = document.getElementById('details');
  var nodes = {};  // DOT id -> <g class="node">
  svg.querySelectorAll('g.node').forEach(function (g) { nodes[g.id] = g; });
  var edges = {};
  svg.querySelectorAll('g.edge').forEach(function (g) { edges[g.id] = g; });

  // ------------------------------------------------------------ pan and zoom (the viewBox)
  var home = svg.getAttribute('viewBox').split(/\s+/).map(Number);
  var view = home.slice();
  function setView(v) { view = v; svg.setAttribute('viewBox', v.join(' ')); }
  function svgPoint(event) {
    var p = svg.createSVGPoint();
    p.x = event.clientX; p.y = event.clientY;
    return p.matrixTransform(svg.getScreenCTM().inverse());
  }
  svg.addEventListener('wheel', function (event) {
    event.preventDefault();
    var k = Math.exp(event.deltaY * 0.0015), p = svgPoint(event);
    setView([p.x - (p.x - view[0]) * k, p.y - (p.y - view[1]) * k, view[2] * k, view[3] * k]);
  }, { passive: false });
  var drag = null;
  svg.addEventListener('pointerdown', function (event) {
    if (event.target.closest('g.node, g.cluster > text, g.fold')) return;
    drag = { x: event.clientX, y: event.clientY, view: view.slice() };
    graph.classList.add('panning');
  });
  window.addEventListener('pointermove', function (event) {
    if (!drag) return;
    // Screen pixels to SVG units: the viewBox is fitted into the element ("meet").
    var scale = Math.max(drag.view[2] / svg.clientWidth, drag.view[3] / svg.clientHeight);
    setView([drag.view[0] - (event.clientX - drag.x) * scale,
             drag.view[1] - (event.clientY - drag.y) * scale, drag.view[2], drag.view[3]]);
  });
  window.addEventListener('pointerup', function () { drag = null; graph.classList.remove('panning'); });
  document.getElementById('fit').onclick = function () { setView(home.slice()); };
  // A tall graph (a deep network) starts at its top, as wide as the panel; "fit" shows it all.
  if (home[3] / home[2] > 1.5 * svg.clientHeight / svg.clientWidth) {
    setView([home[0], home[1], home[2], home[2] * svg.clientHeight / svg.clientWidth]);
  }
  function centreOn(g) {
    var box = g.getBBox();
    setView([box.x + box.width / 2 - view[2] / 2, box.y + box.height / 2 - view[3] / 2,
             view[2], view[3]]);
  }

  // ------------------------------------------------------------------- the details panel
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function rows(pairs) {
    var table = el('table');
    pairs.forEach(function (pair) {
      if (pair[1] === undefined || pair[1] === null || pair[1] === '') return;
      var tr = table.insertRow();
      tr.appendChild(el('th', pair[0]));
      tr.appendChild(el('td', pair[1]));
    });
    return table;
  }
  function histogram(h, color) {
    var ns = 'http://www.w3.org/2000/svg', w = 240, hgt = 60;
    var box = document.createElementNS(ns, 'svg');
    box.setAttribute('width', w); box.setAttribute('height', hgt + 16);
    var top = Math.max.apply(null, h.counts), bar = w / h.counts.length;
    h.counts.forEach(function (c, i) {
      var r = document.createElementNS(ns, 'rect'), height = top ? (c / top) * hgt : 0;
      r.setAttribute('x', i * bar + 0.5); r.setAttribute('width', bar - 1);
      r.setAttribute('y', hgt - height); r.setAttribute('height', height);
      r.setAttribute('fill', color);
      box.appendChild(r);
    });
    [[h.lo, 0, 'start'], [h.hi, w, 'end']].forEach(function (t) {
      var label = document.createElementNS(ns, 'text');
      label.textContent = t[0];
      label.setAttribute('x', t[1]); label.setAttribute('y', hgt + 13);
      label.setAttribute('text-anchor', t[2]); label.setAttribute('font-size', '11');
      box.appendChild(label);
    });
    return box;
  }
  function heatColour(v, lo, hi) {  // diverging: blue negative, white 0, red positive
    if (v === null) return '#9c36b5';
    var m = Math.max(Math.abs(lo), Math.abs(hi)) || 1, t = Math.min(Math.abs(v) / m, 1);
    var fade = Math.round(255 * (1 - t));
    return v >= 0 ? 'rgb(255,' + fade + ',' + fade + ')' : 'rgb(' + fade + ',' + fade + ',255)';
  }
  function entries(f) {
    var table = el('table', null, 'entries'), flat = [].concat.apply([], f.scale);
    var finite = flat.filter(function (v) { return v !== null; });
    var lo = Math.min.apply(null, finite.concat([0])), hi = Math.max.apply(null, finite.concat([0]));
    f.entries.forEach(function (row, i) {
      var tr = table.insertRow();
      row.forEach(function (text, j) {
        var td = el('td', text);
        if (f.heatmap) td.style.background = heatColour(f.scale[i][j], lo, hi);
        tr.appendChild(td);
      });
    });
    return table;
  }
  function arraySection(title, f, cls) {
    var part = el('section');
    part.appendChild(el('h3', title, cls));
    if (!f) { part.appendChild(el('p', 'none', 'hint')); return part; }
    if (f.stats) {
      var s = f.stats;
      part.appendChild(rows([['min', s.min], ['mean', s.mean], ['max', s.max], ['norm', s.norm],
                             ['zeros', s.zeros], ['NaN', s.nan], ['Inf', s.inf]]));
    }
    if (f.histogram) part.appendChild(histogram(f.histogram, cls === 'grad' ? '#cf222e' : '#1a7f37'));
    if (f.entries && f.size === 1) {
      part.appendChild(el('p', f.entries[0][0], 'number ' + cls));
    } else if (f.entries) {
      part.appendChild(el('p', f.heatmap ? 'entries (heatmap: red > 0 > blue)' : 'entries', 'hint'));
      part.appendChild(entries(f));
    }
    return part;
  }
  function show(id) {
    var r = data.nodes[id];
    details.replaceChildren();
    details.appendChild(el('h2', r.kind === 'op' ? r.op : r.label));
    if (r.kind === 'op') {
      details.appendChild(rows([
        ['op', r.op], ['module', r.scope], ['inputs', r.inputs.join(', ')],
        ['output', r.output + '  ' + r.type],
        ['backward', r.runs_at ? 'runs at step ' + r.runs_at + ' of ' + (data.steps.length - 1) : '']]));
      details.appendChild(arraySection('output value', r.value, 'value'));
      return;
    }
    details.appendChild(rows([
      ['name', r.label], ['kind', r.kind + (r.requires_grad ? ', requires grad' : '')],
      ['made by', r.made_by], ['module', r.scope], ['shape', r.value.shape],
      ['dtype', r.value.dtype],
      ['gradient', r.known_at !== null && r.known_at !== undefined ? 'complete at step ' + r.known_at : '']]));
    if (r.health && r.health.tag) details.appendChild(el('p', '\u26a0 ' + r.health.tag + ' gradient', 'warn'));
    details.appendChild(arraySection('value', r.value, 'value'));
    details.appendChild(arraySection('gradient', r.grad, 'grad'));
  }
  function select(id) {
    svg.querySelectorAll('g.node.selected').forEach(function (g) { g.classList.remove('selected'); });
    nodes[id].classList.add('selected');
    show(id);
  }
  Object.keys(nodes).forEach(function (id) {
    if (data.nodes[id]) nodes[id].addEventListener('click', function () { select(id); });
  });

  // ----------------------------------------------------------------------- folding modules
  var folded = {};  // cluster id -> its overlay <g class="fold">
  function refreshHidden() {
    var hidden = {};
    Object.keys(folded).forEach(function (c) {
      data.clusters[c].members.forEach(function (n) { hidden[n] = true; });
    });
    Object.keys(nodes).forEach(function (n) { nodes[n].classList.toggle('folded-away', !!hidden[n]); });
    Object.keys(edges).forEach(function (e) {
      var d = data.edges[e];
      edges[e].classList.toggle('folded-away', !!(d && hidden[d.tail] && hidden[d.head]));
    });
    // A fold inside a folded cluster is covered by the outer one.
    Object.keys(folded).forEach(function (c) {
      var inner = Object.keys(folded).some(function (o) {
        return o !== c && data.clusters[c].path.indexOf(data.clusters[o].path + '/') === 0;
      });
      folded[c].classList.toggle('folded-away', inner);
    });
  }
  function fold(c, on) {
    if (on === !!folded[c]) return;
    if (on) {
      var box = svg.querySelector('#' + CSS.escape(c)).getBBox(), ns = 'http://www.w3.org/2000/svg';
      var g = document.createElementNS(ns, 'g'), rect = document.createElementNS(ns, 'rect');
      var text = document.createElementNS(ns, 'text'), info = data.clusters[c];
      g.setAttribute('class', 'fold'); g.setAttribute('data-cluster', c);
      [['x', box.x], ['y', box.y], ['width', box.width], ['height', box.height], ['rx', 6]]
        .forEach(function (a) { rect.setAttribute(a[0], a[1]); });
      text.setAttribute('x', box.x + box.width / 2); text.setAttribute('y', box.y + box.height / 2);
      text.setAttribute('text-anchor', 'middle');
      text.textContent = info.label;
      var tip = document.createElementNS(ns, 'title');
      tip.textContent = info.path + ': ' + info.members.length + ' nodes folded (click to unfold)';
      g.appendChild(tip); g.appendChild(rect); g.appendChild(text);
      g.addEventListener('click', function () { fold(c, false); });
      svg.querySelector('g.graph').appendChild(g);
      folded[c] = g;
    } else {
      folded[c].remove();
      delete folded[c];
    }
    refreshHidden();
  }
  svg.querySelectorAll('g.cluster').forEach(function (g) {
    var label = g.querySelector(':scope > text');
    if (label && data.clusters[g.id]) label.addEventListener('click', function () { fold(g.id, true); });
  });
  document.getElementById('fold-all').onclick = function () {
    // Fold the innermost modules: clusters with no cluster inside them.
    Object.keys(data.clusters).forEach(function (c) {
      var path = data.clusters[c].path + '/';
      var leaf = !Object.keys(data.clusters).some(function (o) { return data.clusters[o].path.indexOf(path) === 0; });
      if (leaf) fold(c, true);
    });
  };
  document.getElementById('unfold-all').onclick = function () {
    Object.keys(folded).forEach(function (c) { fold(c, false); });
  };

  // -------------------------------------------------------------------------------- search
  var search = document.getElementById('search'), found = document.getElementById('found');
  function matches(query) {
    var q = query.trim().toLowerCase();
    return Object.keys(nodes).filter(function (id) {
      var r = data.nodes[id];
      return q && r && (r.label.toLowerCase().indexOf(q) >= 0 || (r.op || '').toLowerCase().indexOf(q) >= 0);
    });
  }
  search.addEventListener('input', function () {
    var hits = matches(search.value);
    Object.keys(nodes).forEach(function (id) { nodes[id].classList.toggle('match', hits.indexOf(id) >= 0); });
    svg.classList.toggle('searching', search.value.trim() !== '');
    found.textContent = search.value.trim() ? hits.length + ' found' : '';
  });
  search.addEventListener('keydown', function (event) {
    var hits = matches(search.value);
    if (event.key === 'Enter' && hits.length) { select(hits[0]); centreOn(nodes[hits[0]]); }
  });

  // ------------------------------------------------------------------- the backward slider
  var slider = document.getElementById('slider'), caption = document.getElementById('caption');
  function showStep(k) {
    Object.keys(nodes).forEach(function (id) {
      var r = data.nodes[id], g = nodes[id];
      if (!r) return;
      var op = r.kind === 'op';
      g.classList.toggle('current', op && r.runs_at === k);
      g.classList.toggle('pending', op && r.runs_at !== null && r.runs_at > k);
      g.classList.toggle('grad-pending', !op && r.known_at !== null && r.known_at > k);
    });
    Object.keys(edges).forEach(function (id) {
      var d = data.edges[id], g = edges[id];
      if (!d) return;
      g.classList.toggle('sending', d.into_at === k);
      g.classList.toggle('arrived', d.from_at === k);
      g.classList.toggle('pending', d.into_at !== null ? d.into_at > k : d.known_at !== null && d.known_at > k);
    });
    caption.textContent = data.steps[k].caption;
  }
  if (slider) {
    slider.addEventListener('input', function () { showStep(Number(slider.value)); });
    showStep(Number(slider.value));
  }

  // ----------------------------------------------------------------------- gradient health
  Object.keys(nodes).forEach(function (id) {
    var r = data.nodes[id];
    if (!r || !r.health) return;
    nodes[id].setAttribute('data-health', r.health.kind);
    nodes[id].style.setProperty('--health', r.health.color);
    nodes[id].style.setProperty('--health-fill', r.health.fill);
  });
  Object.keys(edges).forEach(function (id) {
    var d = data.edges[id];
    if (!d || !d.health) return;
    edges[id].setAttribute('data-health', '');
    edges[id].style.setProperty('--health', d.health);
  });
  var health = document.getElementById('health');
  health.addEventListener('change', function () {
    svg.classList.toggle('health', health.checked);
    document.getElementById('legend').hidden = !health.checked;
  });
})();
