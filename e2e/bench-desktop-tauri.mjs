// Desktop app (Tauri, WebKitGTK) cold start on a large matter: prints figures, never passes or
// fails on time. The browser benchmark (bench-desktop.mjs) measures the same workspace in
// Chromium against `exhibit serve`; this one launches the real exhibit-desktop binary through
// tauri-driver + WebKitWebDriver under Xvfb and times, per run:
//   session   — WebDriver session created (the app process started, its webview up);
//   interactive — first result page drawn with the exact total (from the launch request);
//   first_doc — the auto-opened first document shown in the viewer;
// then, on the last run, opening documents by clicking rows (text/email) and a PDF page image.
// With root, the OS page cache is dropped before each cold run.
//
// Env: EXHIBIT_BENCH_MATTER (required: a matter, e.g. the one bench-desktop.mjs built),
// EXHIBIT_DESKTOP_BIN (default target/release/exhibit-desktop), EXHIBIT_BENCH_RUNS (default 3),
// TAURI_DRIVER, WEBKIT_DRIVER. Run under `xvfb-run -a -s "-screen 0 1440x900x24"`.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { remote } from 'webdriverio';
import { NATIVE, ROOT, TAURI_DRIVER, dropCaches, freePort, waitPort } from './lib.mjs';

const TARGET = process.env.CARGO_TARGET_DIR ?? path.join(ROOT, 'target');
const APP = process.env.EXHIBIT_DESKTOP_BIN ?? path.join(TARGET, 'release', 'exhibit-desktop');
const MATTER = process.env.EXHIBIT_BENCH_MATTER;
const RUNS = Number(process.env.EXHIBIT_BENCH_RUNS ?? 3);

const log = (...a) => console.error('#', ...a);
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const ms = (x) => (x == null ? '—' : `${Math.round(x).toLocaleString('en-US')} ms`);

/** Polls `fn` in the page until it is truthy; returns ms since `t0`. */
async function until(browser, fn, t0, timeout = 120_000) {
  const end = Date.now() + timeout;
  while (Date.now() < end) {
    if (await browser.execute(fn)) return performance.now() - t0;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('timed out');
}

async function launch(drop) {
  const dropped = drop ? dropCaches() : false;
  const port = await freePort();
  const nativePort = await freePort();
  const driver = spawn(TAURI_DRIVER, ['--port', String(port), '--native-port', String(nativePort), '--native-driver', NATIVE], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, EXHIBIT_MATTER: MATTER },
  });
  await waitPort(port);
  const t0 = performance.now();
  const browser = await remote({ hostname: '127.0.0.1', port, logLevel: 'error', capabilities: { 'tauri:options': { application: APP } } });
  const session = performance.now() - t0;
  const interactive = await until(browser, () => /\d/.test(document.querySelector('[data-testid=total]')?.textContent ?? '') && !!document.querySelector('.vrow .r-title'), t0);
  const firstDoc = await until(browser, () => !!document.querySelector('[data-testid=text-view], [data-testid=pages], [data-testid=html-frame]'), t0);
  const total = await browser.execute(() => document.querySelector('[data-testid=total]')?.textContent?.trim());
  return { dropped, session, interactive, firstDoc, total, browser, driver };
}

async function close({ browser, driver }) {
  await Promise.race([browser.deleteSession().catch(() => {}), new Promise((r) => setTimeout(r, 10_000))]);
  driver.kill();
  await new Promise((r) => setTimeout(r, 500));
}

/** Clicks result row `i`; ms until the viewer shows it (and a PDF's first page image decoded). */
async function openRow(browser, i, pdf) {
  const control = await browser.execute((i) => {
    const row = document.querySelector(`.vrow[data-index="${i}"]`);
    if (!row) return null;
    window.__t0 = performance.now();
    row.click();
    return row.querySelector('.control').textContent;
  }, i);
  if (!control) return null;
  const sel = pdf ? '[data-testid=page-image]' : '[data-testid=text-view], [data-testid=html-frame]';
  const end = Date.now() + 30_000;
  while (Date.now() < end) {
    const t = await browser.execute(
      async (control, sel, pdf) => {
        const el = document.querySelector(sel);
        if (document.querySelector('[data-testid=viewer-control]')?.textContent !== control || !el) return null;
        if (pdf) {
          if (!el.complete) return null;
          await el.decode().catch(() => {});
        }
        return performance.now() - window.__t0;
      },
      control,
      sel,
      pdf,
    );
    if (t != null) return t;
  }
  return null;
}

async function search(browser, q) {
  await browser.execute((q) => {
    const i = document.querySelector('[data-testid=query]');
    i.value = q;
    i.dispatchEvent(new Event('input', { bubbles: true }));
    document.querySelector('[data-testid=search]').click();
  }, q);
  await until(browser, (q) => document.querySelector('[data-testid=total]')?.textContent?.replace(' matches ', ' match ').includes(`match ${q}`), performance.now(), 60_000).catch(() => {});
  await new Promise((r) => setTimeout(r, 500));
}

async function main() {
  for (const [what, p] of [['matter (EXHIBIT_BENCH_MATTER)', MATTER], ['app', APP], ['tauri-driver', TAURI_DRIVER], ['WebKitWebDriver', NATIVE]]) {
    if (!p || !fs.existsSync(p)) throw new Error(`missing ${what}: ${p ?? 'unset'}`);
  }
  if (!process.env.DISPLAY) throw new Error('no DISPLAY: run under xvfb-run');
  const cold = [];
  const warm = [];
  let last = null;
  for (let r = 0; r < RUNS * 2; r++) {
    const isCold = r < RUNS;
    const run = await launch(isCold);
    log(`${isCold ? 'cold' : 'warm'} run ${r % RUNS + 1}: session ${ms(run.session)}, interactive ${ms(run.interactive)}, first document ${ms(run.firstDoc)} (${run.total}; cache dropped: ${run.dropped})`);
    (isCold ? cold : warm).push(run);
    if (r === RUNS * 2 - 1) last = run;
    else await close(run);
  }
  const open = { text: [], pdf: [] };
  for (let i = 1; i <= 5; i++) open.text.push(await openRow(last.browser, i, false));
  await search(last.browser, 'kind:pdf');
  for (let i = 1; i <= 5; i++) open.pdf.push(await openRow(last.browser, i, true));
  await close(last);

  const row = (label, key) =>
    `| ${label} | ${ms(median(cold.map((r) => r[key])))} / ${ms(Math.max(...cold.map((r) => r[key])))} | ${ms(median(warm.map((r) => r[key])))} / ${ms(Math.max(...warm.map((r) => r[key])))} |`;
  const ok = (v) => v.filter((x) => x != null);
  console.log(`Desktop app (${path.basename(APP)}, WebKitGTK under Xvfb), matter ${MATTER} (${cold[0].total}), ${RUNS} runs each; page cache dropped: ${cold.every((r) => r.dropped)}\n`);
  console.log('| milestone (from the launch request) | cold, median / max | warm, median / max |');
  console.log('|---|---|---|');
  console.log(row('WebDriver session (app started, webview up)', 'session'));
  console.log(row('**workspace interactive** (first rows + exact total)', 'interactive'));
  console.log(row('first document shown', 'firstDoc'));
  console.log(`\nOpening a document (warm): text/email median ${ms(median(ok(open.text)))} (max ${ms(Math.max(...ok(open.text)))}); PDF with its first page image decoded median ${ms(median(ok(open.pdf)))} (max ${ms(Math.max(...ok(open.pdf)))}). Times include WebDriver polling (≈10 ms granularity).`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
