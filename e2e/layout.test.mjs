// The reviewer's screens at laptop widths, and what the Review screen says about a document (issue
// 17, items 1, 5, 6, 7): in Chromium (playwright-core with Debian's /usr/bin/chromium) against
// `exhibit serve` on the demo matter (assets/demo), plus an email with Bcc and many recipients
// written here and, when ../shared/corpus is present, an encrypted PDF and a scanned one read in
// place.
//
// - A malformed query shows the parser's position and expectation inline while it is typed, and
//   submitting it sends no `search` request.
// - The "go to" box opens an item by control number; the list is in control-number order by
//   default and the order control says so.
// - The header panel shows From, To, Cc and Bcc with every recipient; the demo PDF, loose and
//   attached to an email, is flagged "Duplicate of" the other copy, each in its own family.
// - A document whose text could not be had says why in a banner (encrypted: the password; no text
//   layer: OCR), and the status facet counts them.
// - Every screen at 1024, 1280 and 1440 px: screenshots in target/e2e-layout/, no pane wider than
//   its box, the results header on at most two lines, "Redact selection" wholly visible.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { CORPUS, EXHIBIT, ROOT, exhibit, launchChromium, rpc, serve, workDir } from './lib.mjs';

const OUT = path.join(ROOT, 'target', 'e2e-layout');
const WIDTHS = [1024, 1280, 1440];
const SCREENS = ['matters', 'ingest', 'review', 'production', 'exposure', 'audit', 'modellogs'];
const ENCRYPTED = path.join(CORPUS, 'pdf', 'py-pdf', 'libreoffice-writer-password.pdf');
const SCANNED = path.join(CORPUS, 'pdf', 'py-pdf', 'imagemagick-CCITTFaxDecode.pdf');
const haveCorpus = fs.existsSync(ENCRYPTED) && fs.existsSync(SCANNED);
const RECIPIENTS = Array.from({ length: 14 }, (_, i) => `analyst${i + 1}@harborpower.example`);
const BCC = ['counsel@northwind.example', 'records@northwind.example'];

/** Panes and bars that must never be wider than their box (a horizontal scroll or clipping). */
const PANES = [
  '.shell', 'main', '.topbar', '.statusbar', '.screen', '.review-top', '.querybar', '.review-grid', '.sidebar', '.panel',
  '.results', '.results-head', '.vlist', '.viewer', '.v-head', '.v-title', '.tagbar', '.headers', '.family', '.tabs', '.v-body',
  '.hitnav', '.card',
];

const mail = `From: Sam Okafor <sam.okafor@northwind.example>\r
To: ${RECIPIENTS.slice(0, 10).join(', ')}\r
Cc: ${RECIPIENTS.slice(10).join(', ')}\r
Bcc: ${BCC.join(', ')}\r
Subject: Storage capacity figures for the whole team\r
Date: Tue, 22 May 2001 09:00:00 +0000\r
Message-ID: <layout-1@northwind.example>\r
\r
Everyone: the storage capacity figures are attached to the earlier message. Please keep the\r
price cap discussion to the call on Thursday.\r
`;

