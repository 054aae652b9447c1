// Desktop workspace benchmark: prints figures, never passes or fails on time.
//
// On a matter of EXHIBIT_BENCH_ITEMS generated items (default 1,000,000, `exhibit-gen --seed 7`,
// plus real PDFs from ../shared/corpus/pdf) it measures, with the `exhibit` binary in
// EXHIBIT_BIN (`make bench-desktop` passes the release build) and Debian's Chromium:
//   1. cold start: spawn `exhibit --matter M serve` → URL printed (process ready: matter open)
//      → page loaded → workspace interactive (first result page rendered with the total count),
//      then facets and the first document; repeated, with the OS page cache dropped before each
//      run when we may (root), then the same warm;
//   2. opening a document: click a row → the viewer shows it (email, text, PDF), and a PDF's
//      first page image loaded and decoded;
//   3. scrolling ≥ 100,000 results: requestAnimationFrame frame times while scrolling;
//   4. the rpc calls behind these, timed on the Rust side (the server's `Server-Timing` header)
//      and as round trips.
// Figures go to stdout (markdown) and to $CARGO_TARGET_DIR/bench-desktop.json.
//
// Env: EXHIBIT_BENCH_MATTER (default $CARGO_TARGET_DIR/bench-desktop-<items>; built once, kept),
// EXHIBIT_BENCH_ITEMS, EXHIBIT_BENCH_RUNS (cold-start runs, default 5), EXHIBIT_BENCH_PDFS
// (folders of PDFs to add, ':'-separated; default the corpus's pdf/py-pdf and pdf/pdfjs),
// CHROMIUM, EXHIBIT_BIN, EXHIBIT_GEN_BIN.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { chromium } from 'playwright-core';
import { CORPUS, EXHIBIT, ROOT, dropCaches, serve } from './lib.mjs';

const TARGET = process.env.CARGO_TARGET_DIR ?? path.join(ROOT, 'target');
const ITEMS = Number((process.env.EXHIBIT_BENCH_ITEMS ?? '1000000').replace(/_/g, ''));
const MATTER = process.env.EXHIBIT_BENCH_MATTER ?? path.join(TARGET, `bench-desktop-${ITEMS}`);
const RUNS = Number(process.env.EXHIBIT_BENCH_RUNS ?? 5);
const GEN = process.env.EXHIBIT_GEN_BIN ?? path.join(path.dirname(EXHIBIT), 'exhibit-gen');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const PDF_DIRS = (process.env.EXHIBIT_BENCH_PDFS ?? ['pdf/py-pdf', 'pdf/pdfjs'].map((p) => path.join(CORPUS, p)).join(':'))
  .split(':')
  .filter((p) => p && fs.existsSync(p));
const UI_DIR = path.join(ROOT, 'ui', 'dist');
// The query the workspace opens with (Review.svelte's "every item").
const ALL = 'is:error OR NOT is:error';
const SCROLL_QUERY = process.env.EXHIBIT_BENCH_SCROLL_QUERY ?? 'pipeline';

const ms = (x) => (x == null ? 'n/a' : `${Math.round(x)} ms`);
const ms1 = (x) => (x == null ? 'n/a' : `${x.toFixed(1)} ms`);
function pct(values, p) {
  const v = [...values].sort((a, b) => a - b);
  return v.length ? v[Math.min(v.length - 1, Math.round((v.length - 1) * p))] : null;
}
const median = (v) => pct(v, 0.5);
const max = (v) => (v.length ? Math.max(...v) : null);

function log(...a) {
  console.error('#', ...a);
}

// ---------------------------------------------------------------------------------------------
// The matter: built once, then reused.

