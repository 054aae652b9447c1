// Desktop smoke: the real exhibit-desktop binary (WebKitGTK) under Xvfb, driven through
// tauri-driver + WebKitWebDriver. It opens the demo matter (EXHIBIT_MATTER), searches, tags an
// item with a keyboard shortcut, shows a PDF page through the exhibit: protocol, and saves
// screenshots. Run: xvfb-run -a -s "-screen 0 1280x1024x24" node --test desktop-smoke.test.mjs
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { remote } from 'webdriverio';
import { DESKTOP, EXHIBIT, NATIVE, ROOT, SHOTS, TAURI_DRIVER, exhibit, freePort, skipSuite, waitPort, workDir } from './lib.mjs';

const missing = [TAURI_DRIVER, NATIVE, DESKTOP, EXHIBIT].filter((p) => !fs.existsSync(p));
const noDisplay = !process.env.DISPLAY && 'no DISPLAY: run under xvfb-run';

describe('desktop smoke', { timeout: 180_000, skip: skipSuite('desktop-smoke', (missing.length && `missing: ${missing.join(', ')}`) || noDisplay) }, () => {
  let driver, browser, matter, expectedExposure;
  const shot = async (name) => {
    await browser.pause(600); // let WebKit paint decoded images
    await browser.saveScreenshot(path.join(SHOTS, `desktop-${name}.png`));
  };

  before(async () => {
    const work = workDir('desktop');
    matter = path.join(work, 'demo-matter');
    exhibit('init', matter, '--name', 'Demo matter');
    exhibit('--matter', matter, 'ingest', path.join(ROOT, 'assets', 'demo'), '--custodian', 'Okafor, Sam');
    // Exposure inputs kept in the matter, as the Exposure screen opens them; the CLI's figure is
    // what the window must show.
    const requests = path.join(work, 'requests.toml');
    fs.writeFileSync(requests, '[[request]]\nname = "Pricing"\nquery = "price OR storage"\n');
    expectedExposure = JSON.parse(exhibit('--matter', matter, 'assess', '--requests', requests, '--save-inputs', '--json')).overall.documents;
    const port = await freePort();
    const nativePort = await freePort();
    driver = spawn(TAURI_DRIVER, ['--port', String(port), '--native-port', String(nativePort), '--native-driver', NATIVE], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, EXHIBIT_MATTER: matter },
    });
    await waitPort(port);
    const t0 = Date.now();
    browser = await remote({
      hostname: '127.0.0.1',
      port,
      logLevel: 'error',
      capabilities: { 'tauri:options': { application: DESKTOP } },
    });
    await browser.$('[data-testid=screen-review]').waitForExist({ timeout: 30_000 });
    console.log(`# desktop app to review workspace: ${Date.now() - t0} ms`);
  });

  after(async () => {
    await Promise.race([browser?.deleteSession().catch(() => {}), new Promise((r) => setTimeout(r, 10_000))]);
    driver?.kill();
    // If the driver went away without closing the app, close this run's app (and only it).
    for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      try {
        const env = fs.readFileSync(`/proc/${pid}/environ`, 'utf8');
        if (fs.readlinkSync(`/proc/${pid}/exe`) === DESKTOP && env.split('\0').includes(`EXHIBIT_MATTER=${matter}`)) process.kill(Number(pid));
      } catch {
        /* gone, or not ours */
      }
    }
  });

  // WebKitGTK's driver is unreliable with setValue/keys: drive the DOM directly.
  const setQuery = (q) =>
    browser.execute((q) => {
      const i = document.querySelector('[data-testid=query]');
      i.value = q;
      i.dispatchEvent(new Event('input', { bubbles: true }));
      document.querySelector('[data-testid=search]').click();
    }, q);
  const press = (key) => browser.execute((key) => window.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true })), key);
  const text = (sel) => browser.execute((sel) => document.querySelector(sel)?.textContent ?? '', sel);
  /** Opens result row `i` and waits until the viewer shows that very item. */
  const openRow = async (i) => {
    const control = await browser.execute((i) => {
      const row = document.querySelector(`.vrow[data-index="${i}"]`);
      row.click();
      return row.querySelector('.control').textContent;
    }, i);
    await browser.waitUntil(async () => (await text('[data-testid=viewer-control]')) === control, { timeout: 10_000 });
  };

  it('opens the demo matter', { timeout: 60_000 }, async () => {
    assert.match(await text('[data-testid=matter-name]'), /Demo matter/);
    assert.match(await text('[data-testid=notice]'), /desktop/);
  });

  it('grants the shell commands and no plugin command', { timeout: 60_000 }, async () => {
    // Native dialogs cannot be driven through WebDriver, so this checks the wiring around them:
    // the app's own commands answer (a refused link proves `open_external` is reachable and
    // checks in Rust), while the dialog and opener plugins' commands are refused to the webview.
    const out = await browser.execute(async () => {
      const invoke = window.__TAURI_INTERNALS__.invoke;
      const res = {};
      const attempt = async (key, cmd, args) => {
        try {
          res[key] = { ok: await invoke(cmd, args) };
        } catch (e) {
          res[key] = { err: typeof e === 'string' ? e : JSON.stringify(e) };
        }
      };
      await attempt('link', 'open_external', { url: 'javascript:alert(1)' });
      await attempt('file', 'open_external', { url: 'file:///etc/passwd' });
      await attempt('dialog', 'plugin:dialog|open', { options: {} });
      await attempt('opener', 'plugin:opener|open_url', { url: 'https://example.com/' });
      await attempt('cancel', 'rpc', { request: { method: 'cancel_ingest', params: {} } });
      return res;
    });
    console.log(`# shell commands: ${JSON.stringify(out)}`);
    assert.match(out.link.err, /link_refused/);
    assert.match(out.file.err, /link_refused/);
    assert.ok(out.dialog.err && !/link_refused/.test(out.dialog.err), 'the webview may not call the dialog plugin itself');
    assert.ok(out.opener.err, 'the webview may not call the opener plugin');
    assert.deepEqual(out.cancel.ok, { cancelling: false });
    // The Ingest screen offers native pickers and has subscribed to the drop event.
    await browser.execute(() => document.querySelector('[data-testid=nav-ingest]').click());
    await browser.waitUntil(async () => browser.execute(() => document.querySelector('[data-testid=screen-ingest]')?.dataset.dropReady === 'true'), {
      timeout: 10_000,
      timeoutMsg: 'the Ingest screen could not listen for drops',
    });
    assert.ok(await browser.execute(() => !!document.querySelector('[data-testid=pick-folders]')));
    assert.ok(await browser.execute(() => !document.querySelector('[data-testid=browser-paths-note]')));
    await shot('ingest');
    await browser.execute(() => document.querySelector('[data-testid=nav-review]').click());
    await browser.$('[data-testid=screen-review]').waitForExist({ timeout: 10_000 });
  });

  it('searches', { timeout: 60_000 }, async () => {
    await setQuery('"price cap"');
    await browser.waitUntil(async () => (await text('[data-testid=total]')).replace(' matches ', ' match ').includes('match "price cap"'), { timeout: 10_000 });
    const total = await text('[data-testid=total]');
    assert.match(total, /^\s*[1-9]/);
    await shot('search');
  });

  it('tags an item with a keyboard shortcut', { timeout: 60_000 }, async () => {
    await openRow(0);
    await press('1');
    await browser.waitUntil(async () => browser.execute(() => !!document.querySelector('[data-testid=tag-1].on')), { timeout: 10_000 });
    await setQuery('tag:Responsive');
    await browser.waitUntil(async () => (await text('[data-testid=total]')).replace(' matches ', ' match ').includes('match tag:Responsive'), { timeout: 10_000 });
    assert.match(await text('[data-testid=total]'), /^\s*1 item matches/);
    await shot('tagged');
  });

  it('opens the Exposure screen on the inputs saved in the matter', { timeout: 60_000 }, async () => {
    assert.ok(expectedExposure > 0, `the demo matter answers the request: ${expectedExposure}`);
    await browser.execute(() => document.querySelector('[data-testid=nav-exposure]').click());
    await browser.waitUntil(async () => (await text('[data-testid=overall-documents]')).trim() !== '', { timeout: 15_000 });
    assert.equal(Number((await text('[data-testid=overall-documents]')).replace(/[^0-9]/g, '')), expectedExposure);
    assert.match(await text('[data-testid=exposure-table]'), /Pricing/);
    await shot('exposure');
    await browser.execute(() => document.querySelector('[data-testid=nav-review]').click());
    await browser.waitUntil(async () => browser.execute(() => !!document.querySelector('[data-testid=query]')), { timeout: 10_000 });
  });

  it('shows a PDF page through the exhibit: protocol and an email body in its sandbox', { timeout: 60_000 }, async () => {
    await setQuery('kind:pdf');
    await browser.waitUntil(async () => (await text('[data-testid=total]')).replace(' matches ', ' match ').includes('match kind:pdf'), { timeout: 10_000 });
    await openRow(0);
    await browser.waitUntil(async () => browser.execute(() => !!document.querySelector('[data-testid=tab-pages]')), { timeout: 10_000 });
    await browser.waitUntil(
      async () => browser.execute(() => [...document.querySelectorAll('[data-testid=page-image]')].some((i) => i.complete && i.naturalWidth > 100)),
      { timeout: 15_000, timeoutMsg: 'no page image arrived over exhibit:' },
    );
    await shot('pdf');
    await setQuery('kind:email subject:"draft 3"');
    await browser.waitUntil(async () => (await text('[data-testid=total]')).replace(' matches ', ' match ').includes('match kind:email subject'), { timeout: 10_000 });
    // The first message (with an HTML body), not the plain-text reply; order among equals varies.
    const i = await browser.execute(() =>
      [...document.querySelectorAll('.vrow')].find((r) => !r.textContent.includes('RE:'))?.dataset.index ?? '0',
    );
    await openRow(Number(i));
    await browser.waitUntil(async () => browser.execute(() => !!document.querySelector('[data-testid=html-frame]')), { timeout: 10_000 });
    await new Promise((r) => setTimeout(r, 500));
    await shot('email');
  });
});
