// End-to-end for the redacted view in Chromium (playwright-core with Debian's /usr/bin/chromium)
// against `exhibit serve` (issue 13, item 1). A matter gets values planted in a Bcc, a custom
// header, an attachment's name, a PDF's Title property and second page, an upper-case and a
// line-broken copy, a later-ingested identical copy and a later-ingested text a stored rule
// matches. With the viewer's redacted view on, no planted value may be anywhere in the viewer's
// DOM (hidden elements and attributes included), on any tab; the PDF's second page shows boxes.
// Screenshots go to e2e/screenshots/redaction-*.png.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { EXHIBIT, SHOTS, exhibit, rpc, serve, workDir, launchChromium, pdfFile } from './lib.mjs';

const SSN = '078-05-1120';
const CODENAME = 'Project Nightjar';
const BCC = 'jane.hidden@secret.example';
const API_KEY = 'sk-live-4f9a8b7c6d5e4f3a2b1c';
const CARD = '4111111111111111';
const LATE_CARD = '4111 1111 1111 1111';
const PLANTED = [SSN, CODENAME, BCC, API_KEY, CARD, LATE_CARD];

/** Case, width and whitespace folded, as the redaction matcher folds. */
const fold = (s) => s.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, '');

/** A two-page PDF: the codename on page 1, an upper-case copy and the SSN on page 2, and the
 * codename in its Title property. */
