// End-to-end for the Exposure screen in Chromium (playwright-core with Debian's /usr/bin/chromium)
// against `exhibit serve` (issue 16, item 5). The matter holds assets/demo (custodian Okafor) and
// 24 generated emails (custodian Marsh), one a month through 2001, whose subjects and words are
// known: odd months mention "price", every third mail "storage"; the storage mails are tagged
// Hot, the first two price mails privileged, the pricing memo confidential. Through the UI a request
// is added and its figures appear; the request is narrowed to a date range and the table's
// numbers and the volume chart's bar change to exactly what the API gives for the narrowed
// query; the narrowed inputs are saved in the matter, a sample is drawn and opened in Review, a
// figure opens its documents in Review, a privilege-screen term flags potentially privileged
// items, and the report is exported (JSON). Screenshots at 1440,
// 1280 and 1024 px go to e2e/screenshots/exposure-*.png; none of them scrolls sideways.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { EXHIBIT, ROOT, SHOTS, exhibit, rpc, serve, workDir, launchChromium } from './lib.mjs';

const json = (...args) => JSON.parse(exhibit(...args, '--json'));
const PRIVILEGED = 'Privileged – attorney-client';

/** 24 emails, two a month through 2001, with known words (see the header). */
function writeMails(dir) {
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 0; i < 24; i++) {
    const month = 1 + (i % 12);
    const day = i < 12 ? 3 : 17;
    const words = [i % 2 === 0 ? 'the price of gas at the hub' : 'the weather at the plant', i % 3 === 0 ? 'and storage levels at Cedar Creek' : 'and nothing else'];
    const date = new Date(Date.UTC(2001, month - 1, day, 10)).toUTCString().replace('GMT', '+0000');
    const eml = [
      'From: Lee Marsh <lee.marsh@harborpower.example>',
      'To: Sam Okafor <sam.okafor@northwind.example>',
      `Subject: Weekly desk note ${i + 1}`,
      `Date: ${date}`,
      `Message-ID: <desk-${i + 1}@harborpower.example>`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      `Note ${i + 1}: ${words.join(' ')}.`,
      '',
    ].join('\r\n');
    fs.writeFileSync(path.join(dir, `desk-${String(i + 1).padStart(2, '0')}.eml`), eml);
  }
}

