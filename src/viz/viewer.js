// The step-by-step viewer of scalargrad::viz::to_html. Plain JavaScript, no framework.
// Rust wrote everything shown (the picture, the steps, the captions) into #data; this
// script only decides what the current step shows.
(function () {
  'use strict';
  var errors = [];
  window.addEventListener('error', function (e) { errors.push(String(e.message || e)); });

  var D = JSON.parse(document.getElementById('data').textContent);
  var svg = document.querySelector('#view svg');
  var N = D.steps.length;
  var params = new URLSearchParams(location.search);
  var lang = params.get('lang') === 'ja' ? 'ja' : 'en';
  var current = -1;
  var timer = null;

  var TEXT = {
    en: {
      lang: '日本語', play: 'play', pause: 'pause', step: 'step',
      legend: '<span class="swatch" style="background:#e8f5e9"></span>input or parameter' +
        '<span class="swatch" style="background:#eeeeee;border-radius:6px"></span>op' +
        '<span class="swatch" style="background:#fdebd0"></span>output' +
        '<span class="arrow" style="color:#e67e22">→</span> forward: the value' +
        '<span class="arrow" style="color:#2e86c1">←</span> backward: the gradient' +
        ' · keys ← → Home End, space; drag to pan, wheel to zoom; hover or tap a node',
      op: 'op', formula: 'formula', data: 'value', grad: 'gradient', local: 'local derivatives',
      input: 'input or parameter', unknown: '? (not reached yet)'
    },
    ja: {
      lang: 'English', play: '再生', pause: '一時停止', step: 'ステップ',
      legend: '<span class="swatch" style="background:#e8f5e9"></span>入力・パラメータ' +
        '<span class="swatch" style="background:#eeeeee;border-radius:6px"></span>演算' +
        '<span class="swatch" style="background:#fdebd0"></span>出力' +
        '<span class="arrow" style="color:#e67e22">→</span> 順伝播: 値' +
        '<span class="arrow" style="color:#2e86c1">←</span> 逆伝播: 勾配' +
        ' · キー ← → Home End、スペース。ドラッグで移動、ホイールで拡大、ノードに触れると詳細',
      op: '演算', formula: '式', data: '値', grad: '勾配', local: '局所的な微分',
      input: '入力・パラメータ', unknown: '?（まだ計算していません）'
    }
  };

  // The record fields whose numbers a step may hide, with their finished text.
  var fields, edgeEls;
  function bind() {
    fields = D.nodes.map(function (n) {
      var g = document.getElementById('n' + n.id);
      var f = { g: g };
      ['data', 'grad'].forEach(function (k) {
        var t = g ? g.querySelector('text.' + k) : null;
        if (t) { f[k] = { el: t, full: t.textContent }; }
      });
      return f;
    });
    edgeEls = D.edges.map(function (e, i) { return document.getElementById('e' + i); });
  }
  bind();

  function known(step, at) { return at !== null && at <= step; }

  function show(step) {
    step = Math.max(0, Math.min(N - 1, Math.round(Number(step) || 0)));
    current = step;
    var s = D.steps[step];
    D.nodes.forEach(function (n, i) {
      var f = fields[i];
      if (!f.g) { return; }
      f.g.classList.toggle('now', s.node === n.id ||
        (n.result !== undefined && n.result === s.node && s.phase === 'forward'));
      ['data', 'grad'].forEach(function (k) {
        if (!f[k]) { return; }
        var on = known(step, k === 'data' ? n.dataStep : n.gradStep);
        f[k].el.textContent = on ? f[k].full : k + ' ?';
        f[k].el.classList.toggle('unknown', !on);
      });
    });
    D.edges.forEach(function (e, i) {
      var el = edgeEls[i];
      if (!el) { return; }
      el.classList.toggle('f-on', known(step, e.forwardStep));
      el.classList.toggle('b-on', known(step, e.backwardStep));
      el.classList.toggle('f-now', e.forwardStep === step && step > 0);
      el.classList.toggle('b-now', e.backwardStep === step);
    });
    var t = TEXT[lang];
    var cap = document.getElementById('caption');
    cap.textContent = s[lang];
    cap.className = s.phase;
    document.getElementById('slider').value = String(step);
    document.getElementById('counter').textContent = t.step + ' ' + step + ' / ' + (N - 1);
    setHash(step);
    if (picked !== null) { info(picked); }
    if (s.node !== null) { follow(s.node); }
    return state();
  }

  // When zoomed in, keep the step's node in view.
  function follow(id) {
    var g = document.getElementById('n' + id);
    if (!g || !svg.getBoundingClientRect) { return; }
    var r = g.getBoundingClientRect();
    var v = svg.getBoundingClientRect();
    if (v.width === 0 || (r.left >= v.left && r.right <= v.right && r.top >= v.top && r.bottom <= v.bottom)) {
      return;
    }
    var c = toPicture(r.left + r.width / 2, r.top + r.height / 2);
    vb.x = c.x - vb.w / 2;
    vb.y = c.y - vb.h / 2;
    applyView();
  }

  function setHash(step) {
    // Other entries of the hash (a live page's edited leaves, live.js) stay.
    var h = new URLSearchParams(location.hash.slice(1));
    h.set('step', String(step));
    var want = '#' + h.toString();
    if (location.hash === want) { return; }
    try {
      history.replaceState(null, '', want);
    } catch (err) {
      location.replace(want);
    }
  }

  function hashStep() {
    var m = /^\d+$/.exec(new URLSearchParams(location.hash.slice(1)).get('step') || '');
    return m ? Number(m[0]) : null;
  }

  function state() {
    var s = D.steps[current];
    return {
      step: current,
      caption: s[lang],
      nodes: D.nodes.filter(function (n) { return n.kind !== 'op'; }).map(function (n) {
        return {
          index: n.index,
          label: n.label,
          data: known(current, n.dataStep) ? n.data : null,
          grad: known(current, n.gradStep) ? n.grad : null
        };
      })
    };
  }

  // Details of a node, on hover or tap; what the step has not reached shows as '?'.
  var picked = null;
  function info(id) {
    picked = id;
    var n = D.nodes[id];
    var v = n.kind === 'op' && n.result !== null ? D.nodes[n.result] : n;
    var t = TEXT[lang];
    var box = document.getElementById('info');
    box.textContent = '';
    var h = document.createElement('h2');
    h.textContent = v.label + (v.expr ? ' = ' + v.expr : '');
    box.appendChild(h);
    var dl = document.createElement('dl');
    function row(k, val) {
      var dt = document.createElement('dt');
      dt.textContent = k;
      var dd = document.createElement('dd');
      dd.textContent = val;
      dl.appendChild(dt);
      dl.appendChild(dd);
    }
    if (v.op) {
      row(t.op, v.op);
      row(t.formula, v.formula);
    } else {
      row(t.op, t.input);
    }
    row(t.data, known(current, v.dataStep) ? v.dataText : t.unknown);
    row(t.grad, known(current, v.gradStep) ? v.gradText : t.unknown);
    (v.locals || []).forEach(function (l, k) {
      row(k === 0 ? t.local : '', l[0] + ' = ' + (l[1] === l[2] ? l[2] : l[1] + ' = ' + l[2]));
    });
    box.appendChild(dl);
    box.hidden = false;
    document.querySelectorAll('#view .node.picked').forEach(function (g) {
      g.classList.remove('picked');
    });
    var g = document.getElementById('n' + id);
    if (g) { g.classList.add('picked'); }
  }
  document.querySelectorAll('#view .node').forEach(function (g) {
    var id = Number(g.id.slice(1));
    g.addEventListener('mouseenter', function () { info(id); });
    g.addEventListener('click', function () { info(id); });
  });

  // Zoom and pan, by changing the picture's viewBox.
  var full = svg.viewBox.baseVal;
  var box0 = { x: full.x, y: full.y, w: full.width, h: full.height };
  var vb = { x: box0.x, y: box0.y, w: box0.w, h: box0.h };
  svg.removeAttribute('width');
  svg.removeAttribute('height');
  function applyView() {
    svg.setAttribute('viewBox', vb.x + ' ' + vb.y + ' ' + vb.w + ' ' + vb.h);
  }
  function toPicture(cx, cy) {
    var p = svg.createSVGPoint();
    p.x = cx;
    p.y = cy;
    var m = svg.getScreenCTM();
    return m ? p.matrixTransform(m.inverse()) : { x: vb.x + vb.w / 2, y: vb.y + vb.h / 2 };
  }
  function zoom(factor, cx, cy) {
    var r = svg.getBoundingClientRect();
    var p = toPicture(cx === undefined ? r.left + r.width / 2 : cx,
      cy === undefined ? r.top + r.height / 2 : cy);
    var w = Math.max(box0.w / 40, Math.min(box0.w * 4, vb.w * factor));
    var f = w / vb.w;
    vb.x = p.x - (p.x - vb.x) * f;
    vb.y = p.y - (p.y - vb.y) * f;
    vb.w *= f;
    vb.h *= f;
    applyView();
  }
  function fit() {
    vb = { x: box0.x, y: box0.y, w: box0.w, h: box0.h };
    applyView();
  }
  svg.addEventListener('wheel', function (e) {
    e.preventDefault();
    zoom(e.deltaY < 0 ? 0.85 : 1 / 0.85, e.clientX, e.clientY);
  }, { passive: false });
  var drag = null;
  svg.addEventListener('pointerdown', function (e) {
    drag = { x: e.clientX, y: e.clientY, moved: false };
  });
  svg.addEventListener('pointermove', function (e) {
    if (!drag) { return; }
    var m = svg.getScreenCTM();
    var scale = m ? 1 / m.a : 1;
    var dx = e.clientX - drag.x;
    var dy = e.clientY - drag.y;
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) { return; }
    if (!drag.moved) {
      drag.moved = true;
      svg.classList.add('dragging');
      try { svg.setPointerCapture(e.pointerId); } catch (err) { /* not capturable */ }
    }
    vb.x -= dx * scale;
    vb.y -= dy * scale;
    drag.x = e.clientX;
    drag.y = e.clientY;
    applyView();
  });
  function endDrag() {
    drag = null;
    svg.classList.remove('dragging');
  }
  svg.addEventListener('pointerup', endDrag);
  svg.addEventListener('pointercancel', endDrag);

  // Controls.
  function play() {
    if (timer) {
      clearInterval(timer);
      timer = null;
    } else {
      if (current >= N - 1) { show(0); }
      timer = setInterval(function () {
        if (current >= N - 1) { play(); } else { show(current + 1); }
      }, 1100);
    }
    labels();
  }
  function labels() {
    var t = TEXT[lang];
    var p = document.getElementById('play');
    p.textContent = timer ? t.pause : t.play;
    p.title = (timer ? t.pause : t.play) + ' (space)';
    document.getElementById('lang').textContent = t.lang;
    document.getElementById('legend').innerHTML = t.legend;
    document.documentElement.lang = lang;
  }
  function on(id, f) { document.getElementById(id).addEventListener('click', f); }
  on('first', function () { show(0); });
  on('prev', function () { show(current - 1); });
  on('next', function () { show(current + 1); });
  on('last', function () { show(N - 1); });
  on('play', play);
  on('zoomin', function () { zoom(0.8); });
  on('zoomout', function () { zoom(1.25); });
  on('fit', fit);
  on('lang', function () {
    lang = lang === 'ja' ? 'en' : 'ja';
    params.set('lang', lang);
    var url = '?' + params.toString() + location.hash;
    try {
      history.replaceState(null, '', url);
    } catch (err) {
      location.search = '?' + params.toString();
      return;
    }
    labels();
    show(current);
  });
  var slider = document.getElementById('slider');
  slider.max = String(N - 1);
  slider.addEventListener('input', function () { show(slider.value); });
  document.addEventListener('keydown', function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) { return; }
    var k = e.key;
    if (k === 'ArrowRight') { show(current + 1); } else if (k === 'ArrowLeft') { show(current - 1); } else if (k === 'Home') { show(0); } else if (k === 'End') { show(N - 1); } else if (k === ' ') { play(); } else if (k === '+' || k === '=') { zoom(0.8); } else if (k === '-') { zoom(1.25); } else if (k === '0') { fit(); } else { return; }
    e.preventDefault();
  });
  window.addEventListener('hashchange', function () {
    var s = hashStep();
    if (s !== null && s !== current) { show(s); }
  });

  // Live pages (live.js): new page data and picture from the engine, shown at the same step
  // (the last one if the new graph has fewer), with the zoom kept when the picture's size is.
  window.scalargradViewer = {
    data: function () { return D; },
    current: function () { return current; },
    lang: function () { return lang; },
    load: function (data, markup) {
      // One parse: the picture's inside replaces the old one's (the <svg> element, and the
      // zoom and pan listeners on it, stay).
      var open = markup.indexOf('>', markup.indexOf('<svg')) + 1;
      var m = /viewBox="([^"]*)"/.exec(markup.slice(0, open));
      var b = m ? m[1] : null;
      svg.innerHTML = markup.slice(open, markup.lastIndexOf('</svg>'));
      D = data;
      N = D.steps.length;
      window.scalargrad.steps = N;
      slider.max = String(N - 1);
      bind();
      // The new nodes' hover and tap (as set up at the start).
      document.querySelectorAll('#view .node').forEach(function (g) {
        var id = Number(g.id.slice(1));
        g.addEventListener('mouseenter', function () { info(id); });
        g.addEventListener('click', function () { info(id); });
      });
      if (b && b !== box0.x + ' ' + box0.y + ' ' + box0.w + ' ' + box0.h) {
        var p = b.split(/[\s,]+/).map(Number);
        var zoomed = vb.w !== box0.w || vb.h !== box0.h || vb.x !== box0.x || vb.y !== box0.y;
        box0 = { x: p[0], y: p[1], w: p[2], h: p[3] };
        if (!zoomed) { fit(); }
      }
      if (picked !== null && picked >= D.nodes.length) { picked = null; }
      return show(Math.min(current, N - 1));
    }
  };

  window.scalargrad = {
    steps: N,
    step: function (n) { return show(n); },
    state: state
  };

  labels();
  var opened = hashStep();
  show(opened === null ? 0 : opened);
  var openedAt = current;

  if (params.get('selftest')) { selftest(openedAt, opened); }

  // The page's own checks, for tests/browser/check_pages.sh: every step runs without a
  // script error, the steps come in the order the issue asks for, the captions carry the
  // step's numbers, and the last step shows the numbers given in ?expect=label.field:value,…
  function selftest(openedAt, asked) {
    var fails = [];
    function check(ok, what) { if (!ok) { fails.push(what); } }
    function fmt(x) {
      // scalargrad::viz::format_number, to check the captions' numbers.
      if (x === 0) { return '0'; }
      if (!isFinite(x)) { return String(x); }
      var a = Math.abs(x);
      if (a < 1e-3 || a >= 1e7) {
        var e = x.toExponential(3).replace('e+', 'e');
        return e;
      }
      var s = x.toFixed(4).replace(/0+$/, '').replace(/\.$/, '');
      return s === '-0' ? '0' : s;
    }
    if (asked !== null) {
      check(openedAt === Math.min(asked, N - 1), '#step=' + asked + ' opened at step ' + openedAt);
    }
    var seenData = {};
    var seenGrad = {};
    var byIndex = {};
    D.nodes.forEach(function (n) { if (n.kind !== 'op') { byIndex[n.index] = n; } });
    for (var i = 0; i < N; i++) {
      var st;
      try {
        st = window.scalargrad.step(i);
      } catch (err) {
        fails.push('step ' + i + ' threw ' + err);
        continue;
      }
      check(st.step === i, 'step(' + i + ') shows step ' + st.step);
      check(typeof st.caption === 'string' && st.caption.length > 0, 'step ' + i + ' has no caption');
      var s = D.steps[i];
      var newData = [];
      var newGrad = [];
      st.nodes.forEach(function (n) {
        if (n.data !== null && !(n.index in seenData)) { newData.push(n.index); seenData[n.index] = i; }
        if (n.grad !== null && !(n.index in seenGrad)) { newGrad.push(n.index); seenGrad[n.index] = i; }
      });
      if (i === 0) {
        check(newGrad.length === 0, 'step 0 reveals a gradient');
        st.nodes.forEach(function (n) {
          var isLeaf = byIndex[n.index].kind === 'leaf';
          check((n.data !== null) === isLeaf, 'step 0: ' + n.label + ' data shown = ' + (n.data !== null));
        });
      } else if (s.phase === 'forward') {
        var v = D.nodes[s.node];
        check(newData.length === 1 && newData[0] === v.index, 'forward step ' + i + ' reveals ' + newData.join(','));
        check(newGrad.length === 0, 'forward step ' + i + ' reveals a gradient');
        check(s[lang].slice(-fmt(v.data).length - 3) === ' = ' + fmt(v.data),
          'forward step ' + i + ' caption does not end with = ' + fmt(v.data) + ': ' + s[lang]);
      } else {
        var w = D.nodes[s.node];
        check(newGrad.length === 1 && newGrad[0] === w.index, 'backward step ' + i + ' reveals ' + newGrad.join(','));
        var end = ' = ' + fmt(w.grad);
        var c = s[lang];
        check(c.indexOf(end + '. ') >= 0 || c.indexOf(end + '。') >= 0 || c.slice(-end.length) === end,
          'backward step ' + i + ' caption lacks = ' + fmt(w.grad) + ': ' + s[lang]);
      }
    }
    // Order: a value appears after its parents, its gradient after its users' gradients.
    D.edges.forEach(function (e) {
      var a = D.nodes[e.from];
      var b = D.nodes[e.to];
      var src = a.kind === 'op' ? D.nodes[a.result] : a;
      var dst = b.kind === 'op' ? D.nodes[b.result] : b;
      if (src === dst) { return; }
      check(seenData[src.index] <= seenData[dst.index], 'data of ' + dst.label + ' before its input ' + src.label);
      check(seenGrad[src.index] > seenGrad[dst.index], 'gradient of ' + src.label + ' before its user ' + dst.label);
    });
    var last = window.scalargrad.step(N - 1);
    last.nodes.forEach(function (n) {
      check(n.data !== null && n.grad !== null, 'last step hides ' + n.label);
    });
    (params.get('expect') || '').split(',').filter(Boolean).forEach(function (item) {
      var m = /^(.+)\.(data|grad):(.+)$/.exec(item);
      if (!m) { fails.push('bad expectation ' + item); return; }
      var want = Number(m[3]);
      var node = last.nodes.filter(function (n) { return n.label === m[1]; })[0];
      if (!node) { fails.push('no node ' + m[1]); return; }
      var got = node[m[2]];
      check(got !== null && Math.abs(got - want) <= 1e-9 * Math.max(1, Math.abs(want)),
        m[1] + '.' + m[2] + ' = ' + got + ', expected ' + want);
    });
    // Zoomed in, a step still shows its node.
    zoom(0.2);
    var far = D.steps[N - 1].node;
    window.scalargrad.step(N - 1);
    var r = document.getElementById('n' + far).getBoundingClientRect();
    var v = svg.getBoundingClientRect();
    var cx = r.left + r.width / 2;
    var cy = r.top + r.height / 2;
    check(cx >= v.left && cx <= v.right && cy >= v.top && cy <= v.bottom,
      'zoomed in, the last step\'s node is out of view');
    fit();
    check(errors.length === 0, 'script errors: ' + errors.join('; '));
    var middle = Math.floor(N / 2);
    window.scalargrad.step(asked === null ? middle : Math.min(asked, N - 1));
    var out = document.getElementById('selftest');
    out.hidden = false;
    out.textContent = (fails.length ? 'FAIL ' : 'PASS ') + N + ' steps\n' + fails.join('\n');
  }
}());