function twoPagePdf() {
  const page1 = `BT /F1 18 Tf 72 700 Td (Quarterly review of ${CODENAME} follows.) Tj ET`;
  const page2 = `BT /F1 18 Tf 72 700 Td (Page two: PROJECT NIGHTJAR budget.) Tj 0 -30 Td (Holder SSN ${SSN} on file.) Tj ET`;
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R 5 0 R] /Count 2 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 7 0 R >> >> >>',
    `<< /Length ${page1.length} >>\nstream\n${page1}\nendstream`,
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 6 0 R /Resources << /Font << /F1 7 0 R >> >> >>',
    `<< /Length ${page2.length} >>\nstream\n${page2}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    `<< /Title (${CODENAME.toUpperCase()} review) /Author (Review team) >>`,
  ];
  return Buffer.from(pdfFile(objs, '/Info 8 0 R'), 'latin1');
}

function mail1() {
  return [
    'From: Alice Sender <alice@corp.example>',
    'To: Bob <bob@corp.example>',
    `Bcc: <${BCC}>`,
    `Subject: ${CODENAME} budget`,
    `X-Api-Key: ${API_KEY}`,
    'Date: Mon, 2 Mar 2026 10:00:00 +0000',
    'Message-ID: <e2e-m1@corp.example>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="XX"',
    '',
    '--XX',
    'Content-Type: text/plain',
    '',
    `Codename ${CODENAME}. The SSN on file is ${SSN}.`,
    'Repeat: PROJECT NIGHTJAR, and project',
    'nightjar, and 078-05-',
    '1120 again.',
    '--XX',
    `Content-Type: text/plain; name="card ${CARD}.txt"`,
    `Content-Disposition: attachment; filename="card ${CARD}.txt"`,
    '',
    `Attachment notes for the budget: SSN ${SSN}.`,
    '--XX--',
    '',
  ].join('\r\n');
}

function forward(pdf) {
  const b64 = pdf.toString('base64').replace(/.{76}/g, '$&\r\n');
  return [
    'From: Carol <carol@corp.example>',
    'To: Dan <dan@corp.example>',
    'Subject: Fwd: review',
    'Date: Tue, 3 Mar 2026 09:00:00 +0000',
    'Message-ID: <e2e-m2@corp.example>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="YY"',
    '',
    '--YY',
    'Content-Type: text/plain',
    '',
    'Forwarding the quarterly review.',
    '--YY',
    'Content-Type: application/pdf; name="review.pdf"',
    'Content-Disposition: attachment; filename="review.pdf"',
    'Content-Transfer-Encoding: base64',
    '',
    b64,
    '--YY--',
    '',
  ].join('\r\n');
}

const json = (...args) => JSON.parse(exhibit(...args, '--json'));

describe('the redacted view in the browser', () => {
  let server, browser, page, work, matter;
  const offBox = [];
  const shot = async (name) => {
    await page.waitForTimeout(200);
    await page.screenshot({ path: path.join(SHOTS, `redaction-${name}.png`) });
  };

  /** Redacts the first occurrence of `value` in an item's text through the CLI. */
  function redactFirst(id, value, reason) {
    const text = json('--matter', matter, 'show', String(id)).text;
    const at = Array.from(text.slice(0, text.indexOf(value))).length;
    assert.ok(text.includes(value), `${value} in item ${id}`);
    exhibit('--matter', matter, 'redact', 'add', String(id), '--span', `${at}:${at + Array.from(value).length}`, '--reason', reason);
  }

  before(async () => {
    assert.ok(fs.existsSync(EXHIBIT), `build exhibit first (${EXHIBIT})`);
    work = workDir('redaction');
    const b1 = path.join(work, 'b1');
    const b2 = path.join(work, 'b2');
    fs.mkdirSync(b1, { recursive: true });
    fs.mkdirSync(b2, { recursive: true });
    const pdf = twoPagePdf();
    fs.writeFileSync(path.join(b1, 'mail1.eml'), mail1());
    fs.writeFileSync(path.join(b1, 'review.pdf'), pdf);
    fs.writeFileSync(path.join(b2, 'mail2.eml'), forward(pdf));
    fs.writeFileSync(path.join(b2, 'later.txt'), `Please charge card ${LATE_CARD} tomorrow.`);
    matter = path.join(work, 'matter');
    exhibit('init', matter, '--name', 'Redaction e2e');
    exhibit('--matter', matter, 'ingest', b1, '--custodian', 'Alice');
    const mail = json('--matter', matter, 'search', 'codename').hits[0].id;
    const review = json('--matter', matter, 'search', 'quarterly').hits[0].id;
    redactFirst(mail, CODENAME, 'TS');
    redactFirst(mail, SSN, 'PII');
    redactFirst(review, CODENAME, 'TS');
    redactFirst(review, SSN, 'PII');
    exhibit('--matter', matter, 'redact', 'rule', 'add', '--builtin', 'credit_card', '--reason', 'PII');
    exhibit('--matter', matter, 'redact', 'rule', 'add', '--regex', '[a-z0-9.]+@secret\\.example', '--reason', 'PII');
    exhibit('--matter', matter, 'redact', 'rule', 'add', '--regex', 'sk-live-[a-z0-9]+', '--reason', 'SECRET');
    exhibit('--matter', matter, 'ingest', b2, '--custodian', 'Bob');
    server = await serve(matter);
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(`${server.origin}/`) || url.startsWith('data:') || url.startsWith('about:') || url.startsWith('blob:')) return route.continue();
      offBox.push(url);
      return route.abort();
    });
    page = await context.newPage();
    await page.goto(server.url);
    await page.waitForSelector('[data-testid=nav-review]:not([disabled])');
    await page.click('[data-testid=nav-review]');
    await page.waitForSelector('[data-testid=screen-review]');
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** Searches and opens the `nth` result row whose text includes `rowText`. */
  async function open(query, rowText, nth = 0) {
    await page.fill('[data-testid=query]', query);
    await page.click('[data-testid=search]');
    await page.waitForFunction((q) => document.querySelector('[data-testid=total]')?.textContent?.replace(' matches ', ' match ').includes(`match ${q}`), query);
    const rows = await page.$$('.vrow');
    let seen = 0;
    for (const r of rows) {
      const t = await r.textContent();
      if (t.includes(rowText) && seen++ === nth) {
        const control = t.match(/[A-Z]+-\d{7}/)?.[0];
        await r.click();
        await page.waitForFunction((c) => document.querySelector('[data-testid=viewer-control]')?.textContent === c, control);
        return;
      }
    }
    throw new Error(`no row with ${rowText} for ${query}`);
  }

  /** Every tab of the viewer in the redacted view: nothing planted anywhere in its DOM. */
  async function assertViewerClean(what) {
    const tabs = await page.$$eval('.viewer .tabs [role=tab]', (ts) => ts.map((t) => t.dataset.testid ?? t.textContent.trim()));
    assert.ok(!tabs.includes('tab-notes') && !tabs.includes('tab-message') && !tabs.includes('tab-redactions'), `tabs in the redacted view: ${tabs}`);
    for (let i = 0; i < tabs.length; i++) {
      await page.locator('.viewer .tabs [role=tab]').nth(i).click();
      await page.waitForTimeout(150);
      const html = await page.$eval('[data-testid=viewer]', (v) => v.outerHTML + '\n' + v.innerText);
      const folded = fold(html);
      for (const p of PLANTED) assert.ok(!folded.includes(fold(p)), `${what}, tab ${tabs[i]}: the redacted view shows ${p}`);
    }
  }

  it('the email: subject, Bcc, custom header, attachment name and every copy are hidden', async () => {
    await open('codename', 'email');
    // The unredacted view does show them (the test would prove nothing otherwise).
    await page.waitForSelector('[data-testid=email-subject]');
    assert.match(await page.textContent('[data-testid=email-subject]'), /Nightjar/);
    await page.click('[data-testid=redacted-toggle]');
    await page.waitForSelector('[data-testid=redacted-banner]');
    assert.equal((await page.textContent('[data-testid=email-subject]')).trim(), '[REDACTED – TS] budget');
    await page.click('[data-testid=tab-text]');
    await shot('email');
    await assertViewerClean('the email');
    const headers = await page.textContent('[data-testid=email-headers]');
    assert.match(headers, /Bcc\s*\[REDACTED – PII\]/);
    // The family strip names the attachment without its card number.
    assert.match(await page.textContent('[data-testid=family]'), /card \[REDACTED – PII\]/);
  });

  it('the attachment, the late rule match and the late identical copy', async () => {
    // The view stays on while moving between documents.
    await open('attachment', 'card');
    await page.waitForSelector('[data-testid=redacted-banner]');
    await assertViewerClean('the attachment');
    await open('tomorrow', 'later');
    await page.waitForSelector('[data-testid=redacted-banner]');
    await assertViewerClean('the text ingested after the rule');
    await open('forwarding', 'email');
    await assertViewerClean('the forwarding email');
  });

  it('the PDF: title property and the second page are covered', async () => {
    // The loose PDF and its identical copy attached to the mail ingested later.
    for (const nth of [0, 1]) {
      await open('quarterly AND kind:pdf', 'pdf', nth);
      await page.waitForSelector('[data-testid=redacted-banner]');
      await page.click('[data-testid=tab-pages]');
      await page.waitForSelector('[data-testid=page]');
      // Page 2 carries the upper-case copy and the SSN: boxes over both lines.
      const page2 = page.locator('[data-testid=page]').nth(1);
      await page2.locator('[data-testid=redaction-box]').first().waitFor();
      const boxes = await page2.locator('[data-testid=redaction-box]').count();
      assert.ok(boxes >= 2, `boxes on page 2: ${boxes}`);
      await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=page-image]')].every((i) => i.complete && i.naturalWidth > 100));
      await page2.locator("[data-testid=redaction-box]").first().evaluate((b) => b.scrollIntoView({ block: "center" }));
      await shot(`pdf-${nth + 1}`);
      await assertViewerClean(`PDF ${nth + 1} of 2`);
    }
    // Switching the view off shows the original again (it is the reviewer's own session).
    await page.click('[data-testid=redacted-toggle]');
    await page.waitForSelector('[data-testid=redacted-banner]', { state: 'detached' });
    await page.click('[data-testid=tab-text]');
    assert.match(await page.textContent('[data-testid=viewer]'), /NIGHTJAR/);
  });

  it('the API agrees: the redacted item and redacted search confirm nothing', async () => {
    const items = (await rpc(server, 'status')).items;
    for (let id = 1; id <= items; id++) {
      const v = await rpc(server, 'item', { id: String(id), redacted: true });
      const folded = fold(JSON.stringify(v));
      for (const p of PLANTED) assert.ok(!folded.includes(fold(p)), `item ${id} shows ${p}`);
    }
    for (const q of [`"${SSN}"`, 'nightjar', `"${CARD}"`]) {
      const r = await rpc(server, 'search', { query: q, redacted: true });
      assert.equal(r.total, 0, `redacted search ${q}: ${JSON.stringify(r)}`);
    }
    assert.deepEqual(offBox, [], 'nothing left 127.0.0.1');
  });
});

// Issue 17, item 3: the reviewer's redaction list shows what each redaction hides, and one
// redaction can be removed from it; the text then shows again, in the text tab and in the
// redacted view. Screenshots: e2e/screenshots/redaction-list-*.png.
describe('removing one redaction from the viewer', () => {
  const SECRET = 'Project Wren';
  const KEPT = '555-0142';
  let server, browser, page, matter;

  before(async () => {
    assert.ok(fs.existsSync(EXHIBIT), `build exhibit first (${EXHIBIT})`);
    const work = workDir('redaction-remove');
    const src = path.join(work, 'src');
    fs.mkdirSync(src, { recursive: true });
    fs.writeFileSync(path.join(src, 'memo.txt'), `Memo to Dana: the budget for ${SECRET} is final. Call ${KEPT} with questions.\n`);
    matter = path.join(work, 'matter');
    exhibit('init', matter, '--name', 'Redaction remove e2e');
    exhibit('--matter', matter, 'ingest', src, '--custodian', 'Dana');
    const id = String(json('--matter', matter, 'search', 'memo').hits[0].id);
    const text = json('--matter', matter, 'show', id).text;
    for (const [value, reason] of [[SECRET, 'TS'], [KEPT, 'PII']]) {
      const at = Array.from(text.slice(0, text.indexOf(value))).length;
      exhibit('--matter', matter, 'redact', 'add', id, '--span', `${at}:${at + Array.from(value).length}`, '--reason', reason);
    }
    server = await serve(matter);
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
    await page.goto(server.url);
    await page.waitForSelector('[data-testid=nav-review]:not([disabled])');
    await page.click('[data-testid=nav-review]');
    await page.fill('[data-testid=query]', 'memo');
    await page.click('[data-testid=search]');
    await page.waitForSelector('.vrow');
    await page.click('.vrow');
    await page.waitForSelector('[data-testid=viewer-control]');
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('lists each redacted text, removes one, and the text comes back', async () => {
    await page.click('[data-testid=tab-redactions]');
    await page.waitForSelector('[data-testid=redaction-list]');
    const texts = await page.$$eval('[data-testid=redaction-text]', (ts) => ts.map((t) => t.textContent));
    assert.deepEqual(texts.sort(), [KEPT, SECRET].sort(), 'the list shows what each redaction hides');
    // Readable: not the black bar it used to be.
    const colors = await page.$eval('[data-testid=redaction-text]', (t) => [getComputedStyle(t).color, getComputedStyle(t).backgroundColor]);
    assert.notEqual(colors[0], colors[1], `text and background differ: ${colors}`);
    await page.screenshot({ path: path.join(SHOTS, 'redaction-list-before.png') });
    const row = page.locator('[data-testid=redaction-row]', { hasText: SECRET });
    await row.locator('[data-testid=redaction-remove]').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=redaction-row]').length === 1);
    assert.match(await page.textContent('[data-testid=redact-message]'), /Removed redaction/);
    assert.deepEqual(await page.$$eval('[data-testid=redaction-text]', (ts) => ts.map((t) => t.textContent)), [KEPT]);
    await page.screenshot({ path: path.join(SHOTS, 'redaction-list-after.png') });
    // The text tab no longer marks it; the redacted view shows it and still hides the other.
    await page.click('[data-testid=tab-text]');
    const marked = await page.$$eval('[data-testid=text-view] .redacted', (ms) => ms.map((m) => m.textContent));
    assert.deepEqual(marked, [KEPT]);
    await page.click('[data-testid=redacted-toggle]');
    await page.waitForSelector('[data-testid=redacted-view]');
    const shown = await page.textContent('[data-testid=redacted-view]');
    assert.ok(shown.includes(SECRET), `the redacted view shows ${SECRET} again: ${shown}`);
    assert.ok(!shown.includes(KEPT) && shown.includes('[REDACTED – PII]'), shown);
    // And the server agrees: one redaction left, audited.
    const left = await rpc(server, 'redactions', {});
    assert.equal(left.redactions.length, 1);
    const log = await rpc(server, 'audit', { limit: 5 });
    assert.ok(JSON.stringify(log).includes('redaction.remove'), 'the removal is in the audit log');
  });
});