describe('the Exposure screen', () => {
  let server, browser, context, page, work, matter;
  const shot = async (name) => {
    await page.waitForTimeout(200);
    const size = page.viewportSize();
    const tall = await page.$eval('[data-testid=screen-exposure]', (s) => s.scrollHeight + 44 + 26);
    await page.setViewportSize({ width: size.width, height: Math.max(size.height, tall) });
    await page.waitForTimeout(150);
    await page.screenshot({ path: path.join(SHOTS, `exposure-${name}.png`) });
    await page.setViewportSize(size);
  };
  /** What the API computes for these inputs (the fast form the screen asks for too). */
  const api = (inputs) => rpc(server, 'exposure', { inputs, full: false });
  const cell = (field, col) => page.textContent(`[data-testid="fig-${field}-${col}"]`);
  const bar = (label) => page.getAttribute(`[data-testid=chart-volumes] rect[data-label="${label}"]`, 'data-value');
  /** Waits until the screen shows `documents` for the first request (the live figures arrived). */
  const waitDocuments = (n) =>
    page.waitForFunction((n) => document.querySelector('[data-testid="fig-documents-0"]')?.textContent?.trim() === String(n), n);

  before(async () => {
    assert.ok(fs.existsSync(EXHIBIT), `build exhibit first (${EXHIBIT})`);
    work = workDir('exposure');
    matter = path.join(work, 'matter');
    const mails = path.join(work, 'mails');
    writeMails(mails);
    exhibit('init', matter, '--name', 'Exposure e2e');
    exhibit('--matter', matter, 'ingest', path.join(ROOT, 'assets', 'demo'), '--custodian', 'Okafor, Sam');
    exhibit('--matter', matter, 'ingest', mails, '--custodian', 'Marsh, Lee');
    exhibit('--matter', matter, 'tag', 'add', 'Hot', '--query', 'storage AND subject:desk');
    exhibit('--matter', matter, 'tag', 'add', PRIVILEGED, '--query', 'subject:"desk note 1" OR subject:"desk note 3"');
    exhibit('--matter', matter, 'tag', 'add', 'Confidential', '--query', 'filename:memo-price-cap.txt');
    server = await serve(matter);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    page = await context.newPage();
    await page.goto(server.url);
    await page.waitForSelector('[data-testid=nav-exposure]:not([disabled])');
    await page.click('[data-testid=nav-exposure]');
    await page.waitForSelector('[data-testid=screen-exposure]');
    await page.waitForSelector('[data-testid=request-add]');
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  let inputs, before1;

  it('a request added in the editor shows the figures the API gives for it', async () => {
    inputs = await rpc(server, 'exposure_inputs');
    assert.deepEqual(inputs.request, [], 'a new matter has no requests');
    await page.click('[data-testid=request-add]');
    await page.fill('[data-testid=request-name] >> nth=0', 'RFP 1: pricing');
    await page.fill('[data-testid=request-query] >> nth=0', 'price');
    inputs = { ...inputs, request: [{ name: 'RFP 1: pricing', query: 'price' }] };
    before1 = (await api(inputs)).requests[0];
    // The demo's price documents and the twelve odd-month mails.
    const total = json('--matter', matter, 'search', 'price').total;
    assert.equal(before1.documents, total, "the API's documents are exhibit search's total");
    assert.ok(before1.documents >= 12, `price reaches the odd-month mails: ${before1.documents}`);
    await waitDocuments(before1.documents);
    assert.equal((await cell('families', '0')).trim(), String(before1.families));
    assert.equal((await cell('privileged', '0')).trim(), String(before1.privileged));
    assert.equal((await cell('hot', '0')).trim(), String(before1.hot));
    assert.equal(before1.privileged, 2, 'desk notes 1 and 3 (January and March, price mails) are privileged');
    assert.equal(await bar('RFP 1: pricing'), String(before1.documents));
    assert.ok(await page.isVisible('[data-testid=unsaved]'), 'the new request is not saved yet');

    // A second request: the overall column counts each item once, and overlaps are listed.
    await page.click('[data-testid=request-add]');
    await page.fill('[data-testid=request-name] >> nth=1', 'RFP 2: storage');
    await page.fill('[data-testid=request-query] >> nth=1', 'storage');
    inputs = { ...inputs, request: [...inputs.request, { name: 'RFP 2: storage', query: 'storage' }] };
    const both = await api(inputs);
    await page.waitForFunction(
      (n) => document.querySelector('[data-testid="fig-documents-overall"]')?.textContent?.trim() === String(n),
      both.overall.documents,
    );
    assert.equal((await cell('documents', '1')).trim(), String(both.requests[1].documents));
    assert.equal(await bar('RFP 2: storage'), String(both.requests[1].documents));
    assert.equal((await cell('adds', '0')).trim(), String(both.requests[0].adds_alone));
    assert.equal(both.requests[1].hot, 8, 'every storage mail is hot');
    const hot = await page.$$eval('[data-testid=chart-hot-timeline] rect[data-value]', (rs) => rs.reduce((s, r) => s + Number(r.getAttribute('data-value')), 0));
    assert.equal(hot, 8, 'the hot timeline draws every hot item');
    assert.match(await page.textContent('[data-testid=exposure-overlaps]'), /RFP 1: pricing ∩ RFP 2: storage: \d+/);
    await shot('1440');
  });

  it('narrowing a request to dates changes its numbers and its bar to what the API gives', async () => {
    await page.click('[data-testid=request-narrow] >> nth=0');
    await page.waitForSelector('[data-testid=narrow-panel]');
    await page.waitForSelector('[data-testid=narrow-custodians] [data-custodian="Marsh, Lee"]');
    await page.fill('[data-testid=narrow-from]', '2001-07-01');
    await page.fill('[data-testid=narrow-to]', '2001-12-31');
    const narrowed = '(price) AND date:[2001-07-01 TO 2001-12-31]';
    assert.equal((await page.textContent('[data-testid=narrow-query]')).trim(), narrowed);
    const after1 = (await api({ ...inputs, request: [{ ...inputs.request[0], query: narrowed }, inputs.request[1]] })).requests[0];
    assert.equal(after1.documents, 6, 'the price mails of July, September and November, two each');
    assert.ok(after1.documents < before1.documents);
    await waitDocuments(after1.documents);
    assert.equal((await cell('families', '0')).trim(), String(after1.families));
    assert.equal((await cell('privileged', '0')).trim(), String(after1.privileged));
    assert.equal(await bar('RFP 1: pricing'), String(after1.documents), 'the volume bar follows the narrowed query');
    const sens = await page.getAttribute('[data-testid=chart-sensitivity] rect[data-label="RFP 1: pricing"][data-key=privileged]', 'data-value');
    assert.equal(sens, String(after1.privileged));
    // Until applied, the request keeps its query.
    assert.equal(await page.inputValue('[data-testid=request-query] >> nth=0'), 'price');
    await shot('narrowing-1440');

    // One custodian more: the Okafor documents drop out.
    await page.click('[data-testid=narrow-custodians] [data-custodian="Marsh, Lee"]');
    const byMarsh = `${narrowed} AND custodian:"Marsh, Lee"`;
    assert.equal((await page.textContent('[data-testid=narrow-query]')).trim(), byMarsh);
    await page.click('[data-testid=narrow-apply]');
    assert.equal(await page.inputValue('[data-testid=request-query] >> nth=0'), byMarsh);
    inputs = { ...inputs, request: [{ ...inputs.request[0], query: byMarsh }, inputs.request[1]] };
    const applied = (await api(inputs)).requests[0];
    await waitDocuments(applied.documents);
    assert.equal(await bar('RFP 1: pricing'), String(applied.documents));
  });

  it('a query that does not parse is pointed at under its request', async () => {
    await page.fill('[data-testid=request-query] >> nth=1', 'storage w/');
    await page.waitForSelector('[data-testid=request-error]');
    assert.match(await page.textContent('[data-testid=request-error]'), /At character \d+/);
    await page.fill('[data-testid=request-query] >> nth=1', 'storage');
    await page.waitForSelector('[data-testid=request-error]', { state: 'detached' });
  });

  it('the inputs are saved in the matter', async () => {
    await page.fill('[data-testid=rate-hourly_rate]', '60-90');
    await page.click('[data-testid=exposure-save]');
    await page.waitForSelector('[data-testid=unsaved]', { state: 'detached' });
    const kept = await rpc(server, 'exposure_inputs');
    assert.deepEqual(kept.request, inputs.request);
    assert.deepEqual(kept.review.hourly_rate, { low: 60, high: 90 });
    // The cost shown is a range now, as the API computes it.
    const r = await rpc(server, 'exposure', { full: false });
    const fmt = (x) => x.toLocaleString('en-US', { maximumFractionDigits: r.overall.review_cost.high < 100 ? 2 : 0, minimumFractionDigits: r.overall.review_cost.high < 100 ? 2 : 0 });
    await page.waitForFunction((t) => document.querySelector('[data-testid=overall-cost]')?.textContent?.trim() === t, `USD ${fmt(r.overall.review_cost.low)}–${fmt(r.overall.review_cost.high)}`);
  });

  it('a sample is drawn, tagged, and opened in Review', async () => {
    await page.fill('[data-testid=sample-size]', '3');
    await page.fill('[data-testid=sample-seed]', '7');
    await page.click('[data-testid=sample-draw]');
    await page.waitForSelector('[data-testid=sample-drawn]');
    assert.match(await page.textContent('[data-testid=sample-drawn]'), /Drew 3 items into “Exposure sample 7”/);
    const tags = (await rpc(server, 'tags')).tags;
    assert.equal(tags.find((t) => t.name === 'Exposure sample 7')?.count, 3);
    await page.waitForSelector('[data-testid=sample-rests]');
    assert.match(await page.textContent('[data-testid=sample-rests]'), /Rests on 0 coded items/);
    await page.click('[data-testid=sample-review]');
    await page.waitForSelector('[data-testid=screen-review]');
    assert.equal(await page.inputValue('[data-testid=query]'), 'tag:"Exposure sample 7"');
    await page.click('[data-testid=nav-exposure]');
    await page.waitForSelector('[data-testid=fig-documents-0]');
  });

  it('a figure opens its documents in Review', async () => {
    const r = await rpc(server, 'exposure', { full: false });
    await page.click('[data-testid="fig-hot-1"]');
    await page.waitForSelector('[data-testid=screen-review]');
    assert.equal(await page.inputValue('[data-testid=query]'), r.requests[1].searches.hot.query);
    await page.click('[data-testid=nav-exposure]');
    await page.waitForSelector('[data-testid=fig-documents-0]');
  });

  it('the privilege screen counts what involves counsel and is not tagged privileged', async () => {
    await page.click('details:has([data-testid=screen-terms]) > summary');
    await page.fill('[data-testid=screen-terms]', 'Cedar Creek');
    const kept = await rpc(server, 'exposure_inputs');
    const r = await api({ ...kept, privilege: { ...kept.privilege, terms: ['Cedar Creek'] } });
    // The storage mails say "Cedar Creek"; desk note 1 among them is tagged privileged already.
    assert.ok(r.requests[1].potentially_privileged > 0, 'the screen flags storage items');
    await page.waitForFunction(
      (n) => document.querySelector('[data-testid="fig-potentially_privileged-1"]')?.textContent?.trim() === String(n),
      r.requests[1].potentially_privileged,
    );
    assert.equal(await page.getAttribute('[data-testid=privilege-screen-link]', 'title'), `Open in Review — ${r.privilege_screen.search}: ${r.privilege_screen.query}`);
  });

  it('the report is exported where asked', async () => {
    const out = path.join(work, 'exposure-report.json');
    await page.selectOption('[data-testid=export-format]', 'json');
    await page.fill('[data-testid=export-out]', out);
    await page.click('[data-testid=export-run]');
    await page.waitForSelector('[data-testid=export-result]');
    // The path shown is where the server wrote it (resolved: the same file).
    const shown = (await page.textContent('[data-testid=export-result] code')).trim();
    assert.match(await page.textContent('[data-testid=export-result]'), /^Written \(JSON\)/);
    assert.equal(fs.realpathSync(shown), fs.realpathSync(out));
    const written = JSON.parse(fs.readFileSync(out, 'utf8'));
    assert.deepEqual(
      written.requests.map((q) => [q.name, q.documents]),
      (await rpc(server, 'exposure', { full: false })).requests.map((q) => [q.name, q.documents]),
    );
  });

  it('holds at 1024, 1280 and 1440 px', async () => {
    for (const width of [1024, 1280, 1440]) {
      await page.setViewportSize({ width, height: 800 });
      await page.waitForTimeout(200);
      const overflow = await page.$eval('[data-testid=screen-exposure]', (s) => s.scrollWidth - s.clientWidth);
      assert.ok(overflow <= 0, `no horizontal scroll at ${width}px (overflow ${overflow}px)`);
      await shot(`${width}`);
    }
  });
});
