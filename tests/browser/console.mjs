// The back-office console (api/console) of a running `dsr serve`, in
// Debian's chromium, worked the way staff work it: each member of staff in
// a browser context of their own, signed in with their token. Fails on any
// console error or warning (a Content-Security-Policy violation is one),
// any page error, any request to another origin, and any HTTP error the
// step did not provoke on purpose. Screenshots go to the output directory.
//   node console.mjs FIXTURE.json   (written by tests/console_browser_test.sh)
import { browserTest, launchChromium } from './browser_test.mjs';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const fixture = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const { base, out, tokens, requests: ids } = fixture;
mkdirSync(out, { recursive: true });
const { failures, fail, check, log, expecting, watch, step } = browserTest(
  base, (url) => url.startsWith('blob:') || url.startsWith('data:') || url === 'about:srcdoc');

const LAPTOP = { width: 1366, height: 768 };
const TABLET = { width: 768, height: 1024 };
const PHONE = { width: 390, height: 844 };

const browser = await launchChromium();

// One member of staff: a context of their own (their own sessionStorage),
// in a browser whose own zone is not WIB, so that what is shown in WIB and
// "due today" in WIB come from the policy, not from the machine.
async function staff(who, token, viewport = LAPTOP) {
  const context = await browser.newContext({ viewport, acceptDownloads: true, locale: 'id-ID', timezoneId: 'Europe/London' });
  context.setDefaultTimeout(10000);
  const page = await context.newPage();
  watch(page, who);
  const response = await page.goto(`${base}/console/`, { waitUntil: 'load' });
  check(response.status() === 200, `${who}: GET /console/ answered ${response.status()}`);
  await page.waitForSelector('#sign-in-form');
  if (token) await signIn(page, token);
  return { page, context, who };
}

async function signIn(page, token) {
  await page.fill('#token', token);
  await page.click('#sign-in-form button[type=submit]');
  await page.waitForSelector('#identity:not([hidden])');
}

const text = async (page, selector) => ((await page.locator(selector).first().textContent()) ?? '').trim();
const statusOf = (page) => page.locator('#request-status').getAttribute('data-status');

// Opens a request by its address and waits for that page (not the one
// still showing): the old status element is marked first.
async function openRequest(page, id) {
  await page.evaluate((hash) => {
    document.querySelector('#request-status')?.setAttribute('data-old', '');
    if (location.hash === hash) document.querySelector('#reload').click();
    else location.hash = hash;
  }, `#/request/${encodeURIComponent(id)}`);
  await page.waitForSelector('#request-status:not([data-old])');
}
async function expectStatus(page, status, who) {
  await page.waitForSelector(`#request-status[data-status="${status}"]`, { timeout: 10000 })
    .catch(async () => fail(`${who}: expected status ${status}, the page shows ${await statusOf(page)}`));
}
// Clicks an event's button and waits for the answer: a new confirmation
// or problem (the one left from an earlier action is marked old first).
async function answered(page, selector) {
  await page.evaluate(() => document.querySelectorAll('#request-flash > *').forEach((e) => e.setAttribute('data-old', '')));
  await page.click(selector);
  await page.waitForSelector('#request-flash > .notice:not([data-old]), #request-flash > .problem:not([data-old])');
}
const fire = (page, event) => answered(page, `#actions button[data-event="${event}"]`);
const actionEvents = (page) => page.locator('#actions button[data-event]').evaluateAll((bs) => bs.map((b) => b.dataset.event));

async function applyFilters(page, { type = '', status = '', mine = false, overdue = false, limit = '25' }) {
  await page.selectOption('#f-type', type);
  await page.selectOption('#f-status', status);
  await page.setChecked('#f-mine', mine);
  await page.setChecked('#f-overdue', overdue);
  await page.selectOption('#f-limit', String(limit));
  await page.click('#queue-filters button[type=submit]');
  await page.waitForSelector('#queue-table, #queue-empty, #queue-results .problem');
}
const queueIds = (page) => page.locator('#queue-table tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.id));

async function noSidewaysScroll(page, where) {
  const w = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, screen: document.documentElement.clientWidth }));
  check(w.page <= w.screen, `${where}: the page is ${w.page} px wide on a ${w.screen} px screen (sideways scrolling)`);
}

