// The SLA report: the server's HTML page, fetched with the token and shown
// in a sandboxed frame (srcdoc: it runs nothing and reaches nothing; the
// console's CSP allows the page's one style by its hash), and the same
// report as CSV or JSON to download.
import { getText, getBlob, query } from './api.js';
import { h, replace, problemBox, notice, focus, claim } from './dom.js';
import { t, language } from './i18n.js';

const period = { from: '', to: '' };

function reportPath(format) {
  return `/v1/reports/sla${query({ from: period.from, to: period.to, format, lang: format === 'html' ? language() : '' })}`;
}

// A Blob behind a temporary object URL, clicked as a download link: the
// token never appears in a URL, and nothing is left in memory after.
async function download(format, status) {
  try {
    const blob = await getBlob(reportPath(format), format === 'csv' ? 'text/csv' : 'application/json');
    const file = `sla-report${period.from ? `-${period.from}` : ''}${period.to ? `-${period.to}` : ''}.${format}`;
    const url = URL.createObjectURL(blob);
    const link = h('a', { href: url, download: file, class: 'visually-hidden' }, file);
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    replace(status, notice(t('report_downloaded', { file })));
  } catch (error) {
    replace(status, problemBox(error, error.status === 403 ? t('role_forbidden') : null));
    focus(status.firstChild);
  }
}

export async function renderReport(main) {
  claim(main);  // a queue or request still loading will not draw over this
  const heading = h('h1', { id: 'view-title', tabindex: '-1' }, t('report_title'));
  const from = h('input', { id: 'r-from', name: 'from', type: 'date', value: period.from });
  const to = h('input', { id: 'r-to', name: 'to', type: 'date', value: period.to });
  const status = h('div', { id: 'report-status' });
  const frameArea = h('div', { id: 'report-frame-area' });
  const form = h('form', { class: 'filters', id: 'report-form', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'r-from' }, t('report_from')), from),
    h('div', { class: 'field' }, h('label', { for: 'r-to' }, t('report_to')), to),
    h('div', { class: 'field buttons' },
      h('button', { type: 'submit', class: 'primary' }, t('report_show')),
      h('button', { type: 'button', id: 'download-csv', onclick: () => download('csv', status) }, t('report_csv')),
      h('button', { type: 'button', id: 'download-json', onclick: () => download('json', status) }, t('report_json'))));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    period.from = from.value;
    period.to = to.value;
    show(true);
  });
  from.addEventListener('change', () => { period.from = from.value; });
  to.addEventListener('change', () => { period.to = to.value; });
  replace(main, heading, h('p', { class: 'muted' }, t('report_intro')), form, status, frameArea);
  focus(heading);

  async function show(moveFocus) {
    replace(frameArea, h('p', { class: 'muted' }, t('loading')));
    try {
      const page = await getText(reportPath('html'), 'text/html');
      // An empty sandbox attribute: no scripts, no same-origin access, no
      // forms, no navigation of the console.
      const frame = h('iframe', { id: 'report-frame', sandbox: '', title: t('report_frame'), referrerpolicy: 'no-referrer' });
      frame.srcdoc = page;
      replace(frameArea, frame);
      if (moveFocus) focus(frame);
    } catch (error) {
      replace(frameArea);
      replace(status, problemBox(error, error.status === 403 ? t('role_forbidden') : null));
      if (moveFocus) focus(status.firstChild);
    }
  }
  await show(false);
}
