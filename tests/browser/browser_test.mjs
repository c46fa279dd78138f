// What the browser tests share: Debian's chromium launched for a test, and
// a watch on each page that fails the test on any console error or
// warning (a Content-Security-Policy violation is one), page error, failed
// request, request to another origin, and HTTP error the step did not
// provoke on purpose.
import { chromium } from 'playwright-core';

export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
           '--no-first-run', '--disable-sync', '--disable-quic'],
  });
}

// A test against `base`: its failures, its current step, and the watch.
// `sameOrigin(url)` says which URLs besides base's own count as this page's
// (data: ones, say).
export function browserTest(base, sameOrigin) {
  const failures = [];
  let step = 'start';
  // The HTTP errors a step provokes on purpose (chromium logs every 4xx of
  // a fetch as a console error, which is otherwise a failure).
  let expectedStatuses = new Set();
  const fail = (what) => { failures.push(what); console.error(`FAIL: ${what}`); };
  const check = (ok, what) => { if (!ok) fail(what); return ok; };
  const log = (s) => { step = s; console.log(`- ${s}`); };
  const expecting = async (statuses, body) => {
    expectedStatuses = new Set(statuses);
    try { await body(); } finally { expectedStatuses = new Set(); }
  };
  const watch = (page, who) => {
    page.on('console', (m) => {
      if (m.type() !== 'error' && m.type() !== 'warning') return;
      const status = /status of (\d{3})/.exec(m.text());
      if (status && expectedStatuses.has(Number(status[1]))) return;
      fail(`${who} (${step}): console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => fail(`${who} (${step}): page error: ${e.message}`));
    page.on('requestfailed', (r) => fail(`${who} (${step}): request failed: ${r.url()} (${r.failure()?.errorText})`));
    page.on('request', (r) => {
      const url = r.url();
      if (!url.startsWith(`${base}/`) && !sameOrigin(url)) fail(`${who} (${step}): a request to another origin: ${url}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400 && !expectedStatuses.has(r.status()))
        fail(`${who} (${step}): ${r.request().method()} ${r.url()} answered ${r.status()}`);
    });
  };
  return { failures, fail, check, log, expecting, watch, step: () => step };
}