try {
  // --- Keyboard only: the field has focus, a wrong token is refused with
  // the server's words, Enter submits, the identity is shown.
  log('keyboard-only sign-in (verifier)');
  const vera = await staff('vera', null);
  const v = vera.page;
  check(await v.evaluate(() => document.activeElement?.id) === 'token', 'the token field does not have focus on arrival');
  check(await v.evaluate(() => document.documentElement.lang) === 'id', 'the console is not in Indonesian by default');
  const csp = (await (await fetch(`${base}/console/`)).headers.get('content-security-policy')) || '';
  check(csp.includes("script-src 'self'") && !csp.includes('unsafe'), `the console is served without its strict CSP: ${csp}`);
  await expecting([401], async () => {
    await v.keyboard.type('dsr_not_a_token');
    await v.keyboard.press('Enter');
    await v.waitForSelector('#sign-in-status .problem');
    check((await text(v, '#sign-in-status .problem-detail')).length > 0, 'a refused token shows no detail');
    check(await v.evaluate(() => document.activeElement?.id) === 'token', 'after a refused token, focus is not back in the field');
  });
  await v.keyboard.press('Control+A');
  await v.keyboard.type(tokens.vera);
  await v.keyboard.press('Enter');
  await v.waitForSelector('#identity:not([hidden])');
  const who = await text(v, '#identity');
  check(who.includes('vera') && who.includes('verifikator'), `the header says "${who}", not vera the verifikator`);
  const storage = await v.evaluate(() => ({ session: sessionStorage.getItem('dsr.console.token'), local: JSON.stringify(localStorage), cookie: document.cookie }));
  check(storage.session === tokens.vera, 'the token is not in sessionStorage');
  check(!storage.local.includes('dsr_') && storage.cookie === '', 'the token leaked into localStorage or a cookie');
  check((await vera.context.cookies()).length === 0, 'the console set a cookie');
  // Tab reaches the navigation and the sign-out button, each focusable.
  await v.keyboard.press('Tab');
  const tabbed = await v.evaluate(() => document.activeElement?.tagName);
  check(['A', 'BUTTON', 'INPUT', 'SELECT'].includes(tabbed), `Tab after sign-in lands on a ${tabbed}`);

  // --- The verifier finds the erasure with the filters and verifies it.
  log('verifier: filter the queue, verify manually');
  await v.waitForSelector('#queue-table, #queue-empty');
  await applyFilters(v, { type: 'erasure', status: 'verifying' });
  let listed = await queueIds(v);
  check(listed.length === 1 && listed[0] === ids.erasure, `type=erasure status=verifying lists ${listed}, not the erasure alone`);
  await v.click(`#queue-table tr[data-id="${ids.erasure}"] a`);
  await v.waitForSelector('#request-status');
  check((await actionEvents(v)).includes('verify_manually'), 'the verifier is not offered verify_manually');
  await fire(v, 'verify_manually');
  await expectStatus(v, 'in_review', 'vera');
  check(await v.evaluate(() => document.activeElement?.classList.contains('notice')), 'focus did not move to the confirmation');

  // --- A reviewer finds it, assigns it to herself, approves (the first of
  // the erasure's two approvals).
  log('reviewer: find, assign to me, approve');
  const rita = await staff('rita', tokens.rita);
  const r = rita.page;
  await applyFilters(r, { type: 'erasure', status: 'in_review' });
  listed = await queueIds(r);
  check(listed.includes(ids.erasure), `the reviewer's in_review erasures are ${listed}`);
  await r.click(`#queue-table tr[data-id="${ids.erasure}"] a`);
  await r.waitForSelector('#assign-to-me');
  await answered(r, '#assign-to-me');
  check(await text(r, '#request-assignee') === 'rita', 'after "assign to me" the assignee is not rita');
  await r.click('a.back');
  await applyFilters(r, { mine: true });
  listed = await queueIds(r);
  check(JSON.stringify(listed) === JSON.stringify([ids.erasure]), `"mine" lists ${listed}, not the one assigned erasure`);
  await openRequest(r, ids.erasure);
  // The reviewer sees what the form said (no record is on file here).
  check(await text(r, '#given-name') === 'Budi Santoso', 'the reviewer does not see the name given on the form');
  check(await r.locator('#subject-not-on-file').count() === 1, 'the reviewer is not told that no record is on file');
  await fire(r, 'approve');
  await expectStatus(r, 'second_review', 'rita');

  // --- Four-eyes: rita also holds a supervisor token. The server does not
  // offer her the second approval; if a console offered it anyway (a
  // tampered or outdated allowed_events), the server refuses with 403 and
  // the console says so plainly.
  log('four-eyes: the same person may not approve twice');
  const ritaSup = await staff('rita (supervisor)', tokens.rita_supervisor);
  const rs = ritaSup.page;
  await openRequest(rs, ids.erasure);
  let offered = await actionEvents(rs);
  check(!offered.includes('approve') && offered.includes('reject'), `rita as supervisor is offered ${offered}: approve must be withheld, reject offered`);
  const pattern = `${base}/v1/requests/${ids.erasure}`;
  await rs.route(pattern, async (route) => {
    const answer = await route.fetch();
    const view = await answer.json();
    view.allowed_events = [...view.allowed_events, 'approve'];
    await route.fulfill({ response: answer, json: view });
  });
  await openRequest(rs, ids.erasure);  // the same address: reloads
  await rs.waitForSelector('#actions button[data-event="approve"]');
  await expecting([403], async () => {
    await fire(rs, 'approve');
    const box = rs.locator('#request-flash .problem');
    check(await box.getAttribute('data-problem') === 'four_eyes_violated', `the refusal shown is ${await box.getAttribute('data-problem')}`);
    const said = await box.textContent();
    check(said.includes('empat mata') && said.includes('rita'), `the four-eyes refusal does not say plainly who and why: "${said}"`);
    check(await rs.evaluate(() => document.activeElement?.classList.contains('problem')), 'focus did not move to the refusal');
  });
  await rs.unroute(pattern);
  await expectStatus(rs, 'second_review', 'rita (supervisor)');

  // --- Another supervisor: a missing reason is refused (422) and the box
  // is marked; the extension; the second approval; fulfilment.
  log('supervisor: reason required, extend, approve, fulfil');
  const sari = await staff('sari', tokens.sari);
  const s = sari.page;
  await openRequest(s, ids.erasure);
  offered = await actionEvents(s);
  check(offered.includes('approve') && offered.includes('extend'), `sari is offered ${offered}`);
  await expecting([422], async () => {
    await fire(s, 'hold');
    check(await s.locator('#request-flash .problem').getAttribute('data-problem') === 'reason_missing', 'a hold without a reason is not refused as reason_missing');
    check(await s.evaluate(() => document.activeElement?.id) === 'reason', 'focus is not in the reason box after "reason missing"');
    check(await s.locator('#reason').getAttribute('aria-invalid') === 'true', 'the reason box is not marked invalid');
  });
  await s.fill('#reason', 'Menunggu konfirmasi unit arsip tentang kewajiban retensi');
  await fire(s, 'extend');
  check(await text(s, '#request-extended') === 'ya', 'after the extension the request is not shown as extended');
  check(await s.locator('#reason').inputValue() === '', 'the sent reason is still in the box');
  await fire(s, 'approve');
  await expectStatus(s, 'fulfilling', 'sari');
  // Correspondence: an empty message is refused with its field named; a real one is listed.
  await expecting([422], async () => {
    await s.click('#message-form button[type=submit]');
    await s.waitForSelector('#message-status .problem');
    check(await s.locator('#message-status .problem li[data-field="body"]').count() === 1, 'the empty message\'s field error is not shown');
  });
  await s.fill('#message-body', 'Data Anda sedang dihapus; kami kabari bila selesai.');
  await s.click('#message-form button[type=submit]');
  await s.waitForSelector('#message-list');
  check((await s.locator('#message-list').textContent()).includes('sedang dihapus'), 'the sent message is not in the correspondence');

  await fire(s, 'fulfil');
  await s.waitForSelector('#request-status[data-status="notifying_recipients"], #request-status[data-status="completed"]');
  check((await text(s, '#due-explanation')).length > 0, 'no due-date explanation');
  check(await s.locator('#clock-segments tbody tr').count() >= 1, 'no clock segments');
  check(await s.locator('#notifications-summary, #notifications p').count() >= 1, 'the recipient notifications section is empty');
  const timeline = await s.locator('#timeline-list').textContent();
  for (const expected of ['vera', 'rita', 'sari', 'Menunggu konfirmasi unit arsip'])
    check(timeline.includes(expected), `the timeline lacks "${expected}"`);
  // --- An access request: rita approves, a second reviewer fulfils it.
  log('access: approve by one reviewer, fulfil by another');
  await openRequest(r, ids.approve_me);
  await fire(r, 'approve');
  await expectStatus(r, 'fulfilling', 'rita');
  const rudi = await staff('rudi', tokens.rudi);
  const u = rudi.page;
  await openRequest(u, ids.approve_me);
  await fire(u, 'fulfil');
  await expectStatus(u, 'completed', 'rudi');

  // --- A conflict: both open the same request; rudi acts first; rita's
  // rejection carries the old version: 409 shown, the request reloaded,
  // her reason still in the box; she decides again.
  log('conflict: stale version, reload, reason kept');
  await openRequest(r, ids.conflict);
  await openRequest(u, ids.conflict);
  await answered(u, '#assign-to-me');
  const reason = 'Dokumen identitas tidak terbaca';
  await r.fill('#reason', reason);
  await expecting([409], async () => {
    await fire(r, 'reject');
    check(await r.locator('#request-flash .problem').getAttribute('data-problem') === 'stale_version', 'the conflict is not shown as stale_version');
    await r.waitForSelector('#request-assignee');
    check(await text(r, '#request-assignee') === 'rudi', 'the request was not reloaded after the conflict (assignee not rudi)');
    check(await r.locator('#reason').inputValue() === reason, 'the reason typed before the conflict is lost');
  });
  await fire(r, 'reject');
  await expectStatus(r, 'rejected', 'rita');

  // --- Asking the subject for information; holding and resuming (C.5):
  // each needs a reason, which the hint names before anything is pressed.
  log('request information, hold, resume');
  await openRequest(r, ids.info);
  const infoName = await r.locator('#actions button[data-event="request_info"]').evaluate((b) => b.firstChild.textContent);
  check((await text(r, '#reason-hint')).includes(infoName),
    'the reason hint does not name "request information" as needing a reason');
  await r.fill('#reason', 'Mohon kirim salinan KTP yang terbaca');
  await fire(r, 'request_info');
  await expectStatus(r, 'awaiting_subject', 'rita');
  await openRequest(r, ids.held);
  await r.fill('#reason', 'Instruksi diduga melanggar hukum (C.5)');
  await fire(r, 'hold');
  await expectStatus(r, 'on_hold', 'rita');
  await openRequest(s, ids.held);
  await s.fill('#reason', 'Sudah diklarifikasi dengan pengendali');
  await fire(s, 'resume');
  await expectStatus(s, 'in_review', 'sari');

  // --- An inquiry: the reviewer reads the question and answers it in
  // writing; the answer is the event's public reason.
  log('reviewer: answer an inquiry');
  await openRequest(r, ids.inquiry);
  check((await text(r, '#asked-question')).includes('foto wajah saya'), 'the reviewer does not see the question asked');
  check((await actionEvents(r)).includes('answer'), `the reviewer is offered ${await actionEvents(r)}, not "answer"`);
  const answer = 'Foto wajah Anda hanya disimpan BSrE untuk verifikasi identitas saat penerbitan sertifikat.';
  await r.fill('#reason', answer);
  await fire(r, 'answer');
  await expectStatus(r, 'completed', 'rita');
  const answeredTimeline = await r.locator('#timeline-list li[data-event="answer"]').textContent();
  check(answeredTimeline.includes(answer), 'the answer is not in the timeline');
  check(await r.locator('#timeline-list li[data-event="answer"] .badge-public').count() === 1,
    'the answer is not marked as shown to the subject');

  // --- A restriction: the supervisor restricts processing (no recipient
  // to wait for: completed), the record shows it, then lifts it with a reason.
  log('supervisor: restrict processing, then lift the restriction');
  await openRequest(s, ids.restriction);
  const categories = await text(s, '#asked-categories');
  check(categories === 'Foto wajah, Surel', `the categories asked for are shown as "${categories}", not "Foto wajah, Surel"`);
  check(await text(s, '#subject-restricted') === 'tidak ada', `before: the record's restriction shows "${await text(s, '#subject-restricted')}"`);
  await fire(s, 'restrict');
  await expectStatus(s, 'completed', 'sari');
  const standing = await text(s, '#subject-restricted');
  check(standing.startsWith('sejak ') && standing.includes('WIB'), `the restriction on the record shows "${standing}"`);
  // The subject is told before it is lifted (GDPR Art. 18(3)): first the
  // announcement, with its reason, then the lifting.
  check(JSON.stringify(await actionEvents(s)) === JSON.stringify(['announce_lift']),
    `on the completed restriction sari is offered ${await actionEvents(s)}, not only announce_lift`);
  await expecting([422], async () => {
    await fire(s, 'announce_lift');
    check(await s.locator('#request-flash .problem').getAttribute('data-problem') === 'reason_missing', 'announcing without a reason is not refused');
  });
  await s.fill('#reason', 'Foto wajah telah diperbarui dan diperiksa ulang');
  await fire(s, 'announce_lift');
  check((await text(s, '#subject-restricted')).startsWith('sejak '), 'the announcement alone lifted the restriction');
  check(JSON.stringify(await actionEvents(s)) === JSON.stringify(['lift_restriction']),
    `after the announcement sari is offered ${await actionEvents(s)}, not lift_restriction`);
  await fire(s, 'lift_restriction');
  await s.waitForSelector('#request-outcome');
  check(await text(s, '#request-outcome') === 'lifted', `after lifting, the outcome is "${await text(s, '#request-outcome')}"`);
  check(await text(s, '#subject-restricted') === 'tidak ada', 'after lifting, the record still shows a restriction');
  check(await s.locator('#actions button[data-event]').count() === 0, 'a lifted restriction still offers events');
  await s.screenshot({ path: join(out, 'console-restriction-lifted.png'), fullPage: true });

  // --- A breach notice: sari files it in the console (a missing field is
  // named), she may not approve her own, sinta approves, and both watch
  // every affected subject's notice delivered.
  log('supervisors: file a breach notice, approve it (four eyes), watch the deliveries');
  const inWib = (ms) => new Date(Date.now() - ms + 7 * 3600e3).toISOString().slice(0, 16);
  await s.click('#nav-breach');
  await s.waitForSelector('#breach-form');
  await s.fill('#occurred_at', inWib(30 * 3600e3));
  await s.fill('#discovered_at', inWib(2 * 3600e3));
  await s.fill('#categories', 'name, email');
  await s.fill('#measures', 'Akses dicabut, kunci diganti, salinan dilacak dan dihapus');
  await s.fill('#organization', 'Direktorat Contoh');
  await expecting([422], async () => {
    await s.click('#breach-form button[type=submit]');
    await s.waitForSelector('#breach-status .problem');
    check(await s.locator('#breach-status .problem li[data-field="details.description"]').count() === 1,
      'a breach notice without a description does not name details.description');
  });
  check(await s.inputValue('#measures') !== '', 'what was typed is lost after a refusal');
  await s.fill('#description', 'Cadangan basis data RA disalin pihak yang tidak berwenang');
  await s.click('#breach-form button[type=submit]');
  await expectStatus(s, 'second_review', 'sari');
  const breachId = decodeURIComponent((await s.evaluate(() => location.hash)).replace('#/request/', ''));
  check((await text(s, '#filed-description')).includes('Cadangan basis data RA'), 'the filed description is not shown');
  check((await text(s, '#filed-affected')).includes('Direktorat Contoh'), 'the affected organisation is not shown');
  check(!(await actionEvents(s)).includes('approve'), `sari may approve her own breach notice: ${await actionEvents(s)}`);
  const sinta = await staff('sinta', tokens.sinta);
  const si = sinta.page;
  await openRequest(si, breachId);
  check((await actionEvents(si)).includes('approve'), `sinta is not offered approve: ${await actionEvents(si)}`);
  await fire(si, 'approve');
  await expectStatus(si, 'completed', 'sinta');
  let delivered = 0;
  for (let i = 0; i < 40 && delivered < 3; ++i) {
    await openRequest(si, breachId);
    await si.waitForSelector('#notices-summary');
    delivered = await si.locator('#notices-table tbody tr[data-status="delivered"]').count();
    if (delivered < 3) await si.waitForTimeout(250);
  }
  check(delivered === 3, `${delivered} of the 3 subjects' notices shown delivered`);
  check((await text(si, '#notices-summary')).includes('terkirim 3'), `the notices' summary says "${await text(si, '#notices-summary')}"`);
  await si.screenshot({ path: join(out, 'console-breach-delivered.png'), fullPage: true });
  await sinta.context.close();

  // --- The queue: oldest due first, overdue and due-today markers (WIB),
  // paging by next_cursor.
  log('queue: markers and paging');
  await r.click('a.back');
  await applyFilters(r, { limit: 10 });
  const first = await queueIds(r);
  check(first.length === 10 && first[0] === ids.late, `page 1: ${first.length} rows, first ${first[0]} (expected 10, the overdue one first)`);
  check(await r.locator(`tr[data-id="${ids.late}"] [data-marker="overdue"]`).count() === 1, 'the overdue request has no overdue marker');
  const due = await text(r, `tr[data-id="${ids.late}"] .due`);
  check(/ WIB$/.test(due), `due dates are not shown in WIB: "${due}"`);
  // (Filed within 15 minutes of midnight WIB, "due today" may be past by now.)
  if (ids.due_today_seconds_left > 900) {
    check(await r.locator(`tr[data-id="${ids.today}"] [data-marker="due_today"]`).count() === 1, 'the request due later today (WIB) has no due-today marker');
    check(await r.locator('#queue-table [data-marker]').count() === 2, 'markers on requests that are neither overdue nor due today');
  }
  await r.click('#page-next');
  await r.waitForSelector('#page-previous');
  const second = await queueIds(r);
  check(second.length > 0 && second.every((id) => !first.includes(id)), `page 2 repeats page 1 or is empty: ${second}`);
  check(await r.evaluate(() => document.activeElement?.closest('#queue-table') !== null), 'after paging, focus is not in the new page');
  await r.click('#page-previous');
  await r.waitForSelector('#queue-table');
  check(JSON.stringify(await queueIds(r)) === JSON.stringify(first), 'previous page is not page 1 again');
  await applyFilters(r, { overdue: true });
  check(JSON.stringify(await queueIds(r)) === JSON.stringify([ids.late]), 'overdue=true does not list the one overdue request');

  // --- A role refused a route: a reviewer asks for the SLA report.
  log('reviewer: the report is refused clearly');
  await expecting([403], async () => {
    await r.click('#nav-report');
    await r.waitForSelector('#report-status .problem');
    const said = await r.locator('#report-status .problem').textContent();
    check(said.includes('Peran Anda tidak diizinkan') && said.includes('reviewer'), `the refusal does not say plainly: "${said}"`);
  });

  // --- An auditor: reads everything, may fire nothing; the report and its downloads.
  log('auditor: no buttons, the report, downloads');
  const ari = await staff('ari', tokens.ari);
  const a = ari.page;
  await openRequest(a, ids.erasure);
  check(await a.locator('#actions button').count() === 0, `the auditor is offered ${await actionEvents(a)}`);
  check(await a.locator('#no-actions').count() === 1, 'the auditor is not told there is nothing to do');
  check(await a.locator('#message-form').count() === 0, 'the auditor may write messages');
  check(await a.locator('#subject-hidden').count() === 1 && !(await a.content()).includes('Budi Santoso'),
    'the auditor is shown the subject\'s personal data');
  check((await a.locator('#timeline-list').textContent()).includes('sari'), 'the auditor does not see the actors');
  await a.click('#nav-report');
  await a.waitForSelector('#report-frame');
  const frame = a.frameLocator('#report-frame');
  await frame.locator('h1').waitFor();
  check((await frame.locator('h1').textContent()).length > 0, 'the report frame is empty');
  check(await a.locator('#report-frame').getAttribute('sandbox') === '', 'the report frame is not fully sandboxed');
  for (const format of ['csv', 'json']) {
    const [download] = await Promise.all([a.waitForEvent('download'), a.click(`#download-${format}`)]);
    const file = join(out, download.suggestedFilename());
    await download.saveAs(file);
    const body = readFileSync(file, 'utf8');
    check(format === 'csv' ? body.startsWith('# period') : JSON.parse(body).types !== undefined, `the ${format} download is not the report: ${body.slice(0, 80)}`);
  }

  // --- English, remembered; the report follows the language.
  log('language: English');
  await a.click('#lang-switch');
  check(await a.evaluate(() => document.documentElement.lang) === 'en', 'the switch did not make the page English');
  await a.waitForSelector('#report-frame');
  await a.frameLocator('#report-frame').locator('html[lang="en"]').waitFor();
  check(await text(a, '#view-title') === 'SLA report', `the report's title in English is "${await text(a, '#view-title')}"`);
  await a.click('#nav-queue');
  await a.waitForSelector('#queue-table');
  check(await text(a, '#view-title') === 'Request queue', 'the queue is not in English');
  check((await text(a, '#identity')).startsWith('Signed in as ari (auditor)'), `the header in English says "${await text(a, '#identity')}"`);
  await a.reload();
  await a.waitForSelector('#queue-table');
  check(await text(a, '#view-title') === 'Request queue', 'English is not remembered across a reload (and the session kept)');

  // --- Sign out leaves no token behind.
  log('sign out');
  await a.click('#sign-out');
  await a.waitForSelector('#sign-in-form');
  check(await a.evaluate(() => sessionStorage.getItem('dsr.console.token')) === null, 'sign-out left the token in sessionStorage');
  check(await a.evaluate(() => document.activeElement?.id) === 'token', 'after sign-out focus is not in the token field');

  // --- Laptop, tablet and phone: screenshots, and no sideways scrolling.
  log('screenshots at laptop, tablet and phone size');
  for (const [size, viewport] of [['laptop', LAPTOP], ['tablet', TABLET], ['phone', PHONE]]) {
    const shot = await staff(`sari (${size})`, tokens.sari, viewport);
    const p = shot.page;
    await p.waitForSelector('#queue-table');
    await noSidewaysScroll(p, `${size} queue`);
    await p.screenshot({ path: join(out, `console-queue-${size}.png`) });
    // One waiting for a decision (with its buttons), and the erasure worked
    // above (the longest timeline).
    await openRequest(p, ids.today);
    await p.waitForSelector('#actions button[data-event]');
    await noSidewaysScroll(p, `${size} request`);
    await p.screenshot({ path: join(out, `console-request-${size}.png`) });
    await openRequest(p, ids.erasure);
    await p.waitForSelector('#timeline-list');
    await noSidewaysScroll(p, `${size} erasure`);
    await p.screenshot({ path: join(out, `console-erasure-${size}-full.png`), fullPage: true });
    await p.click('#nav-report');
    await p.waitForSelector('#report-frame');
    await noSidewaysScroll(p, `${size} report`);
    await p.screenshot({ path: join(out, `console-report-${size}.png`) });
    await shot.context.close();
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
console.log(`ok: the console works a request through its workflow in chromium; screenshots in ${out}`);
