// scalargrad's engine for the live pages: the crate compiled to WebAssembly (scalargrad-web),
// carried inline (zlib-compressed, then base64) so that it loads from file:// with no request;
// the browser's DecompressionStream inflates it. Written by
// `cargo run -p scalargrad-web --bin build-engine`; do not edit.
//
// window.scalargradEngine = { ready: Promise, call(request) -> answer, broken }
// call() sends one JSON request to scalargrad_web::handle and returns its parsed answer;
// "#NaN", "#inf" and "#-inf" come back as NaN and ±Infinity.
(function () {
  'use strict';
  var WASM = '@WASM@';
  var E = { ready: null, broken: null, call: null, bytes: 0 };
  window.scalargradEngine = E;
  var raw = atob(WASM);
  var packed = new Uint8Array(raw.length);
  for (var i = 0; i < raw.length; i++) { packed[i] = raw.charCodeAt(i); }
  var bytes = null;
  var x = null;
  var enc = new TextEncoder();
  var dec = new TextDecoder();
  function revive(k, v) {
    if (v === '#NaN') { return NaN; }
    if (v === '#inf') { return Infinity; }
    if (v === '#-inf') { return -Infinity; }
    return v;
  }
  function replace(k, v) {
    if (typeof v === 'number' && !isFinite(v)) { return isNaN(v) ? '#NaN' : (v > 0 ? '#inf' : '#-inf'); }
    return v;
  }
  E.call = function (request) {
    if (!x) { return { error: { message: E.broken || 'the engine is still loading', column: null } }; }
    var input = enc.encode(JSON.stringify(request, replace));
    var answer;
    try {
      var p = x.sg_alloc(input.length);
      new Uint8Array(x.memory.buffer, p, input.length).set(input);
      var r = x.sg_call(p, input.length);
      var len = x.sg_result_len();
      answer = dec.decode(new Uint8Array(x.memory.buffer, r, len).slice());
      x.sg_free(r, len);
    } catch (err) {
      // A trap (an engine panic) leaves the instance unusable: load a fresh one.
      x = null;
      E.broken = 'the engine stopped (' + err + '); reloading it';
      E.ready = load();
      return { error: { message: E.broken, column: null } };
    }
    // A reviver costs a call per value: only when the answer holds such a string.
    return /[:,\[]"#(?:NaN|-?inf)"/.test(answer) ? JSON.parse(answer, revive) : JSON.parse(answer);
  };
  function inflate() {
    if (bytes) { return Promise.resolve(bytes); }
    var stream = new Blob([packed]).stream().pipeThrough(new DecompressionStream('deflate'));
    return new Response(stream).arrayBuffer().then(function (b) {
      bytes = new Uint8Array(b);
      E.bytes = bytes.length;
      return bytes;
    });
  }
  function load() {
    return inflate().then(function (b) { return WebAssembly.instantiate(b, {}); }).then(function (m) {
      x = m.instance.exports;
      E.broken = null;
      return E;
    });
  }
  E.ready = load();
}());