function buildMatter() {
  if (fs.existsSync(path.join(MATTER, 'exhibit.db'))) {
    log(`reusing ${MATTER}`);
    return null;
  }
  const src = `${MATTER}-src`;
  fs.rmSync(src, { recursive: true, force: true });
  let t = performance.now();
  execFileSync(GEN, [src, '--items', String(ITEMS), '--seed', '7'], { stdio: 'inherit' });
  const gen = performance.now() - t;
  execFileSync(EXHIBIT, ['init', MATTER, '--name', `Desktop bench ${ITEMS.toLocaleString('en')}`], { stdio: 'inherit' });
  t = performance.now();
  execFileSync(EXHIBIT, ['--matter', MATTER, 'ingest', src, '--custodian', 'Bench'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const ingest = performance.now() - t;
  fs.rmSync(src, { recursive: true, force: true });
  t = performance.now();
  for (const dir of PDF_DIRS) {
    execFileSync(EXHIBIT, ['--matter', MATTER, 'ingest', dir, '--custodian', 'PDF corpus'], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const pdfs = performance.now() - t;
  const built = { generate_s: gen / 1e3, ingest_s: ingest / 1e3, pdf_ingest_s: pdfs / 1e3 };
  log(`built ${MATTER}: ${JSON.stringify(built)}`);
  return built;
}

// ---------------------------------------------------------------------------------------------
// The server and the browser.

/** `exhibit serve` on the matter, timed from the spawn to its URL (process ready). */
async function serveTimed() {
  const t0 = performance.now();
  const server = await serve(MATTER, { timeoutMs: 120_000 });
  return { ...server, t0, ready: performance.now() - t0 };
}

/** The backend's own time for an answer, from its Server-Timing header. */
function serverTiming(headers) {
  const out = {};
  for (const part of (headers['server-timing'] ?? '').split(',')) {
    const m = part.trim().match(/^(\w+);dur=([\d.]+)/);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

/** Records every rpc the page makes: method, params, backend time, round trip. */
function recordRpc(page) {
  const calls = [];
  page.on('requestfinished', async (req) => {
    const url = req.url();
    if (!url.includes('/api/')) return;
    const resp = await req.response();
    if (!resp) return;
    const body = url.endsWith('/api/rpc') ? JSON.parse(req.postData() ?? '{}') : { method: url.includes('/page/') ? 'page_png' : 'other' };
    const timing = req.timing();
    calls.push({
      method: body.method,
      params: body.params,
      at: timing.startTime,
      round_trip: timing.responseEnd,
      ...serverTiming(await resp.allHeaders()),
    });
  });
  return calls;
}

async function rpc(server, method, params = {}) {
  const t = performance.now();
  const r = await fetch(`${server.origin}/api/rpc`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-exhibit-token': server.token },
    body: JSON.stringify({ method, params }),
  });
  const body = await r.json();
  const round = performance.now() - t;
  if (!r.ok) throw new Error(`${method}: ${body.code}: ${body.message}`);
  return { body, round, ...serverTiming(Object.fromEntries(r.headers)) };
}

/** Resolves with performance.now() in the page once `cond` holds (checked on every DOM change). */
const WAIT_FN = `window.__until = (cond, timeout = 60000) => new Promise((resolve, reject) => {
  const check = () => { try { return cond(); } catch { return false; } };
  if (check()) return resolve(performance.now());
  const mo = new MutationObserver(() => { if (check()) { mo.disconnect(); clearTimeout(t); resolve(performance.now()); } });
  mo.observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
  const t = setTimeout(() => { mo.disconnect(); reject(new Error('timed out: ' + cond)); }, timeout);
});`;

// ---------------------------------------------------------------------------------------------
// 1. Cold start.

async function coldStart(browser, drop) {
  const dropped = drop ? dropCaches() : false;
  const server = await serveTimed();
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await page.addInitScript(WAIT_FN);
  const calls = recordRpc(page);
  const tNav = performance.now();
  await page.goto(server.url, { waitUntil: 'load' });
  const loaded = performance.now() - server.t0;
  // Interactive: the first page of results drawn with its total.
  await page.waitForFunction(
    () => /\d/.test(document.querySelector('[data-testid=total]')?.textContent ?? '') && document.querySelector('.vrow .r-title'),
    null,
    { polling: 'raf', timeout: 120_000 },
  );
  const interactive = performance.now() - server.t0;
  await page.waitForSelector('[data-testid=facet-kind]', { timeout: 120_000 });
  const facets = performance.now() - server.t0;
  await page.waitForSelector('[data-testid=text-view], [data-testid=pages], [data-testid=html-frame]', { timeout: 120_000 });
  const firstDoc = performance.now() - server.t0;
  const total = await page.textContent('[data-testid=total]');
  await page.waitForTimeout(200);
  const startCalls = calls.filter((c) => c.at >= 0).map((c) => ({ method: c.method, app: c.app, wait: c.wait, round_trip: c.round_trip }));
  return { dropped, ready: server.ready, nav_from_spawn: tNav - server.t0, loaded, interactive, facets, first_doc: firstDoc, total: total.trim(), calls: startCalls, server, context, page };
}

// ---------------------------------------------------------------------------------------------
// 2. Opening documents.

async function uiSearch(page, q) {
  // The empty bar is "every item": its total reads "(all)".
  const label = q === ALL ? '(all)' : `match ${q}`;
  await page.fill('[data-testid=query]', q === ALL ? '' : q);
  await page.click('[data-testid=search]');
  await page.waitForFunction((label) => document.querySelector('[data-testid=total]')?.textContent?.replace(' matches ', ' match ').includes(label), label, { timeout: 120_000 });
  // Let the auto-opened first document settle.
  await page.waitForSelector('[data-testid=viewer-control]');
  await page.waitForTimeout(300);
  return Number((await page.textContent('[data-testid=total]')).trim().split(/\s/)[0].replace(/,/g, ''));
}

/** Clicks result row `i` and times the viewer (and, for a PDF, its first page image). */
async function openRow(page, i, pdf) {
  return page.evaluate(
    async ({ i, pdf }) => {
      const row = document.querySelector(`.vrow[data-index="${i}"]`);
      if (!row) throw new Error(`no row ${i}`);
      const control = row.querySelector('.control').textContent;
      const t0 = performance.now();
      row.click();
      const shownSel = pdf ? '[data-testid=page-image]' : '[data-testid=text-view], [data-testid=html-frame]';
      const shown = await window.__until(
        () => document.querySelector('[data-testid=viewer-control]')?.textContent === control && document.querySelector(shownSel),
      );
      let image = null;
      if (pdf) {
        const img = document.querySelector('[data-testid=page-image]');
        if (!img.complete) await new Promise((r, j) => { img.addEventListener('load', r, { once: true }); img.addEventListener('error', j, { once: true }); });
        await img.decode();
        image = performance.now() - t0;
      }
      return { control, shown: shown - t0, image };
    },
    { i, pdf },
  );
}

async function openDocs(page, label, query, pdf, n = 6) {
  const total = await uiSearch(page, query);
  const out = [];
  for (let i = 1; i <= Math.min(n, total - 1); i++) {
    try {
      out.push(await openRow(page, i, pdf));
    } catch (e) {
      log(`${label} row ${i}: ${e.message}`);
    }
    await page.waitForTimeout(150);
  }
  return { label, query, total, runs: out };
}

// ---------------------------------------------------------------------------------------------
// 3. Scrolling.

async function scroll(page, query, seconds = 6) {
  const total = await uiSearch(page, query);
  const stats = await page.evaluate(async (seconds) => {
    const list = document.querySelector('.vlist');
    const frames = [];
    let blank = 0;
    let samples = 0;
    let last = performance.now();
    const end = last + seconds * 1000;
    let step = 0;
    await new Promise((resolve) => {
      const tick = (now) => {
        frames.push(now - last);
        last = now;
        // Rows still waiting for their page ("#123 …") in the window the user sees.
        const rows = list.querySelectorAll('.vrow');
        samples += rows.length;
        for (const r of rows) if (!r.querySelector('.r-title')) blank++;
        // Wheel-like scrolling (~30 rows a frame), with long jumps: middle, near the end, back.
        step++;
        if (step % 90 === 30) list.scrollTop = list.scrollHeight / 2;
        else if (step % 90 === 60) list.scrollTop = list.scrollHeight - list.clientHeight - 5000;
        else if (step % 90 === 0) list.scrollTop = 0;
        else list.scrollTop += 900;
        if (now < end) requestAnimationFrame(tick);
        else resolve();
      };
      requestAnimationFrame(tick);
    });
    frames.shift();
    return { frames, blank_share: samples ? blank / samples : 0 };
  }, seconds);
  // Rows catch up after the scrolling stops.
  await page.waitForFunction(() => [...document.querySelectorAll('.vrow')].every((r) => r.querySelector('.r-title')), null, { timeout: 60_000 }).catch(() => {});
  const f = stats.frames;
  return {
    query,
    total,
    frames: f.length,
    p50: pct(f, 0.5),
    p95: pct(f, 0.95),
    max: max(f),
    over50: f.filter((x) => x > 50).length,
    blank_share: stats.blank_share,
  };
}

// ---------------------------------------------------------------------------------------------
// 4. The rpc calls, timed by the server.

async function backend(server, ids) {
  const rows = [];
  const time = async (label, fn, n = 5) => {
    const app = [];
    const round = [];
    let note = '';
    for (let k = 0; k < n; k++) {
      const r = await fn();
      app.push(r.app ?? r.render);
      round.push(r.round);
      note = r.note ?? note;
    }
    rows.push({ label, app_median: median(app), app_max: max(app), round_median: median(round), note });
  };
  const search = (q, offset = 0) => async () => {
    const r = await rpc(server, 'search', { query: q, limit: 100, offset, sort: 'relevance' });
    return { ...r, note: `${r.body.total.toLocaleString('en')} results` };
  };
  await time('status (the matter name and counts)', () => rpc(server, 'status'));
  await time(`search: every item, first 100 + exact total`, search(ALL));
  await time(`search: \`${SCROLL_QUERY}\`, first 100 + exact total`, search(SCROLL_QUERY));
  await time(`search: \`${SCROLL_QUERY}\`, rows 100,000–100,099`, search(SCROLL_QUERY, 100_000));
  await time(`search: every item, rows 500,000–500,099`, search(ALL, 500_000), 3);
  await time('facets: every item', () => rpc(server, 'facets', { query: ALL }), 3);
  await time(`facets: \`${SCROLL_QUERY}\``, () => rpc(server, 'facets', { query: SCROLL_QUERY }), 3);
  for (const [label, id] of Object.entries(ids)) {
    if (id == null) continue;
    await time(`item (${label}) with hits`, () => rpc(server, 'item', { id: String(id), hits: SCROLL_QUERY }));
    await time(`item_body (${label})`, () => rpc(server, 'item_body', { id: String(id) }));
  }
  if (ids.pdf != null) {
    await time('page image: PDF page 1 at 1.5× (PNG)', async () => {
      const t = performance.now();
      const r = await fetch(`${server.origin}/api/item/${ids.pdf}/page/0?scale=1.5`, { headers: { 'x-exhibit-token': server.token } });
      const bytes = (await r.arrayBuffer()).byteLength;
      return { round: performance.now() - t, ...serverTiming(Object.fromEntries(r.headers)), note: `${Math.round(bytes / 1024)} KiB` };
    });
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------

async function main() {
  for (const p of [EXHIBIT, CHROMIUM, path.join(UI_DIR, 'index.html')]) {
    if (!fs.existsSync(p)) throw new Error(`missing ${p} (run \`make bench-desktop\`)`);
  }
  const built = buildMatter();
  const tb = performance.now();
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const browserLaunch = performance.now() - tb;
  const result = { items_requested: ITEMS, matter: MATTER, exhibit: EXHIBIT, built, browser_launch: browserLaunch, cold: [], warm: [] };

  // 1. Cold start: page cache dropped before each run (when we may), then warm runs.
  let kept = null;
  for (const mode of ['cold', 'warm']) {
    for (let r = 0; r < RUNS; r++) {
      const run = await coldStart(browser, mode === 'cold');
      log(`${mode} start ${r + 1}: ready ${ms(run.ready)}, interactive ${ms(run.interactive)}, facets ${ms(run.facets)}, first doc ${ms(run.first_doc)} — ${run.total}${mode === 'cold' && !run.dropped ? ' (page cache NOT dropped)' : ''}`);
      const { server, context, page, ...figures } = run;
      result[mode].push(figures);
      if (mode === 'warm' && r === RUNS - 1) kept = run;
      else {
        await context.close();
        await server.stop();
      }
    }
  }
  const { server, page } = kept;

  // A part that fails is reported and the others still run.
  const attempt = async (label, fn) => {
    try {
      return await fn();
    } catch (e) {
      log(`${label} failed: ${e.message.split('\n')[0]}`);
      return null;
    }
  };
  // 2. Opening documents.
  result.opens = [
    await attempt('email', () => openDocs(page, 'email', `kind:email AND ${SCROLL_QUERY}`, false)),
    await attempt('text', () => openDocs(page, 'text document', `kind:text AND ${SCROLL_QUERY}`, false)),
    await attempt('pdf', () => openDocs(page, 'PDF', 'kind:pdf', true)),
  ].filter(Boolean);

  // 3. Scrolling ≥ 100,000 results, and the whole matter.
  result.scroll = [await attempt('scroll', () => scroll(page, SCROLL_QUERY)), await attempt('scroll all', () => scroll(page, ALL))].filter(Boolean);

  // 4. Backend timings of the calls behind all this.
  const firstId = async (q) => (await rpc(server, 'search', { query: q, limit: 1 })).body.hits[0]?.id ?? null;
  result.backend = await backend(server, {
    email: await firstId(`kind:email AND ${SCROLL_QUERY}`),
    text: await firstId(`kind:text AND ${SCROLL_QUERY}`),
    pdf: await firstId('kind:pdf'),
  });
  result.status = (await rpc(server, 'status')).body;

  await browser.close();
  await server.stop();
  fs.writeFileSync(path.join(TARGET, 'bench-desktop.json'), JSON.stringify(result, null, 2));
  report(result);
}

function report(r) {
  const p = (...a) => console.log(...a);
  const s = r.status;
  p(`\n## Desktop workspace on ${s.items.toLocaleString('en')} items (${Object.entries(s.by_kind).map(([k, n]) => `${n.toLocaleString('en')} ${k}`).join(', ')})`);
  p(`exhibit: ${r.exhibit}; browser: ${CHROMIUM} headless (launched once, ${ms(r.browser_launch)}; a new context per start)\n`);
  p('| cold start (spawn → …) | median | max | runs |');
  p('|---|---|---|---|');
  for (const mode of ['cold', 'warm']) {
    const runs = r[mode];
    const dropped = runs.every((x) => x.dropped);
    const tag = mode === 'cold' ? (dropped ? 'page cache dropped' : 'page cache NOT dropped (not root)') : 'warm cache';
    for (const [k, label] of [['ready', 'process ready (matter open, URL printed)'], ['loaded', 'page loaded'], ['interactive', '**workspace interactive** (first page + total drawn)'], ['facets', 'facets drawn'], ['first_doc', 'first document shown']]) {
      const v = runs.map((x) => x[k]);
      p(`| ${label}, ${tag} | ${ms(median(v))} | ${ms(max(v))} | ${runs.length} |`);
    }
  }
  const first = r.cold[0] ?? r.warm[0];
  p(`\nrpc calls of the first cold start (server's own time / round trip): ${first.calls.map((c) => `${c.method} ${ms1(c.app)}${c.wait > 1 ? ` (+${ms1(c.wait)} queued)` : ''} / ${ms(c.round_trip)}`).join('; ')}\n`);
  p('| open a document (click → shown) | median | max | first page image (median / max) | n |');
  p('|---|---|---|---|---|');
  for (const o of r.opens) {
    const shown = o.runs.map((x) => x.shown);
    const img = o.runs.map((x) => x.image).filter((x) => x != null);
    p(`| ${o.label} (\`${o.query}\`) | ${ms(median(shown))} | ${ms(max(shown))} | ${img.length ? `${ms(median(img))} / ${ms(max(img))}` : '—'} | ${o.runs.length} |`);
  }
  p('\n| scroll (requestAnimationFrame, 6 s) | results | frames | p50 | p95 | max | frames > 50 ms | rows still loading |');
  p('|---|---|---|---|---|---|---|---|');
  for (const x of r.scroll) {
    p(`| \`${x.query}\` | ${x.total.toLocaleString('en')} | ${x.frames} | ${ms1(x.p50)} | ${ms1(x.p95)} | ${ms1(x.max)} | ${x.over50} | ${(x.blank_share * 100).toFixed(1)} % |`);
  }
  p('\n| rpc (warm) | backend median | backend max | round trip median | |');
  p('|---|---|---|---|---|');
  for (const b of r.backend) p(`| ${b.label} | ${ms1(b.app_median)} | ${ms1(b.app_max)} | ${ms1(b.round_median)} | ${b.note} |`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
