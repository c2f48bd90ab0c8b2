// Live pages: edit a leaf, and the engine in the page (graphs/scalargrad_engine.js, the crate
// compiled to WebAssembly) builds the graph again from the page's recipe, runs backward and
// draws the page anew; viewer.js shows it at the same step. This script is a view: every
// number it shows comes from the engine, already formatted.
(function () {
  'use strict';
  var V = window.scalargradViewer;
  var H = window.scalargrad;
  if (!V || !H || !V.data().recipe) { return; }
  var errors = [];
  window.addEventListener('error', function (e) { errors.push(String(e.message || e)); });
  window.addEventListener('unhandledrejection', function (e) { errors.push('rejected: ' + e.reason); });

  var params = new URLSearchParams(location.search);
  var editor = document.getElementById('source'); // the playground's source editor
  var recipe = V.data().recipe;
  // The recipe writes NaN and the infinities as "#NaN", "#inf", "#-inf".
  function numberOf(v) {
    return v === '#NaN' ? NaN : v === '#inf' ? Infinity : v === '#-inf' ? -Infinity : v;
  }
  var values = recipe.nodes.map(function (n) { return numberOf(n.data); });
  var variables = [];
  var book = values.slice();
  var inputs = {}; // the playground's variables
  var selected = null;
  var lr = 0.01;
  var E = null;
  var lastMs = null;
  var engineMs = null;

  var TEXT = {
    en: {
      edit: 'Change a number', reset: 'Reset', hint: 'click a green node’s value, or type here',
      loading: 'loading the engine…', missing: 'static page: scalargrad_engine.js was not found beside it',
      fd: 'finite difference', sgd: 'One SGD step with learning rate', apply: 'take the step',
      pick: 'Pick an input to see its gradient checked and one SGD step.', recomputed: 'recomputed in',
      bad: 'not a number', source: 'Expression (statements on lines or separated by ;)',
      variables: 'Variables', backward: '(backward)'
    },
    ja: {
      edit: '数値を変える', reset: '元に戻す', hint: '緑のノードの値をクリック、またはここに入力',
      loading: 'エンジンを読み込み中…', missing: '静的なページです: scalargrad_engine.js が隣にありません',
      fd: '数値微分', sgd: '学習率', apply: 'この 1 歩を進める',
      pick: '入力を選ぶと、その勾配の数値微分による確認と SGD の 1 歩を示します。', recomputed: '再計算',
      bad: '数値ではありません', source: '式（文は改行か ; で区切る）',
      variables: '変数', backward: '（逆伝播）'
    }
  };
  function lang() { return V.lang(); }
  function t() { return TEXT[lang()]; }

  var css = document.createElement('style');
  css.textContent =
    '#live{padding:.3em 1em;border-bottom:1px solid #ddd;font-size:.9em;display:flex;flex-wrap:wrap;gap:.4em 1.2em;align-items:baseline}' +
    '#live h2{font-size:1em;margin:0}#leaves{display:flex;flex-wrap:wrap;gap:.3em 1em}#live label{white-space:nowrap}#live input{width:6.5em;font:inherit}' +
    '#live input.bad{outline:2px solid #c0392b}#live .picked{font-weight:bold}' +
    '#probe{flex-basis:100%;margin:0}#probe input{width:4.5em}#live-status{color:#777}' +
    '#source{padding:.3em 1em}#source textarea{width:100%;box-sizing:border-box;font:1em monospace}' +
    '#source-error{color:#c0392b;margin:.2em 0;white-space:pre;overflow-x:auto}' +
    '#inplace{position:fixed;z-index:10;font:14px sans-serif;width:7em}';
  document.head.appendChild(css);

  var panel = document.createElement('section');
  panel.id = 'live';
  panel.innerHTML = '<h2 id="live-title"></h2><span id="leaves"></span>' +
    '<button id="reset" type="button"></button><span id="live-status"></span><p id="probe"></p>';
  // Under the title, or under the playground's source.
  var above = editor || document.querySelector('header');
  above.parentNode.insertBefore(panel, above.nextSibling);
  var $ = function (id) { return document.getElementById(id); };

  function leaves() {
    var out = [];
    recipe.nodes.forEach(function (n, i) { if (n.op === 'Leaf') { out.push(i); } });
    return out;
  }
  function label(i) { return recipe.nodes[i].name || 'v' + i; }
  // A field's label: the name, with its scopes where another leaf has the same name
  // (layer 1 › neuron 0 › w0).
  function fullLabel(i) {
    var l = label(i);
    var twin = leaves().some(function (j) { return j !== i && label(j) === l; });
    var scope = recipe.nodes[i].scope || [];
    return twin && scope.length ? scope.concat([l]).join(' › ') : l;
  }
  // The URL key of each leaf: its label, made unique.
  function keys() {
    var seen = {};
    var out = {};
    leaves().forEach(function (i) {
      var k = label(i);
      if (seen[k]) { k = k + '~' + i; }
      seen[k] = true;
      out[i] = k;
    });
    return out;
  }
  // Recipe node i is the i-th value node of the page data (both in creation order).
  function nodeId(i) {
    var ids = V.data().nodes.filter(function (n) { return n.kind !== 'op'; });
    return ids[i] ? ids[i].id : null;
  }
  function recipeIndex(id) {
    var k = 0;
    var nodes = V.data().nodes;
    for (var j = 0; j < nodes.length; j++) {
      if (nodes[j].kind === 'op') { continue; }
      if (nodes[j].id === id) { return k; }
      k++;
    }
    return null;
  }
  function pageNode(i) { var id = nodeId(i); return id === null ? null : V.data().nodes[id]; }

  function status(text) { $('live-status').textContent = text; }

  function parse(text) {
    var s = String(text).trim().replace(/−/g, '-');
    if (s === '') { return null; }
    var x = Number(s);
    return isNaN(x) && !/^nan$/i.test(s) ? null : x;
  }

  // Recompute the page from the recipe with the current values.
  function recompute() {
    if (!E) { return false; }
    var t0 = performance.now();
    var a = E.call({ fn: 'page', recipe: recipe, values: values, title: V.data().title });
    if (a.error) { status(a.error.message); return false; }
    var t1 = performance.now();
    V.load(a.data, a.svg);
    lastMs = performance.now() - t0;
    engineMs = t1 - t0;
    writeHash();
    render();
    return true;
  }

  function isVariable(i) { return variables.indexOf(recipe.nodes[i].name) >= 0; }
  function setLeaf(i, x) {
    values[i] = x;
    if (editor && isVariable(i)) { inputs[label(i)] = x; }
    selected = i;
    return recompute();
  }

  function writeHash() {
    var h = new URLSearchParams(location.hash.slice(1));
    var k = keys();
    leaves().forEach(function (i) {
      if (Object.is(values[i], book[i])) { h.delete(k[i]); } else { h.set(k[i], String(values[i])); }
    });
    if (editor) { h.set('src', $('source-text').value); }
    var want = '#' + h.toString();
    if (location.hash !== want) {
      try { history.replaceState(null, '', location.search + want); } catch (err) { /* file:// in some browsers */ }
    }
  }
  function readHash() {
    var h = new URLSearchParams(location.hash.slice(1));
    var k = keys();
    leaves().forEach(function (i) {
      if (h.has(k[i])) {
        var x = parse(h.get(k[i]));
        if (x !== null) { values[i] = x; }
      }
    });
  }

  function render() {
    var tx = t();
    $('live-title').textContent = editor ? tx.variables : tx.edit;
    $('reset').textContent = tx.reset;
    var box = $('leaves');
    var focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.leaf : undefined;
    box.textContent = '';
    leaves().forEach(function (i) {
      var n = pageNode(i);
      var l = document.createElement('label');
      l.className = i === selected ? 'picked' : '';
      l.appendChild(document.createTextNode(fullLabel(i) + ' = '));
      var input = document.createElement('input');
      input.type = 'text';
      input.dataset.leaf = String(i);
      input.value = n ? n.dataText : String(values[i]);
      input.title = tx.hint;
      input.addEventListener('focus', function () { if (selected !== i) { selected = i; probe(); } });
      input.addEventListener('keydown', function (e) {
        e.stopPropagation(); // typed keys (0, -, space) are not the viewer's shortcuts
        if (e.key === 'Enter') { commit(input, i); }
      });
      input.addEventListener('change', function () { commit(input, i); });
      l.appendChild(input);
      box.appendChild(l);
    });
    if (focused !== undefined) {
      var again = box.querySelector('input[data-leaf="' + focused + '"]');
      if (again) { again.focus(); }
    }
    status(lastMs === null ? '' : tx.recomputed + ' ' + lastMs.toFixed(1) + ' ms');
    probe();
  }

  function commit(input, i) {
    var x = parse(input.value);
    if (x === null) {
      input.classList.add('bad');
      input.title = t().bad;
      return;
    }
    input.classList.remove('bad');
    if (!Object.is(x, values[i]) || pageNode(i).dataText !== input.value) { setLeaf(i, x); }
  }

  // The selected leaf: its gradient, the finite difference, and one SGD step.
  function probe() {
    var p = $('probe');
    var tx = t();
    if (selected === null || !E) { p.textContent = tx.pick; return null; }
    var a = E.call({ fn: 'probe', recipe: recipe, values: values, leaf: selected, lr: lr });
    if (a.error) { p.textContent = a.error.message; return a; }
    var w = a.label;
    var out = a.outputLabel;
    var x = a.text;
    p.textContent = '';
    p.appendChild(document.createTextNode(
      '∂' + out + '/∂' + w + ' = ' + x.grad + ' ' + tx.backward + ' · ' + tx.fd + ' (' + out + '(' + w + ' + h) − ' +
      out + '(' + w + ' − h)) / 2h = ' + x.fd + ' (h = ' + x.h + ') · ' + tx.sgd + ' '));
    var rate = document.createElement('input');
    rate.id = 'lr';
    rate.type = 'text';
    rate.value = String(lr);
    rate.addEventListener('keydown', function (e) {
      e.stopPropagation();
      if (e.key === 'Enter') { rate.dispatchEvent(new Event('change')); }
    });
    rate.addEventListener('change', function () {
      var r = parse(rate.value);
      if (r === null) { rate.classList.add('bad'); return; }
      lr = r;
      probe();
    });
    p.appendChild(rate);
    p.appendChild(document.createTextNode(
      ': ' + w + ' ← ' + w + ' − lr·g = ' + x.w + ' − ' + x.lr + ' × ' + paren(x.grad) + ' = ' + x.newW +
      ', ' + out + ': ' + x.output + ' → ' + x.newOutput + ' '));
    var go = document.createElement('button');
    go.type = 'button';
    go.id = 'sgd';
    go.textContent = tx.apply;
    go.addEventListener('click', function () { setLeaf(selected, a.newW); });
    p.appendChild(go);
    return a;
  }
  function paren(s) { return s.charAt(0) === '-' ? '(' + s + ')' : s; }

  // In place: click a leaf's node in the picture and type.
  var floating = null;
  $('view').addEventListener('click', function (e) {
    var g = e.target.closest ? e.target.closest('.node') : null;
    if (!g || !E) { return; }
    var i = recipeIndex(Number(g.id.slice(1)));
    if (i === null || recipe.nodes[i].op !== 'Leaf') { return; }
    openInPlace(g, i);
  });
  function openInPlace(g, i) {
    closeInPlace();
    selected = i;
    probe();
    var r = g.getBoundingClientRect();
    var input = document.createElement('input');
    input.id = 'inplace';
    input.type = 'text';
    input.value = pageNode(i).dataText;
    input.style.left = Math.round(r.left) + 'px';
    input.style.top = Math.round(r.top + r.height / 2 - 10) + 'px';
    var done = false;
    function finish(keep) {
      if (done) { return; }
      done = true;
      var x = parse(input.value);
      closeInPlace();
      if (keep && x !== null && !Object.is(x, values[i])) { setLeaf(i, x); }
    }
    input.addEventListener('keydown', function (e) {
      if (e.key === 'Enter') { finish(true); } else if (e.key === 'Escape') { finish(false); }
      e.stopPropagation();
    });
    input.addEventListener('blur', function () { finish(true); });
    document.body.appendChild(input);
    floating = input;
    input.focus();
    input.select();
  }
  function closeInPlace() {
    if (floating && floating.parentNode) { floating.parentNode.removeChild(floating); }
    floating = null;
  }

  // A link edited by hand (#apple=200): the new numbers.
  window.addEventListener('hashchange', function () {
    if (!E || editor) { return; }
    var before = values.slice();
    values = book.slice();
    readHash();
    if (values.some(function (x, i) { return !Object.is(x, before[i]); })) { recompute(); }
  });
  $('reset').addEventListener('click', function () { reset(); });
  function reset() {
    values = book.slice();
    if (editor) { leaves().forEach(function (i) { if (isVariable(i)) { inputs[label(i)] = values[i]; } }); }
    return recompute();
  }
  $('lang').addEventListener('click', function () { render(); });

  // The playground: the source compiles on every change; an error shows a caret.
  function compile(source) {
    if (!E) { return { error: { message: 'the engine is still loading', column: null } }; }
    var a = E.call({ fn: 'expr', source: source, inputs: inputs, title: 'playground' });
    var box = $('source-error');
    if (a.error) {
      box.hidden = false;
      box.textContent = caret(source, a.error.column) + a.error.message;
      writeHash();
      return a;
    }
    box.hidden = true;
    box.textContent = '';
    recipe = a.data.recipe;
    values = recipe.nodes.map(function (n) { return numberOf(n.data); });
    book = values.slice();
    variables = a.variables || [];
    leaves().forEach(function (i) { if (isVariable(i)) { inputs[label(i)] = values[i]; } });
    if (selected !== null && (selected >= values.length || recipe.nodes[selected].op !== 'Leaf')) { selected = null; }
    V.load(a.data, a.svg);
    writeHash();
    render();
    return a;
  }
  // The line of `source` holding character `column`, and a caret under it.
  function caret(source, column) {
    if (column === null || column === undefined) { return ''; }
    var chars = Array.from(source);
    var start = 0;
    for (var k = 0; k < column && k < chars.length; k++) { if (chars[k] === '\n') { start = k + 1; } }
    var end = start;
    while (end < chars.length && chars[end] !== '\n') { end++; }
    var line = chars.slice(start, end).join('');
    var at = Math.max(0, column - start);
    if (line.length > 120) {
      var from = Math.max(0, at - 60);
      line = (from > 0 ? '…' : '') + line.slice(from, from + 120);
      at = at - from + (from > 0 ? 1 : 0);
    }
    return line + '\n' + ' '.repeat(at) + '^ ';
  }
  var timer = null;
  if (editor) {
    var start = JSON.parse(editor.dataset.inputs || '{}');
    Object.keys(start).forEach(function (k) { inputs[k] = start[k]; });
    var h0 = new URLSearchParams(location.hash.slice(1));
    if (h0.has('src')) { $('source-text').value = h0.get('src'); }
    h0.forEach(function (v, k) {
      var x = parse(v);
      if (k !== 'src' && k !== 'step' && x !== null) { inputs[k] = x; }
    });
    $('source-text').addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(function () { compile($('source-text').value); }, 120);
    });
    $('source-text').addEventListener('keydown', function (e) { e.stopPropagation(); });
  }

  // The test hook: the expression language, computed by the engine in the page.
  H.evaluate = function (source, given) {
    if (!E) { return { error: { message: 'the engine is still loading', column: null } }; }
    var a = E.call({ fn: 'evaluate', source: String(source), inputs: given || {} });
    return a.error ? { error: { message: a.error.message, column: a.error.column } } : { value: a.value, grads: a.grads };
  };
  H.live = {
    ready: null,
    set: function (key, x) {
      var k = keys();
      var i = leaves().filter(function (j) { return k[j] === key; })[0];
      if (i === undefined) { throw new Error('no leaf ' + key); }
      setLeaf(i, x);
      return H.state();
    },
    reset: function () { reset(); return H.state(); },
    probe: function (key, rate) {
      var k = keys();
      selected = leaves().filter(function (j) { return k[j] === key; })[0];
      if (rate !== undefined) { lr = rate; }
      return probe();
    },
    compile: function (source) { $('source-text').value = source; return compile(source); },
    keys: function () { var k = keys(); return leaves().map(function (i) { return k[i]; }); },
    ms: function () { return lastMs; },
    engineMs: function () { return engineMs; },
    errors: errors
  };

  status(t().loading);
  render();
  H.live.ready = engine().then(function (engineObject) {
    E = engineObject;
    if (editor) {
      compile($('source-text').value);
    } else {
      readHash();
      if (values.some(function (x, i) { return !Object.is(x, book[i]); })) { recompute(); } else { render(); }
    }
    if (params.get('livetest') && window.scalargradLiveTest) { window.scalargradLiveTest(); }
    return H;
  }, function () {
    status(t().missing);
    return H;
  });

  // The live pages' own checks (tests/browser/check_live.sh): ?livetest=1&set=key:value&
  // expect=k.data:x,… changes a leaf by typing into its field, by the hook and in place, and
  // compares the page's numbers (k: the value's position in creation order) with the native
  // engine's; ?livetest=expr runs the fixture of random and malformed expressions.
  window.scalargradLiveTest = function () {
    var fails = [];
    var notes = [];
    function check(ok, what) { if (!ok) { fails.push(what); } }
    function close(a, b, rel) {
      if (a === b || (isNaN(a) && isNaN(b) && typeof a === 'number' && typeof b === 'number')) { return true; }
      return Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b));
    }
    function last() { return H.step(H.steps - 1); }
    function compare(what) {
      var at = H.state().step;
      var st = last();
      (params.get('expect') || '').split(',').filter(Boolean).forEach(function (item) {
        var m = /^(\d+)\.(data|grad):(.+)$/.exec(item);
        if (!m) { fails.push('bad expectation ' + item); return; }
        var n = st.nodes[Number(m[1])];
        var want = m[3] === 'NaN' ? NaN : Number(m[3]);
        check(n && n[m[2]] !== null && close(n[m[2]], want, 1e-12),
          what + ': ' + (n ? n.label : '#' + m[1]) + '.' + m[2] + ' = ' + (n ? n[m[2]] : '?') + ', native ' + want);
      });
      H.step(at);
    }
    function type(input, text) {
      input.focus();
      input.value = '';
      for (var c = 0; c < text.length; c++) {
        input.value += text[c];
        input.dispatchEvent(new Event('input', { bubbles: true }));
      }
      input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    }
    if (params.get('livetest') === 'expr') { exprTest(check, close, notes); } else {
      var set = /^(.+):([^:]+)$/.exec(params.get('set') || '');
      if (!set) { fails.push('no ?set=key:value'); } else {
        var key = set[1];
        var text = set[2];
        var k = keys();
        var i = leaves().filter(function (j) { return k[j] === key; })[0];
        check(i !== undefined, 'no leaf ' + key);
        var book0 = last().nodes.map(function (n) { return [n.data, n.grad]; });
        var middle = Math.floor(H.steps / 2);
        H.step(middle);
        // 1. Typing into the leaf's field, as a person would.
        type($('leaves').querySelector('input[data-leaf="' + i + '"]'), text);
        check(H.state().step === middle, 'after typing, the page left step ' + middle + ' for ' + H.state().step);
        check(new URLSearchParams(location.hash.slice(1)).get(key) === String(Number(text)),
          'the URL does not keep ' + key + '=' + text + ': ' + location.hash);
        compare('typed');
        var root = V.data().nodes[V.data().root];
        var fwd = V.data().steps[root.dataStep];
        check(fwd[lang()].slice(-root.dataText.length) === root.dataText,
          'the caption does not show the new output ' + root.dataText + ': ' + fwd[lang()]);
        // 2. Reset brings the book's numbers back.
        $('reset').click();
        var again = last().nodes.map(function (n) { return [n.data, n.grad]; });
        check(JSON.stringify(again) === JSON.stringify(book0), 'Reset did not restore the book\'s numbers');
        check(!new URLSearchParams(location.hash.slice(1)).has(key), 'Reset left ' + key + ' in the URL');
        // 3. The hook.
        H.live.set(key, Number(text));
        compare('hook');
        H.live.reset();
        // 4. In place: click the node's value in the picture and type.
        var g = document.getElementById('n' + nodeId(i));
        g.dispatchEvent(new MouseEvent('click', { bubbles: true }));
        var box = $('inplace');
        check(box !== null, 'clicking the leaf opened no field');
        if (box) { type(box, text); compare('in place'); }
        // 5. The gradient against the finite difference, and one SGD step.
        var p = H.live.probe(key, 0.01);
        check(p && !p.error, 'probe: ' + (p && p.error ? p.error.message : 'nothing'));
        if (p && !p.error) {
          if (isFinite(p.grad) && isFinite(p.fd)) {
            check(Math.abs(p.fd - p.grad) <= 1e-5 * Math.max(1, Math.abs(p.grad)),
              'finite difference ' + p.fd + ' against the gradient ' + p.grad);
          }
          check(p.newW === p.w - 0.01 * p.grad, 'SGD step ' + p.newW + ' is not w − lr·g');
          check($('probe').textContent.indexOf('←') >= 0, 'the SGD step is not shown');
        }
        // 6. Recompute time: 20 edits.
        var ms = [];
        var eng = [];
        for (var r = 0; r < 20; r++) { H.live.set(key, Number(text) + r / 8); ms.push(H.live.ms()); eng.push(H.live.engineMs()); }
        ms.sort(function (a, b) { return a - b; });
        eng.sort(function (a, b) { return a - b; });
        notes.push('recompute ' + ms[10].toFixed(2) + ' ms (median of 20 edits, max ' + ms[19].toFixed(2) +
          '; engine ' + eng[10].toFixed(2) + ' ms of it)');
        H.live.reset();
        // 7. The expression hook.
        var e = H.evaluate('x*y + 1', { x: 2, y: 3 });
        check(e.value === 7 && e.grads.x === 3 && e.grads.y === 2, 'evaluate(x*y + 1): ' + JSON.stringify(e));
        var bad = H.evaluate('(x', { x: 1 });
        check(bad.error && typeof bad.error.message === 'string' && typeof bad.error.column === 'number',
          'evaluate((x) is no error with a column: ' + JSON.stringify(bad));
      }
    }
    check(errors.length === 0, 'script errors: ' + errors.join('; '));
    var out = document.createElement('pre');
    out.id = 'livetest';
    out.textContent = (fails.length ? 'FAIL ' : 'PASS ') + notes.join('; ') + '\n' + fails.slice(0, 40).join('\n');
    document.body.appendChild(out);
  };

  // ?livetest=expr: the fixture (<script id="fixture">) of tests/browser/check_live.sh.
  function exprTest(check, close, notes) {
    var F = JSON.parse(document.getElementById('fixture').textContent, function (k, v) {
      return v === '#NaN' ? NaN : v === '#inf' ? Infinity : v === '#-inf' ? -Infinity : v;
    });
    var same = 0;
    var differ = 0;
    var worst = 0;
    F.exprs.forEach(function (c, n) {
      var a = H.evaluate(c.source, c.inputs);
      if (a.error) { check(false, 'expression ' + n + ' ' + c.source + ': ' + a.error.message); return; }
      var pairs = [[a.value, c.value, 'value']];
      Object.keys(c.grads).forEach(function (k) { pairs.push([a.grads[k], c.grads[k], 'd/d' + k]); });
      check(Object.keys(a.grads).length === Object.keys(c.grads).length, c.source + ': gradients ' + Object.keys(a.grads));
      pairs.forEach(function (p) {
        if (Object.is(p[0], p[1]) || (p[0] === p[1])) { same++; return; }
        differ++;
        if (isFinite(p[0]) && isFinite(p[1])) {
          worst = Math.max(worst, Math.abs(p[0] - p[1]) / Math.max(Math.abs(p[0]), Math.abs(p[1])));
        }
        check(close(p[0], p[1], 1e-12), c.source + ' ' + p[2] + ': page ' + p[0] + ', native ' + p[1]);
      });
    });
    notes.push(F.exprs.length + ' expressions: ' + same + ' numbers bit-identical, ' + differ + ' differ (largest relative difference ' + worst.toExponential(2) + ')');
    // Through the page itself: the drawn output equals the native value.
    F.exprs.slice(0, 25).forEach(function (c) {
      inputs = {};
      Object.keys(c.inputs).forEach(function (k) { inputs[k] = c.inputs[k]; });
      var a = H.live.compile(c.source);
      if (a.error) { check(false, 'page: ' + c.source + ': ' + a.error.message); return; }
      var st = H.step(H.steps - 1);
      var root = V.data().nodes[V.data().root];
      var shown = st.nodes.filter(function (x) { return x.index === root.index; })[0];
      check(shown && (shown.data === null ? !isFinite(c.value) : close(shown.data, c.value, 1e-12)),
        'page: ' + c.source + ' shows ' + (shown && shown.data) + ', native ' + c.value);
    });
    var errorsSeen = 0;
    var graphs = 0;
    var slowest = 0;
    F.bad.forEach(function (src) {
      var t0 = performance.now();
      var a;
      try {
        a = H.evaluate(src, { x: 1, y: 2, z: 3 });
        var b = H.live.compile(src);
        if (b.error) {
          errorsSeen++;
          check($('source-error').textContent.indexOf('^') >= 0, 'no caret for ' + src.slice(0, 40));
        } else {
          graphs++;
        }
      } catch (err) {
        check(false, 'malformed ' + JSON.stringify(src.slice(0, 60)) + ' threw ' + err);
        return;
      }
      slowest = Math.max(slowest, performance.now() - t0);
      check(a && (a.error ? typeof a.error.message === 'string' : typeof a.value === 'number'),
        'malformed ' + JSON.stringify(src.slice(0, 60)) + ': ' + JSON.stringify(a).slice(0, 80));
    });
    notes.push(F.bad.length + ' malformed inputs: ' + errorsSeen + ' errors, ' + graphs + ' graphs (NaN/∞ shown), slowest ' + slowest.toFixed(1) + ' ms');
    check(slowest < 2000, 'a malformed input took ' + slowest + ' ms');
    if (params.get('bench')) {
      ['w1', 'w2'].forEach(function (w) {
        var times = [];
        for (var r = 0; r < 3; r++) {
          var t0 = performance.now();
          var a = E.call({ fn: 'bench', workload: w });
          times.push(performance.now() - t0);
          check(!a.error, w + ': ' + (a.error && a.error.message));
          if (r === 0) { notes.push(w + ' losses ' + a.first + ' → ' + a.last); }
        }
        times.sort(function (a, b) { return a - b; });
        notes.push(w + ' in the page: ' + times.map(function (x) { return x.toFixed(0); }).join(', ') + ' ms (median ' + times[1].toFixed(0) + ')');
      });
    }
  }

  function engine() {
    if (window.scalargradEngine) { return window.scalargradEngine.ready; }
    return new Promise(function (resolve, reject) {
      var s = document.createElement('script');
      s.src = 'scalargrad_engine.js';
      s.onload = function () {
        if (window.scalargradEngine) { window.scalargradEngine.ready.then(resolve, reject); } else { reject(new Error('no engine')); }
      };
      s.onerror = function () { reject(new Error('scalargrad_engine.js not found')); };
      document.head.appendChild(s);
    });
  }
}());
