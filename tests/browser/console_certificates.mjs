// The back-office console (api/console) signed in by the browser's client
// certificate, in Debian's chromium with Playwright's client certificates:
// each certificate holder in a browser context of their own. Fails on any
// console error or warning, page error, request to another origin, and any
// HTTP error the step did not provoke on purpose. Screenshots go to the
// output directory.
//   node console_certificates.mjs FIXTURE.json   (written by tests/console_certificate_browser_test.sh)
import { browserTest, launchChromium } from './browser_test.mjs';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const fixture = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const { base, out, pki, tokens, requests: ids } = fixture;
mkdirSync(out, { recursive: true });
const { failures, fail, check, log, expecting, watch, step } = browserTest(base, (url) => url.startsWith('data:'));
const LAPTOP = { width: 1366, height: 768 };

const browser = await launchChromium();

// A browser holding the certificate NAME from the test PKI (none: null).
// The server's certificate is from the test CA, which chromium does not
// know: HTTPS errors are ignored, for the server only.
async function browserOf(who, name, locale = 'id-ID') {
  const context = await browser.newContext({
    viewport: LAPTOP, locale, timezoneId: 'Europe/London', ignoreHTTPSErrors: true,
    clientCertificates: name ? [{ origin: base, certPath: join(pki, `${name}.pem`), keyPath: join(pki, `${name}.key`) }] : [],
  });
  context.setDefaultTimeout(10000);
  const page = await context.newPage();
  watch(page, who);
  return { context, page };
}

const text = async (page, selector) => ((await page.locator(selector).first().textContent()) ?? '').trim();

try {
  // --- A verifier whose certificate is mapped: no token prompt, the queue,
  // a request verified by hand.
  log('certificate: signed in without a token, works the queue');
  const vera = await browserOf('vera', 'sari');
  const v = vera.page;
  const arrived = await v.goto(`${base}/console/`, { waitUntil: 'load' });
  check(arrived.status() === 200, `vera: GET /console/ answered ${arrived.status()}`);
  await v.waitForSelector('#identity:not([hidden])');
  const who = await text(v, '#identity');
  check(who.includes('Vera Verifier') && who.includes('verifikator') && who.includes('sertifikat'),
    `the header says "${who}", not Vera the verifikator signed in with a certificate`);
  check(await v.locator('#sign-in-form').count() === 0, 'a certificate holder is shown the token prompt');
  check(await v.locator('#sign-out').isHidden(), 'a certificate holder is offered a sign-out the browser cannot do');
  check(await v.evaluate(() => sessionStorage.getItem('dsr.console.token')) === null, 'a token was kept for a certificate holder');
  await v.waitForSelector(`#queue-table tr[data-id="${ids.erasure}"] a`);
  await v.screenshot({ path: join(out, 'certificate-queue.png') });
  await v.click(`#queue-table tr[data-id="${ids.erasure}"] a`);
  await v.waitForSelector('#actions button[data-event="verify_manually"]');
  await v.click('#actions button[data-event="verify_manually"]');
  await v.waitForSelector('#request-status[data-status="in_review"]')
    .catch(async () => fail(`vera: the erasure is ${await v.locator('#request-status').getAttribute('data-status')}, not in_review`));
  check((await text(v, '#timeline-list')).includes('Vera Verifier'), 'the timeline does not name Vera as the one who verified');
  await v.screenshot({ path: join(out, 'certificate-request.png') });
  await vera.context.close();

  // --- No certificate: told how to sign in with one; the token still works.
  log('no certificate: the hint, and the token prompt');
  const rudi = await browserOf('rudi', null, 'en-GB');
  const r = rudi.page;
  const plain = await r.goto(`${base}/console/`, { waitUntil: 'load' });
  check(plain.status() === 200, `rudi: GET /console/ answered ${plain.status()}`);
  await r.waitForSelector('#sign-in-form');
  const hint = await text(r, '#certificate-hint');
  // The console speaks Indonesian until asked otherwise, whatever the browser's language.
  check(hint.includes('tidak menyerahkan sertifikat') && hint.includes('masuk dengan token'), `the hint says "${hint}"`);
  await r.click('#lang-switch');
  const english = await text(r, '#certificate-hint');
  check(english.includes('presented none') && english.includes('sign in with a token'), `the English hint says "${english}"`);
  await r.fill('#token', tokens.rudi);
  await r.click('#sign-in-form button[type=submit]');
  await r.waitForSelector('#identity:not([hidden])');
  const rudiIs = await text(r, '#identity');
  check(rudiIs.includes('rudi') && !rudiIs.includes('certificate'), `the header says "${rudiIs}" (a token, not a certificate)`);
  check(await r.locator('#sign-out').isVisible(), 'a token holder has no sign-out');
  await r.screenshot({ path: join(out, 'no-certificate.png') });
  await rudi.context.close();

  // --- Refused certificates: a page that says why, instead of the console.
  for (const [name, locale, status, words] of [
    ['unknown', 'id-ID', 403, 'belum didaftarkan untuk anggota staf mana pun'],
    ['revoked', 'en-GB', 401, 'has been revoked by its issuer'],
    ['expired', 'en-GB', 401, 'has expired'],
  ]) {
    log(`${name} certificate: refused with a page`);
    const b = await browserOf(name, name, locale);
    await expecting([status], async () => {
      const answer = await b.page.goto(`${base}/console/`, { waitUntil: 'load' });
      check(answer.status() === status, `${name}: GET /console/ answered ${answer.status()}, not ${status}`);
      const why = await text(b.page, '#certificate-why');
      check(why.includes(words), `${name}: the page says "${why}"`);
      check((await text(b.page, 'h1')).length > 0, `${name}: the page has no heading`);
      check(await b.page.locator('#sign-in-form, #queue-table').count() === 0, `${name}: the console shows anyway`);
      // The API refuses it too, with the same reason.
      const api = await b.page.evaluate(async () => {
        const res = await fetch('/v1/requests', { credentials: 'same-origin' });
        return { status: res.status, body: await res.json() };
      });
      check(api.status === status && api.body.certificate === (name === 'unknown' ? 'unknown' : name),
        `${name}: GET /v1/requests answered ${api.status} ${JSON.stringify(api.body)}`);
      await b.page.screenshot({ path: join(out, `refused-${name}.png`) });
    });
    await b.context.close();
  }
} catch (e) {
  fail(`${step()}: ${e.stack || e}`);
} finally {
  await browser.close();
}
if (failures.length) {
  console.error(`${failures.length} failure(s)`);
  process.exit(1);
}
console.log('all console certificate checks passed');
