// End-to-end for the Production screen in Chromium (playwright-core with Debian's /usr/bin/chromium)
// against `exhibit serve` (issue 15, item 8). A matter is built from assets/demo with a span
// redaction on its PDF and every item tagged; through the UI a dry run counts the set, a
// production runs with its progress panel, and its verification report shows every check
// passed. The bundle on disk then has its DAT, OPT and manifest and no INCOMPLETE marker, and the
// redacted PDF's first page, rendered by poppler's pdftoppm, carries the Bates stamp band at the
// bottom right. Re-verify from the past-productions list passes again. Screenshots at 1024, 1366
// and 1440 px go to e2e/screenshots/production-*.png.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { EXHIBIT, ROOT, SHOTS, exhibit, rpc, serve, workDir, launchChromium, which } from './lib.mjs';

const json = (...args) => JSON.parse(exhibit(...args, '--json'));
const REDACTED = 'Harbor Power';

/** A PPM/PGM (P6/P5, maxval 255) as {width, height, channels, px}. */
function readPnm(buf) {
  const tokens = [];
  let i = 0;
  while (tokens.length < 4) {
    while (/\s/.test(String.fromCharCode(buf[i]))) i++;
    if (buf[i] === 0x23) {
      while (buf[i] !== 0x0a) i++;
      continue;
    }
    let t = '';
    while (!/\s/.test(String.fromCharCode(buf[i]))) t += String.fromCharCode(buf[i++]);
    tokens.push(t);
  }
  i++;
  const [magic, w, h] = tokens;
  return { width: Number(w), height: Number(h), channels: magic === 'P6' ? 3 : 1, px: buf.subarray(i) };
}

