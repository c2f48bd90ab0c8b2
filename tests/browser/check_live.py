#!/usr/bin/env python3
"""The live pages in a real headless Chromium, driven over the DevTools protocol (a pipe, no
extra Python package), with the engine in the page (graphs/scalargrad_engine.js):

- every step-by-step page in graphs/: a leaf changed by typing into its field with real key
  events, then the page's own checks (?livetest=1, src/viz/live.js): typing, Reset, the hook
  window.scalargrad.live.set, editing in place, the finite difference and the SGD step, the
  URL, and window.scalargrad.evaluate. Every value and gradient is compared with what
  `live-fixture page` computes natively from the same page (1e-12 relative);
- the playground: >= 200 random expressions evaluated in the page and natively, and >= 100
  malformed inputs (?livetest=expr, fixture written by `live-fixture playground`);
- no console error, no uncaught exception, and no request other than file:// (checked from
  the protocol's events).

Usage: tests/browser/check_live.py [--bench] [chromium binary]
Exit status: 0 when all pass, 1 when one fails, 2 when no browser was found.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync',
         '--hide-scrollbars', '--remote-debugging-pipe']
PAGES = ['apple', 'apple_orange', 'sigmoid', 'sigmoid_grad', 'xor_network', 'softmax_with_loss']
# A hand-checked edit: the book's apple at 150 yen (price 150 × 2 × 1.1 = 330).
KNOWN = {'apple': ('apple=150', {'4.data': 330.0, '0.grad': 2.2, '1.grad': 165.0, '2.grad': 300.0})}


class Browser:
    def __init__(self, binary):
        self.profile = tempfile.mkdtemp()
        r1, w1 = os.pipe()  # we write commands -> chromium reads fd 3
        r2, w2 = os.pipe()  # chromium writes fd 4 -> we read

        def child():
            # Out of the way first, so that neither dup2 overwrites the other's source.
            a, b = os.dup(r1) + 100, os.dup(w2) + 100
            os.dup2(r1, a)
            os.dup2(w2, b)
            os.dup2(a, 3)
            os.dup2(b, 4)
        self.proc = subprocess.Popen(
            [binary] + FLAGS + ['--user-data-dir=' + self.profile, 'about:blank'],
            close_fds=False, preexec_fn=child, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        os.close(r1)
        os.close(w2)
        self.out = os.fdopen(w1, 'wb', buffering=0)
        self.inp = os.fdopen(r2, 'rb', buffering=0)
        self.buf = b''
        self.next_id = 0
        self.events = []
        target = self.call('Target.createTarget', {'url': 'about:blank'})['targetId']
        self.session = self.call('Target.attachToTarget',
                                 {'targetId': target, 'flatten': True})['sessionId']
        for domain in ('Runtime', 'Network', 'Log', 'Page'):
            self.call(domain + '.enable', session=True)

    def _read(self):
        while b'\0' not in self.buf:
            chunk = self.inp.read(1 << 16)
            if not chunk:
                raise RuntimeError('chromium closed the pipe')
            self.buf += chunk
        msg, self.buf = self.buf.split(b'\0', 1)
        return json.loads(msg)

    def call(self, method, params=None, session=False, timeout=120):
        self.next_id += 1
        mid = self.next_id
        msg = {'id': mid, 'method': method, 'params': params or {}}
        if session:
            msg['sessionId'] = self.session
        self.out.write(json.dumps(msg).encode() + b'\0')
        start = time.time()
        while True:
            m = self._read()
            if m.get('id') == mid:
                if 'error' in m:
                    raise RuntimeError('%s: %s' % (method, m['error']))
                return m.get('result', {})
            if 'method' in m:
                self.events.append(m)
            if time.time() - start > timeout:
                raise RuntimeError(method + ' timed out')

    def eval(self, expression, timeout=120):
        r = self.call('Runtime.evaluate', {'expression': expression, 'awaitPromise': True,
                                           'returnByValue': True}, session=True, timeout=timeout)
        if 'exceptionDetails' in r:
            raise RuntimeError('%s: %s' % (expression[:80], r['exceptionDetails']))
        return r['result'].get('value')

    def navigate(self, url):
        """Opens `url` and waits (up to 30 s) for its load event."""
        self.events = []
        self.call('Page.navigate', {'url': url}, session=True)
        for _ in range(600):
            if any(e['method'] == 'Page.loadEventFired' for e in self.events):
                break
            self.eval('1')
            time.sleep(0.05)

    def open(self, url):
        self.navigate(url)
        # The engine inflates and compiles asynchronously.
        return self.eval('window.scalargrad.live.ready.then(function () { return true; })')

    def key(self, text):
        """Types `text` with real key events, then Enter."""
        for ch in text:
            self.call('Input.dispatchKeyEvent', {'type': 'keyDown', 'text': ch, 'key': ch},
                      session=True)
            self.call('Input.dispatchKeyEvent', {'type': 'keyUp', 'key': ch}, session=True)
        self.call('Input.dispatchKeyEvent', {'type': 'keyDown', 'key': 'Enter', 'code': 'Enter',
                                             'windowsVirtualKeyCode': 13, 'text': '\r'},
                  session=True)
        self.call('Input.dispatchKeyEvent', {'type': 'keyUp', 'key': 'Enter', 'code': 'Enter',
                                             'windowsVirtualKeyCode': 13}, session=True)

    def problems(self):
        """Console errors, uncaught exceptions and requests that are not file://."""
        out = []
        for e in self.events:
            m, p = e['method'], e.get('params', {})
            if m == 'Runtime.exceptionThrown':
                out.append('exception: %s' % p['exceptionDetails'].get('exception', {}).get(
                    'description', p['exceptionDetails'].get('text')))
            elif m == 'Runtime.consoleAPICalled' and p.get('type') in ('error', 'assert'):
                out.append('console.error: %s' % [a.get('value') for a in p.get('args', [])])
            elif m == 'Log.entryAdded' and p['entry'].get('level') == 'error':
                out.append('log: %s' % p['entry'].get('text'))
            elif m == 'Network.requestWillBeSent':
                url = p['request']['url']
                if not url.startswith(('file:', 'data:', 'blob:')):
                    out.append('network request: ' + url)
        return out

    def close(self):
        try:
            self.call('Browser.close', timeout=10)
        except Exception:  # noqa: BLE001 (closing anyway)
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


