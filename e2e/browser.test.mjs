// End-to-end in Chromium (playwright-core with Debian's /usr/bin/chromium) against
// `exhibit serve`: create a matter, ingest a corpus slice watching progress, search with several
// query forms, open an email and a PDF, tag with keyboard shortcuts, bulk-tag, try a redaction,
// and prove a hostile message runs nothing and loads nothing. Screenshots go to e2e/screenshots/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { CORPUS, EXHIBIT, SHOTS, rpc, serve, skipSuite, workDir, writeHostileFixtures, launchChromium } from './lib.mjs';

const SLICE = ['email/enron/beck-s/europe', 'email/enron/beck-s/recruiting', 'pdf/py-pdf'].map((p) => path.join(CORPUS, p));
const haveCorpus = SLICE.every((p) => fs.existsSync(p));

describe('browser end-to-end', { skip: skipSuite('browser', !haveCorpus && `corpus slice not found under ${CORPUS}`) }, () => {
  let server, browser, context, page, work;
  const offBox = []; // every request that tried to leave 127.0.0.1
  const dialogs = [];
  const shot = async (name) => {
    // Let decoded page images paint before the picture is taken.
    await page.evaluate(() => Promise.all([...document.querySelectorAll('img')].map((i) => i.decode().catch(() => {}))));
    await page.waitForTimeout(150);
    await page.screenshot({ path: path.join(SHOTS, `browser-${name}.png`) });
  };

  before(async () => {
    assert.ok(fs.existsSync(EXHIBIT), `build exhibit first (${EXHIBIT})`);
    work = workDir('browser');
    writeHostileFixtures(path.join(work, 'hostile'));
    server = await serve(null);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    // Every request from every frame goes through here: local ones proceed, others are
    // recorded and refused.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(`${server.origin}/`) || url.startsWith('data:') || url.startsWith('about:')) return route.continue();
      offBox.push(url);
      return route.abort();
    });
    context.on('request', (r) => {
      const u = r.url();
      if (!u.startsWith(`${server.origin}/`) && !u.startsWith('data:') && !u.startsWith('about:') && !offBox.includes(u)) offBox.push(u);
    });
    page = await context.newPage();
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      d.dismiss();
    });
    await page.goto(server.url);
  });

  after(async () => {
    await browser?.close();
    server?.stop();
  });

  async function search(q) {
    await page.fill('[data-testid=query]', q);
    await page.click('[data-testid=search]');
    await page.waitForFunction((q) => document.querySelector('[data-testid=total]')?.textContent?.replace(' matches ', ' match ').includes(`match ${q}`), q);
    const text = await page.textContent('[data-testid=total]');
    return Number(text.trim().split(/\s/)[0].replace(/,/g, ''));
  }

  async function openRow(predicate) {
    const rows = await page.$$('.vrow');
    for (const r of rows) {
      if (predicate(await r.textContent())) {
        await r.click();
        return;
      }
    }
    throw new Error('no such row');
  }

  it('creates a matter from the Matters screen', async () => {
    await page.waitForSelector('[data-testid=screen-matters]');
    await page.fill('[data-testid=create-dir]', path.join(work, 'matter'));
    await page.fill('[data-testid=create-name]', 'Browser e2e matter');
    await page.click('[data-testid=create-matter]');
    await page.waitForSelector('[data-testid=matter-summary]');
    assert.match(await page.textContent('[data-testid=matter-name]'), /Browser e2e matter/);
  });

  it('ingests a corpus slice and shows live progress', async () => {
    await page.click('[data-testid=nav-ingest]');
    // Browser mode keeps the path field and says why; a drop explains that it carries no paths.
    assert.match(await page.textContent('[data-testid=browser-paths-note]'), /server runs on this machine/);
    assert.equal(await page.$('[data-testid=pick-files]'), null);
    await page.dispatchEvent('[data-testid=screen-ingest]', 'drop', { dataTransfer: await page.evaluateHandle(() => new DataTransfer()) });
    assert.match(await page.textContent('[data-testid=drop-message]'), /does not tell Exhibit where dropped files are/);
    await page.fill('[data-testid=ingest-paths]', [...SLICE, path.join(work, 'hostile')].join('\n'));
    await page.fill('[data-testid=ingest-custodian]', 'Beck, Sally');
    const t0 = Date.now();
    await page.click('[data-testid=ingest-start]');
    await page.waitForSelector('[data-testid=ingest-progress]');
    await page.waitForSelector('[data-testid=files-done]', { timeout: 60_000 });
    await shot('ingest-progress');
    await page.waitForSelector('[data-testid=ingest-summary]', { timeout: 180_000 });
    console.log(`# ingest through the UI: ${Date.now() - t0} ms`);
    const summary = await page.textContent('[data-testid=ingest-summary]');
    assert.match(summary, /items added/);
    const status = await rpc(server, 'status');
    assert.ok(status.items > 250, `items: ${status.items}`);
    await shot('ingest-done');
    await page.click('[data-testid=nav-matters]');
    await page.waitForSelector('[data-testid=matter-summary]');
    await shot('matters');
  });

  it('searches with several query forms', async () => {
    await page.click('[data-testid=nav-review]');
    await page.waitForSelector('[data-testid=screen-review]');
    const forms = ['europe', '"analyst program"', 'gas w/5 price~', 'recruit*', 'energy~1', 'london AND NOT paris', 'subject:europe', 'from:enron.com', 'date:[2000-01-01 TO 2001-12-31]', 'kind:pdf'];
    const counts = {};
    for (const q of forms) {
      const t0 = Date.now();
      counts[q] = await search(q);
      const direct = await rpc(server, 'search', { query: q, limit: 1 });
      assert.equal(counts[q], direct.total, `UI and API agree on ${q}`);
      assert.ok(counts[q] > 0, `${q} finds something`);
      console.log(`# search ${q}: ${counts[q]} hits, ${Date.now() - t0} ms round trip in the UI`);
    }
    await search('europe');
    await page.waitForSelector('.r-snippet b');
    await shot('review-search');
    // A syntax error shows where it is.
    await page.fill('[data-testid=query]', 'gas AND (oil');
    await page.click('[data-testid=search]');
    await page.waitForSelector('[data-testid=query-error]');
    assert.match(await page.textContent('[data-testid=query-error]'), /character/);
    await shot('query-error');
  });

  it('shows every month in the month facet, and finds items by control number', async () => {
    // The API counts every month, exactly; the panel shows each of them (grouped by year when
    // there are many), not the ten most frequent.
    const facets = await rpc(server, 'facets', { query: 'kind:email' });
    const months = facets.month.map(([m]) => m);
    assert.ok(months.length > 10, `the slice spans ${months.length} months`);
    await search('kind:email');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=facet-month] [data-month]').length === n, months.length);
    const shown = await page.$$eval('[data-testid=facet-month] [data-month]', (els) => els.map((e) => e.dataset.month));
    assert.deepEqual(shown, months);
    await shot('facets');
    // A control number as pasted, `control:` and a range find exactly their items.
    const hits = (await rpc(server, 'search', { query: 'europe', limit: 3, sort: 'date' })).hits;
    assert.equal(await search(hits[0].control), 1);
    await page.waitForFunction((c) => document.querySelector('.vrow .control')?.textContent === c, hits[0].control);
    assert.equal(await search(`control:${hits[1].control.toLowerCase()}`), 1);
    const [lo, hi] = [hits[0].id, hits[1].id].sort((a, b) => a - b);
    const range = `control:[EXH-${String(lo).padStart(7, '0')} TO EXH-${String(hi).padStart(7, '0')}]`;
    assert.equal(await search(range), hi - lo + 1);
  });

  it('opens an email with headers and hits', async () => {
    await search('europe');
    await openRow((t) => t.includes('email'));
    await page.waitForSelector('[data-testid=email-headers]');
    await page.click('[data-testid=tab-text]');
    await page.waitForSelector('mark.current');
    const counter = await page.textContent('[data-testid=hit-counter]');
    assert.match(counter, /hit 1 of \d+/);
    await page.keyboard.press('n');
    if (!/of 1$/.test(counter)) await page.waitForFunction(() => document.querySelector('[data-testid=hit-counter]')?.textContent?.startsWith('hit 2'));
    await shot('email');
  });

  it('opens a PDF as page images', async () => {
    await search('kind:pdf');
    const rows = await page.$$('.vrow');
    let found = false;
    for (const r of rows.slice(0, 15)) {
      await r.click();
      await page.waitForTimeout(300);
      if (await page.$('[data-testid=tab-pages]')) {
        await page.click('[data-testid=tab-pages]');
        const ok = await page
          .waitForFunction(() => [...document.querySelectorAll('[data-testid=page-image]')].some((i) => i.complete && i.naturalWidth > 100), null, { timeout: 15_000 })
          .then(() => true, () => false);
        if (ok) {
          found = true;
          break;
        }
      }
    }
    assert.ok(found, 'some PDF renders as page images');
    await shot('pdf');
  });

  it('highlights hits on PDF pages and redacts a box drawn on a page', async () => {
    assert.ok((await search('consetetur AND kind:pdf')) > 0);
    await page.locator('.vrow').first().click();
    await page.waitForSelector('[data-testid=tab-pages]');
    await page.click('[data-testid=tab-pages]');
    // A hit is drawn over the page image, inside it.
    const hitBox = page.locator('[data-testid=hit-box].current').first();
    await hitBox.waitFor();
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=page-image]')].some((i) => i.complete && i.naturalWidth > 100));
    const pageEl = page.locator('[data-testid=page]', { has: hitBox });
    const img = await pageEl.locator('[data-testid=page-image]').boundingBox();
    let hb = await hitBox.boundingBox();
    assert.ok(hb.width > 10 && hb.height > 4, `hit box ${JSON.stringify(hb)}`);
    assert.ok(hb.x >= img.x && hb.y >= img.y && hb.x + hb.width <= img.x + img.width && hb.y + hb.height <= img.y + img.height, 'the hit box lies on the page image');
    // The pixels under the box are the word's ink, not blank paper.
    const ink = await pageEl.locator('[data-testid=page-image]').evaluate((im, b) => {
      const c = document.createElement('canvas');
      c.width = im.naturalWidth;
      c.height = im.naturalHeight;
      const g = c.getContext('2d');
      g.drawImage(im, 0, 0);
      const k = im.naturalWidth / im.getBoundingClientRect().width;
      const r = im.getBoundingClientRect();
      const d = g.getImageData(Math.round((b.x - r.x) * k), Math.round((b.y - r.y) * k), Math.round(b.width * k), Math.round(b.height * k)).data;
      let dark = 0;
      for (let i = 0; i < d.length; i += 4) dark += d[i] + d[i + 1] + d[i + 2] < 300 ? 1 : 0;
      return dark / (d.length / 4);
    }, hb);
    assert.ok(ink > 0.05, `only ${(ink * 100).toFixed(1)}% dark pixels under the hit box`);
    const counter = await page.textContent('[data-testid=page-hit-counter]');
    assert.match(counter, /hit 1 of \d+ · page 1/);
    await shot('pdf-hits');

    // Draw a box around the hit, choose a reason, redact. (Draw mode shows a hint above the
    // pages, so the word moves: measure it again.)
    await page.click('[data-testid=draw-box]');
    await page.waitForSelector('[data-testid=place-box]');
    hb = await hitBox.boundingBox();
    const imgAtDraw = await pageEl.locator('[data-testid=page-image]').boundingBox();
    await page.mouse.move(hb.x - 3, hb.y - 3);
    await page.mouse.down();
    await page.mouse.move(hb.x + hb.width / 2, hb.y + hb.height / 2, { steps: 4 });
    await page.mouse.move(hb.x + hb.width + 3, hb.y + hb.height + 3, { steps: 4 });
    await page.mouse.up();
    await page.waitForSelector('[data-testid=pending-box]');
    await page.selectOption('[data-testid=box-reason]', 'PII');
    await shot('pdf-box-pending');
    await page.click('[data-testid=box-redact]');
    await page.waitForFunction(() => /Redacted a box on page 1 \(PII\); 1 text range/.test(document.querySelector('[data-testid=redact-message]')?.textContent ?? ''));
    const region = pageEl.locator('[data-testid=redaction-box][data-region]');
    await region.waitFor();
    // Where it was drawn on the page (the page itself may have moved under the messages).
    const rb = await region.boundingBox();
    const imgNow = await pageEl.locator('[data-testid=page-image]').boundingBox();
    rb.x -= imgNow.x - imgAtDraw.x;
    rb.y -= imgNow.y - imgAtDraw.y;
    for (const [k, want] of [['x', hb.x - 3], ['y', hb.y - 3], ['width', hb.width + 6], ['height', hb.height + 6]]) {
      assert.ok(Math.abs(rb[k] - want) < 2.5, `drawn box ${k}: ${rb[k]} vs ${want}`);
    }
    assert.match(await region.textContent(), /PII/);
    await shot('pdf-box-redacted');

    // Listed with the other redactions; the text under it is gone from the redacted view.
    await page.click('[data-testid=tab-redactions]');
    await page.waitForSelector('[data-testid=region-list]');
    assert.match(await page.textContent('[data-testid=region-list]'), /page 1\s*PII\s*manual/);
    const control = await page.textContent('[data-testid=viewer-control]');
    const listed = await rpc(server, 'redactions', { item: control });
    assert.equal(listed.regions.length, 1);
    const span = listed.redactions.find((r) => r.source === `region:${listed.regions[0].id}`);
    assert.ok(span, 'the word under the box is redacted as text');
    const item = await rpc(server, 'item', { id: control });
    assert.match([...item.text].slice(span.start, span.end).join(''), /^consetetur/);
    const red = await rpc(server, 'item', { id: control, redacted: true });
    assert.equal([...red.text].slice(span.start, span.start + 10).join(''), '[REDACTED ');
    await page.click('[data-testid=show-redacted]');
    // The whole viewer switches to the redacted view: the page with its boxes, then the text.
    await page.waitForSelector('[data-testid=redacted-banner]');
    await page.click('[data-testid=tab-text]');
    await page.waitForSelector('[data-testid=redacted-view]');
    assert.match(await page.textContent('[data-testid=redacted-view]'), /\[REDACTED – PII\]/);
    await shot('pdf-box-listed');
    await page.click('[data-testid=redacted-toggle]');
  });

  it('tags with keyboard shortcuts and moves with j/k', async () => {
    await search('europe');
    const first = await page.textContent('.vrow[data-index="0"] .control');
    await page.locator('.vrow').first().click();
    await page.waitForFunction((c) => document.querySelector('[data-testid=viewer-control]')?.textContent === c, first);
    await page.keyboard.press('1');
    await page.waitForSelector('[data-testid=tag-1].on');
    await page.keyboard.press('j');
    await page.waitForFunction((c) => document.querySelector('[data-testid=viewer-control]')?.textContent !== c, first);
    await page.waitForSelector('[data-testid=tag-1]:not(.on)');
    await page.keyboard.press('1');
    await page.keyboard.press('5');
    await page.waitForSelector('[data-testid=tag-5].on');
    await page.keyboard.press('k');
    await page.waitForFunction((c) => document.querySelector('[data-testid=viewer-control]')?.textContent === c, first);
    await page.waitForSelector('[data-testid=tag-1].on');
    const tags = await rpc(server, 'tags');
    const responsive = tags.tags[0];
    assert.equal(responsive.count, 2, `${responsive.name} on two items`);
    assert.equal((await rpc(server, 'search', { query: 'tag:Hot', limit: 1 })).total, 1);
    await shot('tagged');
  });

  it('bulk-tags a result set', async () => {
    const n = await search('kind:pdf');
    await page.selectOption('[data-testid=bulk-tag]', 'Reviewed');
    await page.click('[data-testid=bulk-apply]');
    await page.waitForFunction(() => document.querySelector('[data-testid=bulk-apply]')?.textContent?.includes('Confirm'));
    await page.click('[data-testid=bulk-apply]');
    await page.waitForFunction(() => document.querySelector('[data-testid=notice]')?.textContent?.includes('Tagged'));
    assert.equal((await rpc(server, 'search', { query: 'tag:Reviewed', limit: 1 })).total, n);
    await shot('bulk-tagged');
  });

  it('adds a note and tries a redaction of a selection', async () => {
    await search('europe');
    await page.locator('.vrow').first().click();
    await page.click('[data-testid=tab-notes]');
    await page.fill('[data-testid=note-text]', 'Check with counsel before producing.');
    await page.click('[data-testid=note-add]');
    await page.waitForFunction(() => document.querySelector('[data-testid=notes]')?.textContent?.includes('Check with counsel'));
    await page.click('[data-testid=tab-text]');
    const redactedWord = await page.evaluate(() => {
      const m = document.querySelector('[data-testid=text-view] mark') ?? document.querySelector('[data-testid=text-view] span');
      const r = document.createRange();
      r.selectNodeContents(m);
      getSelection().removeAllRanges();
      getSelection().addRange(r);
      return m.textContent;
    });
    await page.click('[data-testid=redact-selection]');
    await page.waitForSelector('[data-testid=redact-message]');
    const msg = await page.textContent('[data-testid=redact-message]');
    assert.match(msg, /Redacted characters/);
    await shot('redaction');
    // The redacted view (and the redaction list) come from Rust, or say plainly they cannot yet.
    await page.click('[data-testid=tab-redactions]');
    await page.click('[data-testid=show-redacted]');
    await page.waitForSelector('[data-testid=redacted-view]');
    const view = await page.$('[data-testid=redacted-view]');
    assert.ok(view, 'the redacted view is shown');
    assert.match(await view.textContent(), /\[REDACTED – AC\]/);
    // The whole viewer is redacted, not only the text: the header panel and title too.
    assert.ok(redactedWord.length > 2, 'a word was selected');
    const shown = (await page.textContent('[data-testid=viewer]')).toLowerCase();
    assert.ok(!shown.includes(redactedWord.toLowerCase()), `"${redactedWord}" is nowhere in the redacted viewer (title, headers, text)`);
    await shot('redacted-view');
    await page.click('[data-testid=redacted-toggle]');
  });

  it('shows a hostile message as text with nothing run and nothing loaded', async () => {
    await search('Zanzibar');
    await openRow((t) => t.includes('Zanzibar hostile fixture'));
    await page.waitForSelector('[data-testid=html-frame]');
    const frame = page.frameLocator('[data-testid=html-frame]');
    await frame.locator('text=Zanzibar pipeline memo').waitFor();
    assert.equal(await frame.locator('script, iframe, object, form, body style, img[src], [onerror], [onload], [style]').count(), 0);
    // The links are plain text now: clicking them goes nowhere.
    await frame.locator('text=Click to claim your prize').click();
    await frame.locator('text=Plain external link').click();
    await page.waitForTimeout(1000);
    await shot('hostile-email');
    assert.equal(await page.evaluate(() => window.pwned), undefined);
    // Its link targets are listed below the frame. Choosing one shows the full URL in a
    // confirm dialog; Cancel loads nothing, and only Open calls window.open (intercepted here)
    // with a new tab that has no opener and no referrer.
    await page.evaluate(() => {
      window.__opened = [];
      window.open = (...a) => (window.__opened.push(a), null);
    });
    await page.click('[data-testid=message-links] summary');
    await page.click('[data-testid=message-link-0]');
    await page.waitForSelector('[data-testid=link-confirm]');
    assert.equal(await page.textContent('[data-testid=link-url]'), 'http://evil.example/phish');
    assert.equal(await page.textContent('[data-testid=link-host]'), 'evil.example');
    await shot('link-confirm');
    await page.click('[data-testid=link-cancel]');
    await page.waitForSelector('[data-testid=link-confirm]', { state: 'detached' });
    await page.waitForTimeout(500);
    assert.deepEqual(await page.evaluate(() => window.__opened), [], 'nothing opened on cancel');
    assert.deepEqual(offBox, [], 'no request left 127.0.0.1 on cancel');
    await page.click('[data-testid=message-link-0]');
    await page.click('[data-testid=link-open]');
    await page.waitForFunction(() => window.__opened.length === 1);
    assert.deepEqual(await page.evaluate(() => window.__opened), [['http://evil.example/phish', '_blank', 'noopener,noreferrer']]);
    await page.waitForSelector('[data-testid=link-confirm]', { state: 'detached' });
    // The PDF with JavaScript: rendered to pixels, never executed.
    await openRow((t) => t.includes('pdf') && /hostile|Zanzibar/i.test(t));
    await page.waitForSelector('[data-testid=tab-pages]');
    await page.click('[data-testid=tab-pages]');
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=page-image]')].some((i) => i.complete && i.naturalWidth > 100));
    await page.waitForTimeout(500);
    await shot('hostile-pdf');
    assert.deepEqual(dialogs, [], 'no dialog opened');
    assert.deepEqual(offBox, [], 'no request left 127.0.0.1');
  });

  it('scrolls 150,000 results, paging from the backend, with only the visible rows in the page', async () => {
    // Synthetic answers for one query only (the corpus slice is small); items open for real.
    const BIG = 'synthetic150k';
    const TOTAL = 150_000;
    const pagesAsked = [];
    await page.route('**/api/rpc', async (route) => {
      const body = JSON.parse(route.request().postData() ?? '{}');
      if (body.params?.query !== BIG) return route.fallback();
      if (body.method === 'facets') return route.fulfill({ json: { total: TOTAL, kind: [['email', TOTAL]], custodian: [], tag: [], month: [], ext: [], sender_domain: [] } });
      const { offset = 0, limit = 50 } = body.params;
      pagesAsked.push(offset);
      const hits = [];
      for (let i = offset; i < Math.min(TOTAL, offset + limit); i++) {
        hits.push({ id: (i % 300) + 1, control: `SYN-${i + 1}`, kind: 'email', title: `Synthetic result ${i + 1}`, date: '2001-01-01T00:00:00Z', custodians: ['Synthetic'], score: 1, snippet: `row ${i + 1} of the big set`, segments: [{ text: 'row ', hit: false }, { text: String(i + 1), hit: true }, { text: ' of the big set', hit: false }], offsets: [] });
      }
      return route.fulfill({ json: { query: BIG, total: TOTAL, offset, hits } });
    });
    assert.equal(await search(BIG), TOTAL);
    const stats = await page.evaluate(async () => {
      const list = document.querySelector('.vlist');
      const frames = [];
      let last = performance.now();
      const end = last + 3000;
      let step = 0;
      await new Promise((resolve) => {
        const tick = (now) => {
          frames.push(now - last);
          last = now;
          // Fast wheel-like scrolling, with a few long jumps (middle, near the end, back).
          step++;
          if (step % 60 === 20) list.scrollTop = list.scrollHeight / 2;
          else if (step % 60 === 40) list.scrollTop = list.scrollHeight - list.clientHeight - 5000;
          else list.scrollTop += 900;
          if (now < end) requestAnimationFrame(tick);
          else resolve();
        };
        requestAnimationFrame(tick);
      });
      frames.shift();
      const sorted = [...frames].sort((a, b) => a - b);
      return {
        frames: frames.length,
        max: Math.round(sorted[sorted.length - 1]),
        p95: Math.round(sorted[Math.floor(sorted.length * 0.95)]),
        rows: document.querySelectorAll('.vrow').length,
      };
    });
    console.log(`# 150,000-row scroll: ${stats.frames} frames in 3 s, p95 ${stats.p95} ms, max ${stats.max} ms, ${stats.rows} rows in the DOM, ${pagesAsked.length} pages fetched`);
    assert.ok(stats.rows < 80, 'only the visible window is in the DOM');
    // Frame times are printed, not asserted: smoothness is measured by `make bench-desktop`
    // (BENCHMARKS.md), where a loaded CI machine cannot fail a build over it.
    // Rows far down arrive and are shown.
    await page.waitForFunction(() => [...document.querySelectorAll('.vrow .r-title')].some((e) => /Synthetic result \d{5,}/.test(e.textContent)));
    await shot('big-list');
    await page.unroute('**/api/rpc');
  });

  it('shows the audit log and verifies the chain', async () => {
    await page.click('[data-testid=nav-audit]');
    await page.waitForSelector('[data-testid=audit-log] tbody tr');
    await page.click('[data-testid=verify]');
    await page.waitForSelector('[data-testid=verify-result]', { timeout: 60_000 });
    assert.match(await page.textContent('[data-testid=verify-result]'), /^\s*Verified/);
    assert.ok((await page.$$('[data-testid=audit-log] tbody tr')).length >= 5);
    await shot('audit');
    assert.deepEqual(offBox, [], 'no request left 127.0.0.1');
  });
});
