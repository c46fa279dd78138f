// The SLA report page of a running `dsr serve`, opened in Debian's
// chromium: it must load nothing but itself, log no console error or
// warning (a Content-Security-Policy violation is one), carry the same
// figures as the JSON report, fit a phone without sideways scrolling, and
// print on A4. Screenshots and the PDF go to the output directory.
//   node sla_report_page.mjs BASE_URL TOKEN OUT_DIR
import { launchChromium } from './browser_test.mjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [base, token, out] = process.argv.slice(2);
if (!base || !token || !out) {
  console.error('usage: node sla_report_page.mjs BASE_URL TOKEN OUT_DIR');
  process.exit(2);
}
mkdirSync(out, { recursive: true });
const failures = [];
const fail = (what) => failures.push(what);

const auth = { Authorization: `Bearer ${token}` };
const page_url = `${base}/v1/reports/sla?format=html`;
const json = await (await fetch(`${base}/v1/reports/sla`, { headers: auth })).json();

const browser = await launchChromium();
// Tables and charts wider than the page: on paper they are cut off, on a
// laptop they hide columns behind a scroll bar.
const too_wide = (page) => page.evaluate(() => [...document.querySelectorAll('table, svg')]
  .filter((t) => t.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
  .map((t) => `${t.tagName.toLowerCase()} after "${t.closest('div')?.previousElementSibling?.textContent ?? '?'}" is ` +
              `${Math.round(t.getBoundingClientRect().width)} px`));

const watch = (page, where) => {
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') fail(`${where}: console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => fail(`${where}: page error: ${e.message}`));
  page.on('requestfailed', (r) => fail(`${where}: request failed: ${r.url()} (${r.failure()?.errorText})`));
  page.on('request', (r) => { if (!r.url().startsWith(page_url)) fail(`${where}: the page loaded something else: ${r.url()}`); });
};

let checked = 0;
try {
  for (const lang of ['en', 'id']) {
    // A laptop, in each language.
    const context = await browser.newContext({ extraHTTPHeaders: auth, viewport: { width: 1100, height: 900 } });
    const page = await context.newPage();
    watch(page, `${lang}, laptop`);
    const url = `${page_url}&lang=${lang}`;
    const response = await page.goto(url, { waitUntil: 'load' });
    if (response.status() !== 200) fail(`GET ${url}: ${response.status()}`);
    const csp = response.headers()['content-security-policy'] || '';
    if (!csp.includes("default-src 'none'") || !csp.includes("style-src 'sha256-") || csp.includes('unsafe'))
      fail(`no strict Content-Security-Policy (nothing loads, the page's own style by hash), got "${csp}"`);
    const html_lang = await page.evaluate(() => document.documentElement.lang);
    if (html_lang !== lang) fail(`?lang=${lang} gave a page in "${html_lang}"`);
    for (const c of await too_wide(page)) fail(`${lang}, laptop at 1100 px: a ${c} wide`);

    // The page's figures are the JSON report's.
    const field = async (row, name) => {
      const cell = page.locator(`[data-row="${row}"][data-field="${name}"]`);
      return (await cell.count()) === 1 ? (await cell.textContent()).trim() : `<${await cell.count()} cells>`;
    };
    for (const t of json.types) {
      for (const name of ['received', 'completed', 'rejected', 'open', 'answered_on_time', 'answered_late', 'never_verified']) {
        const shown = await field(`${t.policy}/${t.type}`, name);
        if (shown !== String(t[name])) fail(`${lang}: ${t.policy}/${t.type} ${name}: the page shows ${shown}, the JSON ${t[name]}`);
        checked++;
      }
    }
    for (const w of json.now.workload) {
      const row = w.assignee ?? 'nobody';
      for (const name of ['open', 'overdue']) {
        const shown = await field(row, name);
        if (shown !== String(w[name])) fail(`${lang}: workload of ${row} ${name}: the page shows ${shown}, the JSON ${w[name]}`);
        checked++;
      }
    }
    const overdue_ids = await page.locator('[data-overdue]').evaluateAll((rows) => rows.map((r) => r.dataset.overdue));
    const json_overdue = json.now.oldest_overdue.map((r) => r.id);
    if (JSON.stringify(overdue_ids) !== JSON.stringify(json_overdue))
      fail(`${lang}: overdue list: the page has ${overdue_ids}, the JSON ${json_overdue}`);
    const overdue_now = (await page.locator('[data-field="overdue_now"]').textContent()).trim();
    if (overdue_now !== String(json.now.overdue)) fail(`${lang}: overdue now: page ${overdue_now}, JSON ${json.now.overdue}`);
    if ((await page.locator('svg').count()) < 2) fail(`${lang}: expected two charts (inline SVG)`);
    await page.screenshot({ path: join(out, `sla-report-${lang}.png`), fullPage: true });
    if (lang === 'en') { await context.close(); continue; }

    // A4, as printed: the page is 210 mm less two 14 mm margins, 182 mm or
    // 688 CSS pixels wide, and every table must fit in it (print does not
    // scroll: what overflows is cut off).
    await page.emulateMedia({ media: 'print' });
    await page.setViewportSize({ width: 688, height: 1000 });
    for (const c of await too_wide(page)) fail(`printed on A4: a ${c} wide, cut off at 688 px`);
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    if (pdf.subarray(0, 4).toString() !== '%PDF') fail('printing to A4 gave no PDF');
    writeFileSync(join(out, 'sla-report-a4.pdf'), pdf);
    await context.close();
  }

  // A phone: the page itself must not scroll sideways (wide tables and
  // charts scroll inside their own box).
  const phone = await browser.newContext({ extraHTTPHeaders: auth, viewport: { width: 390, height: 844 },
                                           deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const small = await phone.newPage();
  watch(small, 'phone');
  await small.goto(`${page_url}&lang=id`, { waitUntil: 'load' });
  const widths = await small.evaluate(() => ({ page: document.documentElement.scrollWidth, screen: window.innerWidth }));
  if (widths.page > widths.screen) fail(`on a phone the page is ${widths.page} px wide on a ${widths.screen} px screen`);
  await small.screenshot({ path: join(out, 'sla-report-phone.png'), fullPage: true });
  await phone.close();

  if (checked === 0) fail('the JSON report listed nothing to compare');
  console.log(`checked ${checked} figures in two languages; screenshots and the A4 PDF in ${out}`);
} finally {
  await browser.close();
}
if (failures.length) {
  for (const f of failures) console.error(`FAIL: ${f}`);
  process.exit(1);
}
console.log('ok: the SLA report page renders without console errors, on a laptop, a phone and A4');