describe('screens at laptop widths', () => {
  let server, browser, context, page, work, matter;
  /** Every API method the page called since the last `sent.length = 0`. */
  const sent = [];

  const control = async (query) => (await rpc(server, 'search', { query, limit: 1 })).hits[0]?.control;

  async function goTo(key, expected = key) {
    await page.fill('[data-testid=goto-input]', key);
    await page.click('[data-testid=goto] button[type=submit]');
    await page.waitForFunction((k) => document.querySelector('[data-testid=viewer-control]')?.textContent === k, expected);
  }

  async function show(screen) {
    await page.click(`[data-testid=nav-${screen}]`);
    await page.waitForSelector(`[data-testid=screen-${screen}]`);
    await page.waitForTimeout(300);
  }

  before(async () => {
    assert.ok(fs.existsSync(EXHIBIT), `build exhibit first (${EXHIBIT})`);
    work = workDir('layout');
    fs.mkdirSync(OUT, { recursive: true });
    matter = path.join(work, 'matter');
    const extra = path.join(work, 'extra');
    fs.mkdirSync(extra);
    fs.writeFileSync(path.join(extra, 'team-figures.eml'), mail);
    exhibit('init', matter, '--name', 'Demo matter');
    exhibit('--matter', matter, 'ingest', path.join(ROOT, 'assets', 'demo'), '--custodian', 'Okafor, Sam');
    exhibit('--matter', matter, 'ingest', extra, ...(haveCorpus ? [ENCRYPTED, SCANNED] : []), '--custodian', 'Okafor, Sam');
    // One produced document, so the "go to" box has a Bates number to find.
    exhibit('--matter', matter, 'produce', '--query', 'kind:email AND subject:"storage capacity figures"', '--prefix', 'ACME', '--out', path.join(work, 'prod'));
    server = await serve(matter);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    page = await context.newPage();
    page.on('request', (r) => {
      if (!r.url().endsWith('/api/rpc')) return;
      try {
        sent.push(JSON.parse(r.postData() ?? '{}').method);
      } catch {
        /* not JSON */
      }
    });
    await page.goto(server.url);
    await page.waitForSelector('[data-testid=screen-review]');
    await page.waitForFunction(() => /\d/.test(document.querySelector('[data-testid=total]')?.textContent ?? ''));
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('checks a query as it is typed: the error inline, and nothing searched', async () => {
    sent.length = 0;
    await page.fill('[data-testid=query]', 'price w/');
    const error = await page.waitForSelector('[data-testid=query-error]');
    assert.match(await error.textContent(), /At character \d+: .+/);
    assert.ok(sent.includes('check_query'), `the query was checked: ${sent}`);
    await page.click('[data-testid=search]');
    await page.press('[data-testid=query]', 'Enter');
    await page.waitForTimeout(600);
    assert.ok(!sent.includes('search'), `a malformed query is not run: ${sent}`);
    assert.equal(await page.getAttribute('[data-testid=query]', 'aria-invalid'), 'true');
    await page.screenshot({ path: path.join(OUT, 'query-error.png') });
    // Fixed, it runs.
    await page.fill('[data-testid=query]', 'price w/5 cap');
    await page.waitForSelector('[data-testid=query-error]', { state: 'detached' });
    await page.click('[data-testid=search]');
    await page.waitForFunction(() => document.querySelector('[data-testid=total]')?.textContent?.replace(' matches ', ' match ').includes('match price w/5 cap'));
    assert.ok(sent.includes('search'));
  });

  it('lists in control-number order by default, and says so', async () => {
    await page.fill('[data-testid=query]', '');
    await page.click('[data-testid=search]');
    await page.waitForFunction(() => document.querySelector('[data-testid=total]')?.textContent?.replace(' matches ', ' match ').includes('(all)'));
    assert.equal(await page.$eval('[data-testid=sort]', (s) => s.value), 'control');
    assert.match(await page.$eval('[data-testid=sort]', (s) => s.selectedOptions[0].textContent), /control number/i);
    const controls = await page.$$eval('.vrow .control', (els) => els.map((e) => e.textContent));
    assert.ok(controls.length > 3, `rows: ${controls}`);
    assert.deepEqual(controls, [...controls].sort(), 'ascending control numbers');
  });

  it('goes to a control number or a Bates number', async () => {
    const pdf = await control('kind:pdf AND filename:supply*');
    assert.ok(pdf, 'the demo PDF');
    await goTo(pdf);
    const email = await control('kind:email AND subject:"storage capacity figures"');
    await goTo(email.toLowerCase(), email);
    await goTo('EXH-0000001');
    await goTo('ACME-0000001', email);
    const missing = 'EXH-0999999';
    await page.fill('[data-testid=goto-input]', missing);
    await page.click('[data-testid=goto] button[type=submit]');
    assert.match(await (await page.waitForSelector('[data-testid=goto-message]')).textContent(), /No item EXH-0999999/);
  });

  it('shows every recipient, Bcc too, and flags a duplicate in another family', async () => {
    const email = await control('subject:"storage capacity figures"');
    await goTo(email);
    const headers = await page.textContent('[data-testid=email-headers]');
    for (const r of [...RECIPIENTS, ...BCC]) assert.ok(headers.includes(r), `${r} in the header panel`);
    assert.match(headers, /Bcc/);
    await page.screenshot({ path: path.join(OUT, 'headers.png') });

    const loose = (await rpc(server, 'search', { query: 'kind:pdf AND filename:supply*', limit: 5 })).hits;
    const ids = loose.map((h) => h.id);
    const items = await Promise.all(ids.map((id) => rpc(server, 'item', { id: String(id) })));
    const attached = items.find((i) => i.family.parent);
    const root = items.find((i) => !i.family.parent);
    assert.ok(attached && root, `the PDF loose and attached: ${items.map((i) => i.control)}`);
    assert.notEqual(attached.family.root.id, root.family.root.id, 'two families');
    await goTo(root.control);
    const dups = await page.textContent('[data-testid=duplicates]');
    assert.match(dups, new RegExp(`Duplicate of\\s*${attached.control}`));
    await page.click('[data-testid=duplicate-of]');
    await page.waitForFunction((k) => document.querySelector('[data-testid=viewer-control]')?.textContent === k, attached.control);
    assert.match(await page.textContent('[data-testid=duplicates]'), new RegExp(root.control));
    assert.ok(await page.$('[data-testid=family]'), 'the attachment keeps its family');
    const flagged = await rpc(server, 'search', { query: 'is:duplicate', limit: 10 });
    assert.deepEqual(flagged.hits.map((h) => h.id).sort(), [attached.id, root.id].sort());
  });

  it('says why a document has no text, and counts it in the status facet', { skip: !haveCorpus && `corpus PDFs not found under ${CORPUS}` }, async () => {
    await goTo(await control('filename:libreoffice*'));
    const banner = await page.waitForSelector('[data-testid=text-problem]');
    assert.equal(await banner.getAttribute('data-kind'), 'encrypted');
    assert.match(await banner.textContent(), /password/i);
    await page.screenshot({ path: path.join(OUT, 'encrypted.png') });
    const scanned = await rpc(server, 'item', { id: await control('filename:imagemagick*') });
    await goTo(scanned.control);
    if (scanned.metadata.status !== 'ok') {
      const b = await page.waitForSelector('[data-testid=text-problem]');
      assert.match(await b.textContent(), /OCR|could not/);
    }
    await page.fill('[data-testid=query]', '');
    await page.click('[data-testid=search]');
    const facet = await page.waitForSelector('[data-testid=facet-status]');
    assert.match(await facet.textContent(), /error\s*\d/);
  });

  for (const width of WIDTHS) {
    it(`every screen holds at ${width} px`, async () => {
      await page.setViewportSize({ width, height: 800 });
      for (const screen of SCREENS) {
        await show(screen);
        if (screen === 'review') {
          // A long query, an email with many recipients and its text tab: the crowded case.
          await page.fill('[data-testid=query]', 'price OR storage OR capacity OR agreement OR figures');
          await page.click('[data-testid=search]');
          await page.waitForFunction(() => document.querySelector('[data-testid=total]')?.textContent?.replace(' matches ', ' match ').includes('match price OR'));
          await goTo(await control('subject:"storage capacity figures"'));
          await page.click('[data-testid=tab-text]');
          await page.waitForSelector('[data-testid=redact-selection]');
        }
        await page.waitForTimeout(200);
        await page.screenshot({ path: path.join(OUT, `${screen}-${width}.png`) });
        const overflow = await page.evaluate((sels) => {
          const bad = [];
          for (const sel of sels) {
            for (const el of document.querySelectorAll(sel)) {
              if (el.getClientRects().length === 0) continue;
              if (el.scrollWidth > el.clientWidth + 1) bad.push(`${sel}: content ${el.scrollWidth}px in ${el.clientWidth}px`);
            }
          }
          if (document.documentElement.scrollWidth > window.innerWidth) bad.push(`page: ${document.documentElement.scrollWidth}px`);
          return bad;
        }, PANES);
        assert.deepEqual(overflow, [], `${screen} at ${width}px: nothing wider than its pane`);
        if (screen !== 'review') continue;
        // Lines of the results header: a child starting below the bottom of the line before starts a new one.
        const lines = await page.$eval('.results-head', (h) => {
          const boxes = [...h.children].map((c) => c.getBoundingClientRect()).filter((r) => r.height > 0).sort((a, b) => a.top - b.top);
          let n = 0;
          let bottom = -Infinity;
          for (const r of boxes) {
            if (r.top >= bottom - 1) n++;
            bottom = n && r.top >= bottom - 1 ? r.bottom : Math.max(bottom, r.bottom);
          }
          return n;
        });
        assert.ok(lines <= 2, `the results header on at most two lines at ${width}px: ${lines}`);
        const visible = await page.$eval('[data-testid=redact-selection]', (b) => {
          const r = b.getBoundingClientRect();
          const v = b.closest('.viewer').getBoundingClientRect();
          const inside = r.left >= v.left && r.right <= v.right && r.top >= v.top && r.bottom <= v.bottom && r.right <= window.innerWidth;
          const pts = [[r.left + 2, r.top + 2], [r.right - 2, r.top + 2], [r.left + 2, r.bottom - 2], [r.right - 2, r.bottom - 2]];
          const unhidden = pts.every(([x, y]) => b.contains(document.elementFromPoint(x, y)));
          return { inside, unhidden, rect: [r.left, r.top, r.right, r.bottom], viewer: [v.left, v.top, v.right, v.bottom] };
        });
        assert.ok(visible.inside && visible.unhidden, `"Redact selection" wholly visible at ${width}px: ${JSON.stringify(visible)}`);
      }
    });
  }
});
