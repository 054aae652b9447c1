// End-to-end for the Model logs screen in Chromium (playwright-core with Debian's
// /usr/bin/chromium) against `exhibit serve`: generate API logs with exhibit-loggen, build a
// matter from them, open the Model logs screen, open a flagged account and one of its calls,
// tag the account's calls as evidence, and check through the API that every call got the tag.
// Screenshots go to e2e/screenshots/modellogs-*.png.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { EXHIBIT, SHOTS, exhibit, rpc, serve, workDir, launchChromium } from './lib.mjs';

const LOGGEN = process.env.EXHIBIT_LOGGEN_BIN ?? path.join(path.dirname(EXHIBIT), 'exhibit-loggen');
const TAG = 'Distillation evidence';

describe('model logs end-to-end', () => {
  let server, browser, page, work, matter, flagged;
  const offBox = [];
  const shot = async (name) => {
    await page.waitForTimeout(150);
    await page.screenshot({ path: path.join(SHOTS, `modellogs-${name}.png`) });
  };

  before(async () => {
    assert.ok(fs.existsSync(EXHIBIT), `build exhibit first (${EXHIBIT})`);
    assert.ok(fs.existsSync(LOGGEN), `build exhibit-loggen first: cargo build -p exhibit --bin exhibit-loggen (${LOGGEN})`);
    work = workDir('modellogs');
    const logs = path.join(work, 'logs');
    execFileSync(LOGGEN, ['--out', logs, '--seed', '77', '--days', '7', '--scale', '0.3', '--format', 'openai'], { stdio: ['ignore', 'ignore', 'inherit'] });
    matter = path.join(work, 'matter');
    exhibit('init', matter, '--name', 'Model logs e2e');
    const t0 = Date.now();
    exhibit('--matter', matter, 'ingest', logs, '--custodian', 'Provider logs');
    console.log(`# ingest of generated logs: ${Date.now() - t0} ms`);
    server = await serve(matter);
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(`${server.origin}/`) || url.startsWith('data:') || url.startsWith('about:')) return route.continue();
      offBox.push(url);
      return route.abort();
    });
    page = await context.newPage();
    await page.goto(server.url);
  });

  after(async () => {
    await browser?.close();
    server?.stop();
  });

  it('ranks the accounts by score on the Model logs screen', async () => {
    const status = await rpc(server, 'status');
    assert.ok((status.by_kind.model_call ?? 0) > 100, `model calls: ${JSON.stringify(status.by_kind)}`);
    await page.waitForSelector('[data-testid=nav-modellogs]:not([disabled])');
    await page.click('[data-testid=nav-modellogs]');
    await page.waitForSelector('[data-testid=screen-modellogs]');
    await page.waitForSelector('[data-testid=account-row]', { timeout: 120_000 });
    const rows = await page.$$eval('[data-testid=account-row]', (rs) => rs.map((r) => ({ account: r.dataset.account, flagged: r.dataset.flagged === 'true', score: Number(r.querySelector('.score').textContent) })));
    const report = await rpc(server, 'logs_analyze', { group_by: 'account' });
    assert.equal(rows.length, report.accounts.length);
    for (let i = 1; i < rows.length; i++) assert.ok(rows[i - 1].score >= rows[i].score, `not sorted at row ${i}`);
    flagged = report.accounts.filter((a) => a.flagged).sort((a, b) => b.score - a.score)[0];
    assert.ok(flagged, 'the generated logs should have a flagged account');
    assert.equal(rows.filter((r) => r.flagged).length, report.accounts.filter((a) => a.flagged).length);
    await shot('accounts');
  });

  it('opens a flagged account: signals, benign explanations, volume per day, templates', async () => {
    await page.click(`[data-testid=account-row][data-account="${flagged.account}"]`);
    await page.waitForFunction((a) => document.querySelector('[data-testid=detail-account]')?.textContent === a, flagged.account);
    await page.waitForSelector('[data-testid=volume-chart] rect');
    const signals = await page.$$eval('[data-testid=signal]', (rs) => rs.length);
    assert.equal(signals, flagged.signals.length);
    const bars = await page.$$eval('[data-testid=volume-chart] rect', (rs) => rs.map((r) => Number(r.dataset.count)));
    assert.equal(bars.reduce((a, b) => a + b, 0), flagged.calls, 'the chart counts every call of the account');
    assert.ok(bars.length >= 1 && bars.length <= 8, `days: ${bars.length}`);
    await page.waitForSelector('[data-testid=tag-calls]:not([disabled])');
    await shot('account');
    await page.$eval('[data-testid=volume-chart]', (el) => el.scrollIntoView({ block: 'start' }));
    await shot('account-chart');
    await page.$eval('.ml-scroll', (el) => (el.scrollTop = el.scrollHeight));
    await shot('account-lower');
    await page.$eval('.ml-scroll', (el) => (el.scrollTop = 0));
  });

  it("opens one call's conversation view", async () => {
    await page.click('[data-testid=example-link]');
    await page.waitForSelector('[data-testid=call-view] [data-role=user]');
    const meta = await page.textContent('[data-testid=call-meta]');
    assert.match(meta, /Model/);
    assert.match(meta, /Prompt tokens/);
    assert.match(meta, new RegExp(flagged.account.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i'));
    await shot('call');
    await page.click('[data-testid=call-close]');
    await page.waitForSelector('[data-testid=call-view]', { state: 'detached' });
  });

  it("tags the account's calls as evidence; the tag count equals the account's calls", async () => {
    assert.equal(await page.inputValue('[data-testid=evidence-tag]'), TAG);
    await page.click('[data-testid=tag-calls]');
    // The tag is new to the matter: the screen asks before creating it.
    await page.click('[data-testid=create-tag-confirm]');
    await page.waitForSelector('[data-testid=tag-result]');
    assert.match(await page.textContent('[data-testid=tag-result]'), new RegExp(`^${flagged.calls.toLocaleString('en-US')} newly tagged`));
    const tags = await rpc(server, 'tags');
    const t = tags.tags.find((x) => x.name === TAG);
    assert.ok(t, 'the tag exists');
    assert.equal(t.count, flagged.calls);
    const viaSearch = await rpc(server, 'search', { query: `kind:model_call AND account:${flagged.account.toLowerCase()}`, limit: 1 });
    assert.equal(viaSearch.total, flagged.calls);
    await shot('tagged');
    assert.deepEqual(offBox, [], 'no request left 127.0.0.1');
  });

  it("shows the exposure report's model-log section", async () => {
    await page.click('[data-testid=report-section]');
    await page.waitForSelector('[data-testid=section-rendered]');
    const text = await page.textContent('[data-testid=section-rendered]');
    // Rendered from the section's structure, not shown as Markdown source.
    assert.match(await page.textContent('[data-testid=section-assessment]'), /^Assessment: (Strong|Moderate)\./);
    assert.ok(!text.includes('**') && !text.includes('##'), 'no Markdown marks on screen');
    assert.ok(text.includes(flagged.account), 'the flagged account is in the section');
    assert.match(text, /EXH-\d{7}/, 'evidence is cited by control number');
    await shot('report-section');
    await page.click('[data-testid=section-close]');
    await page.waitForSelector('[data-testid=section-view]', { state: 'detached' });
  });

  it('regroups by API key', async () => {
    await page.selectOption('[data-testid=group-by]', 'key');
    await page.waitForFunction(() => document.querySelector('[data-testid=accounts] th:nth-child(2)')?.textContent === 'API key');
    await page.waitForSelector('[data-testid=account-row]');
    const report = await rpc(server, 'logs_analyze', { group_by: 'key' });
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=account-row]').length === n, report.accounts.length);
  });
});
