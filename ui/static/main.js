// Exhibit desktop shell smoke page: one round trip through the `rpc` command.
(async () => {
  const status = document.getElementById('status');
  try {
    const res = await window.__TAURI__.core.invoke('rpc', { request: { method: 'ping' } });
    status.textContent = `Version ${res.version}`;
  } catch (err) {
    status.className = 'error';
    status.textContent = `RPC failed: ${err && err.code ? `${err.code}: ${err.message}` : err}`;
  }
})();