def fixture(*args):
    release = ['--release'] if args[0] == 'bench' else []
    return subprocess.run(['cargo', 'run', '-q'] + release + ['-p', 'scalargrad-web', '--bin',
                           'live-fixture', '--'] + list(args), cwd=ROOT, check=True, capture_output=True,
                          text=True).stdout.strip()


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    bench = '--bench' in sys.argv
    binary = args[0] if args else next(
        (b for b in ('chromium', 'chromium-browser', 'google-chrome') if shutil.which(b)), None)
    if not binary:
        print('check_live: no Chromium found', file=sys.stderr)
        return 2
    failed = False
    b = Browser(binary)
    try:
        for name in PAGES:
            path = os.path.join(ROOT, 'graphs', name + '.html')
            if not os.path.exists(path):
                print('FAIL %s: no page' % name)
                failed = True
                continue
            edit = KNOWN.get(name, (None, None))[0]
            query = fixture('page', path, *([edit] if edit else []))
            url = 'file://%s?livetest=1&%s#step=1' % (path, query)
            if not b.open('file://' + path):
                print('FAIL %s: the engine did not load' % name)
                failed = True
                continue
            # Real typing: focus the first leaf's field, select its text, type, Enter.
            key, value = query.split('&')[0][4:].split(':')
            b.eval("""(function () {
                var k = window.scalargrad.live.keys();
                var i = document.querySelectorAll('#leaves input')[k.indexOf(%s)];
                i.focus(); i.select(); return true; }())""" % json.dumps(key))
            b.key(value)
            state = b.eval('JSON.stringify(window.scalargrad.step(window.scalargrad.steps - 1))')
            nodes = json.loads(state)['nodes']
            bad = []
            for item in query.split('expect=')[1].split(','):
                where, want = item.rsplit(':', 1)
                k, field = where.split('.')
                got = nodes[int(k)][field]
                want = float(want)
                if got is None or abs(got - want) > 1e-12 * max(abs(got), abs(want)):
                    bad.append('%s.%s = %s, native %s' % (nodes[int(k)]['label'], field, got, want))
            for where, want in KNOWN.get(name, (None, {}))[1].items():
                k, field = where.split('.')
                got = nodes[int(k)][field]
                if abs(got - want) > 1e-12 * abs(want):
                    bad.append('book check %s.%s = %s, expected %s' % (
                        nodes[int(k)]['label'], field, got, want))
            # Then the page's own checks, opened fresh with the edit to make.
            b.open(url)
            result = b.eval("""(function () {
                var p = document.getElementById('livetest');
                return p ? p.textContent : 'no result'; }())""")
            bad += b.problems()
            if result.startswith('PASS') and not bad:
                print('ok   %s: typed %s=%s; %s' % (name, key, value, result.split('\n')[0][5:]))
            else:
                print('FAIL %s: %s %s' % (name, result, '; '.join(bad)))
                failed = True
        # A shared link: the edit and the step come from the URL.
        b.open('file://%s#apple=150&step=2' % os.path.join(ROOT, 'graphs', 'apple.html'))
        st = b.eval('JSON.stringify(window.scalargrad.state())')
        st = json.loads(st)
        price = [n for n in st['nodes'] if n['label'] == 'price'][0]['data']
        if st['step'] == 2 and price == 330.0 and not b.problems():
            print('ok   apple.html#apple=150&step=2 opens at step 2 with price 330')
        else:
            print('FAIL apple.html#apple=150&step=2: %s %s' % (st, b.problems()))
            failed = True
        # Changing the link by hand recomputes.
        b.eval("location.hash = 'apple=200&step=2'; new Promise(function (r) { setTimeout(r, 100); })")
        st = json.loads(b.eval('JSON.stringify(window.scalargrad.state())'))
        price = [n for n in st['nodes'] if n['label'] == 'price'][0]['data']
        if abs(price - 440.0) < 1e-9:
            print('ok   apple.html: #apple=200 typed into the address bar gives price 440')
        else:
            print('FAIL apple.html#apple=200: price %s' % price)
            failed = True
        # Japanese: the same checks run (captions are compared in the page's language).
        b.open('file://%s?livetest=1&lang=ja&%s' % (
            os.path.join(ROOT, 'graphs', 'apple.html'),
            fixture('page', os.path.join(ROOT, 'graphs', 'apple.html'))))
        result = b.eval("document.getElementById('livetest').textContent")
        print(('ok   apple (?lang=ja): ' if result.startswith('PASS') else 'FAIL apple (ja): ') +
              result.split('\n')[0])
        failed |= not result.startswith('PASS')

        out = os.path.join(ROOT, 'target', 'browser')
        print(fixture('playground', out))
        b.open('file://%s/playground_test.html?livetest=expr%s' % (out, '&bench=1' if bench else ''))
        result = b.eval("document.getElementById('livetest').textContent", timeout=600)
        bad = b.problems()
        if result.startswith('PASS') and not bad:
            print('ok   playground: ' + result.split('\n')[0][5:])
        else:
            print('FAIL playground: %s %s' % (result, '; '.join(bad)))
            failed = True
        if bench:
            print(fixture('bench'))
    finally:
        b.close()
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