describe('the Production screen', () => {
  let server, browser, context, page, work, matter, out;
  /** The whole screen: it scrolls inside the app's frame, so the viewport is made tall enough
   * to hold it (at the current width), and put back after. */
  const shot = async (name) => {
    await page.waitForTimeout(200);
    const size = page.viewportSize();
    const tall = await page.$eval('[data-testid=screen-production]', (s) => s.scrollHeight + 44 + 26);
    await page.setViewportSize({ width: size.width, height: Math.max(size.height, tall) });
    await page.waitForTimeout(150);
    await page.screenshot({ path: path.join(SHOTS, `production-${name}.png`) });
    await page.setViewportSize(size);
  };

  before(async () => {
    assert.ok(fs.existsSync(EXHIBIT), `build exhibit first (${EXHIBIT})`);
    work = workDir('production');
    matter = path.join(work, 'matter');
    out = path.join(work, 'out');
    exhibit('init', matter, '--name', 'Production e2e');
    exhibit('--matter', matter, 'ingest', path.join(ROOT, 'assets', 'demo'), '--custodian', 'Okafor, Sam');
    // A span redaction on the PDF, so one produced document has a burned box.
    const pdf = json('--matter', matter, 'search', 'kind:pdf').hits[0].id;
    const text = json('--matter', matter, 'show', String(pdf)).text;
    assert.ok(text.includes(REDACTED), `${REDACTED} in the PDF's text`);
    const at = Array.from(text.slice(0, text.indexOf(REDACTED))).length;
    exhibit('--matter', matter, 'redact', 'add', String(pdf), '--span', `${at}:${at + REDACTED.length}`, '--reason', 'PII');
    const items = json('--matter', matter, 'status').items;
    exhibit('--matter', matter, 'tag', 'add', 'Responsive', ...Array.from({ length: items }, (_, i) => String(i + 1)));
    server = await serve(matter);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    page = await context.newPage();
    await page.goto(server.url);
    await page.waitForSelector('[data-testid=nav-production]:not([disabled])');
    await page.click('[data-testid=nav-production]');
    await page.waitForSelector('[data-testid=screen-production]');
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('a query typed in the query bar is checked: a malformed one is pointed at, not run', async () => {
    await page.click('[data-testid=set-query]');
    await page.fill('[data-testid=prod-prefix]', 'ACME');
    await page.fill('[data-testid=prod-out]', out);
    await page.fill('[data-testid=query]', 'price w/');
    await page.click('[data-testid=search]');
    await page.waitForSelector('[data-testid=query-error]');
    assert.ok(!fs.existsSync(out), 'nothing written');
    await page.fill('[data-testid=query]', 'price');
    await page.click('[data-testid=search]');
    await page.waitForSelector('[data-testid=prod-dry]');
    assert.ok(Number(await page.textContent('[data-testid=dry-documents]')) >= 1);
    await page.click('[data-testid=set-tag]');
  });

  it('a dry run counts the tagged set and lists it, writing nothing', async () => {
    await page.waitForSelector('[data-testid=set-tag-name] option[value=Responsive]', { state: 'attached' });
    await page.selectOption('[data-testid=set-tag-name]', 'Responsive');
    await page.fill('[data-testid=prod-prefix]', 'ACME');
    await page.fill('[data-testid=prod-out]', out);
    await page.fill('[data-testid=prod-endorse]', 'CONFIDENTIAL');
    // Both image profiles are offered.
    const tiff = page.locator('[data-testid=prod-images] option[value=tiff]');
    assert.equal(await tiff.isDisabled(), false);
    assert.match(await tiff.textContent(), /TIFF/);
    await page.click('[data-testid=prod-dry-run]');
    await page.waitForSelector('[data-testid=prod-dry]');
    const items = (await rpc(server, 'status')).items;
    assert.ok(Number(await page.textContent('[data-testid=dry-documents]')) >= 5, 'every document of the demo matter');
    assert.ok(items >= 5);
    assert.match(await page.textContent('[data-testid=dry-range]'), /^ACME-0000001 – ACME-\d{7}$/);
    const preview = await page.textContent('[data-testid=dry-preview]');
    assert.match(preview, /redacted/, 'the PDF with its span is listed as redacted');
    assert.ok(!fs.existsSync(out), 'a dry run writes nothing');
    // The redacted document's first page as it will be produced: an image, with the stamp band.
    await page.waitForSelector('[data-testid=dry-page]');
    const src = await page.getAttribute('[data-testid=dry-page]', 'src');
    assert.match(src, /^data:image\/png;base64,/);
    assert.ok(src.length > 5000, 'a real page image');
    assert.match(await page.textContent('[data-testid=prod-dry] h3'), /as it will be produced \(redacted/);
    await shot('dry-run-1440');
  });

  it('a production runs with progress, passes its gate, and is listed', async () => {
    await page.click('[data-testid=prod-produce]');
    await page.waitForSelector('[data-testid=prod-progress]');
    await page.waitForFunction(() => document.querySelector('[data-testid=prod-gate-verdict]')?.textContent?.trim() === 'passed', null, {
      timeout: 180_000,
    });
    const checks = await page.$$eval('[data-testid=gate-check]', (rows) => rows.map((r) => r.textContent));
    assert.ok(checks.length >= 6, `checks shown: ${checks.length}`);
    for (const c of checks) assert.match(c, /passed/, c);
    await page.waitForSelector('[data-testid=past-row]');
    assert.equal((await page.textContent('[data-testid=past-status]')).trim(), 'complete');
    // Browser mode: the folder is shown, there is no "Open folder" (that is the desktop app's).
    assert.equal(await page.locator('[data-testid=past-open]').count(), 0);
    await shot('done-1440');
  });

  it('the bundle has its load files and manifest, no INCOMPLETE marker, and stamped pages', async () => {
    const root = path.join(out, 'ACME001');
    for (const f of ['DATA/ACME001.dat', 'DATA/ACME001.opt', 'manifest.json', 'verification.json']) {
      assert.ok(fs.existsSync(path.join(root, f)), `${f} in the bundle`);
    }
    assert.ok(!fs.existsSync(path.join(root, 'INCOMPLETE')), 'no INCOMPLETE marker');
    // The redacted document (REDACTED=Y in the DAT): its image file, first page.
    const dat = fs.readFileSync(path.join(root, 'DATA/ACME001.dat'), 'utf8').replace(/^\uFEFF/, '');
    const [header, ...rows] = dat.split('\r\n').filter(Boolean).map((l) => l.split('\u0014').map((v) => v.replace(/^þ|þ$/g, '')));
    const redactedRow = rows.find((r) => r[header.indexOf('REDACTED')] === 'Y');
    assert.ok(redactedRow, 'a redacted document in the DAT');
    const beg = redactedRow[header.indexOf('BEGBATES')];
    const opt = fs.readFileSync(path.join(root, 'DATA/ACME001.opt'), 'utf8');
    const image = opt.split('\r\n').find((l) => l.startsWith(`${beg},`)).split(',')[2].replaceAll('\\', '/');
    assert.ok(which('pdftoppm'), 'pdftoppm (poppler-utils) is installed');
    const prefix = path.join(work, 'page');
    execFileSync('pdftoppm', ['-r', '72', '-f', '1', '-l', '1', '-gray', path.join(root, image), prefix]);
    const pgm = fs.readdirSync(work).find((f) => f.startsWith('page') && f.endsWith('.pgm'));
    fs.copyFileSync(path.join(work, pgm), path.join(SHOTS, 'production-page.pgm'));
    const img = readPnm(fs.readFileSync(path.join(work, pgm)));
    // The stamp band: the bottom 36 pt (36 px at 72 dpi), right half. The Bates number is drawn
    // there in black; the left half of the band holds the endorsement.
    let dark = 0;
    for (let y = img.height - 36; y < img.height; y++) {
      for (let x = Math.floor(img.width / 2); x < img.width; x++) if (img.px[y * img.width + x] < 128) dark++;
    }
    assert.ok(dark > 30, `dark pixels in the bottom-right stamp band of ${beg}: ${dark}`);
  });

  it('re-verify passes again from the list', async () => {
    await page.click('[data-testid=past-reverify]');
    await page.waitForFunction(() => document.querySelector('[data-testid=past-reverify]')?.textContent?.trim() === 'Re-verify');
    assert.equal((await page.textContent('[data-testid=prod-gate-verdict]')).trim(), 'passed');
    assert.ok(!fs.existsSync(path.join(out, 'ACME001', 'INCOMPLETE')));
  });

  it('holds at 1024, 1366 and 1440 px', async () => {
    for (const width of [1024, 1366, 1440]) {
      await page.setViewportSize({ width, height: 800 });
      await page.waitForTimeout(150);
      const overflow = await page.$eval('[data-testid=screen-production]', (s) => s.scrollWidth - s.clientWidth);
      assert.ok(overflow <= 0, `no horizontal scroll at ${width}px (overflow ${overflow}px)`);
      await shot(`${width}`);
    }
  });
});
