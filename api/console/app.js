// The console's entry: the header (who is signed in, language, sign out),
// the sign-in form, and the hash routes that pick a view:
//   #/queue            the request queue (the default)
//   #/request/<id>     one request
//   #/report           the SLA report
//   #/breach/new       filing a breach notice (supervisors)
// Hash routes keep everything on the one page the server serves, so that
// nothing but /console/ and /v1/ is ever fetched.
import { session, whoami, whenUnauthorized, certificateSignIn, useCertificate } from './api.js';
import { h, replace, problemBox, notice, focus } from './dom.js';
import { t, language, setLanguage, roleName } from './i18n.js';
import { renderQueue } from './queue.js';
import { renderRequest } from './request.js';
import { renderReport } from './report.js';
import { renderBreachForm } from './breach.js';

const main = document.getElementById('main');
const app = { me: null };  // the signed-in member of staff, from /v1/whoami

function paintShell() {
  document.title = t('app_title');
  document.getElementById('app-title').textContent = t('app_title');
  document.getElementById('skip-link').textContent = t('skip_to_content');
  const nav = document.getElementById('nav');
  nav.setAttribute('aria-label', t('nav_label'));
  document.getElementById('nav-queue').textContent = t('nav_queue');
  document.getElementById('nav-report').textContent = t('nav_report');
  const breach = document.getElementById('nav-breach');
  breach.textContent = t('nav_breach');
  breach.hidden = app.me?.role !== 'supervisor';  // the server refuses anyone else
  const lang = document.getElementById('lang-switch');
  lang.textContent = t('switch_language');
  lang.setAttribute('lang', language() === 'id' ? 'en' : 'id');
  lang.setAttribute('aria-label', t('switch_language_label'));
  const out = document.getElementById('sign-out');
  out.textContent = t('sign_out');
  const identity = document.getElementById('identity');
  const byCertificate = app.me?.signed_in_with === 'certificate';
  nav.hidden = identity.hidden = !app.me;
  // A certificate cannot be signed out of from the page: the browser
  // presents it on every connection until it is closed.
  out.hidden = !app.me || byCertificate;
  if (app.me) {
    identity.textContent = t('signed_in_as', { name: app.me.name, role: roleName(app.me.role) }) +
      (app.me.institution ? `, ${t('institution', { institution: app.me.institution })}` : '') +
      (byCertificate ? `, ${t('by_certificate')}` : '');
  }
  markCurrentNav();
}

function markCurrentNav() {
  const route = currentRoute();
  for (const [id, name] of [['nav-queue', 'queue'], ['nav-report', 'report'], ['nav-breach', 'breach']]) {
    const link = document.getElementById(id);
    if (route.name === name || (name === 'queue' && route.name === 'request')) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

function currentRoute() {
  const hash = location.hash;
  const request = /^#\/request\/(.+)$/.exec(hash);
  if (request) {
    try {
      return { name: 'request', id: decodeURIComponent(request[1]) };
    } catch {
      return { name: 'queue' };  // a mangled address: the queue, not a blank page
    }
  }
  if (hash === '#/report') return { name: 'report' };
  if (hash === '#/breach/new') return { name: 'breach' };
  return { name: 'queue' };
}

// The sign-in form: a real <form>, so Enter in the field submits it.
function renderSignIn(message) {
  const input = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', spellcheck: 'false',
                             'aria-describedby': 'token-help', required: true });
  const status = h('div', { class: 'form-status', id: 'sign-in-status' });
  const form = h('form', { class: 'sign-in', id: 'sign-in-form', novalidate: true },
    h('h1', { id: 'view-title' }, t('sign_in_title')),
    h('p', { id: 'token-help' }, t('sign_in_intro')),
    h('label', { for: 'token' }, t('token_label')),
    input,
    h('button', { type: 'submit', class: 'primary' }, t('sign_in')),
    status);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const token = input.value.trim();
    if (!token) { replace(status, problemBox({ problem: { detail: t('token_empty') } })); focus(input); return; }
    replace(status, notice(t('signing_in')));
    try {
      app.me = await whoami(token);
      session.save(token);
      input.value = '';
      paintShell();
      await route();
    } catch (error) {
      replace(status, problemBox(error));
      input.setAttribute('aria-invalid', 'true');
      focus(input);
    }
  });
  // The server asks for certificates and this browser gave none: say how
  // to sign in with one; the token remains for everyone else.
  const hint = certificateSignIn() === 'none' ? h('p', { class: 'notice', id: 'certificate-hint' }, t('certificate_none')) : null;
  replace(main, message ? notice(message) : null, hint, form);
  focus(input);
}

// Signing out (or a token the server no longer takes) reloads the page:
// nothing the last person typed, filtered or opened stays in memory for the
// next one at this screen, and no view still loading can draw over the
// sign-in form. The message to show survives the reload in sessionStorage.
const FLASH_KEY = 'dsr.console.flash';
function signOut(message) {
  session.clear();
  if (message) sessionStorage.setItem(FLASH_KEY, message);
  location.replace(location.pathname);
}

// The certificate stopped signing in (revoked, expired, mapping removed):
// the page goes, and the reason comes with the reload (the server's page).
function certificateEnded() {
  app.me = null;
  paintShell();
  replace(main, notice(t('certificate_ended')));
}

async function route() {
  markCurrentNav();
  if (!app.me) return renderSignIn();
  const r = currentRoute();
  if (r.name === 'request') return renderRequest(main, app, r.id);
  if (r.name === 'report') return renderReport(main, app);
  if (r.name === 'breach') return renderBreachForm(main, app);
  return renderQueue(main, app);
}

async function start() {
  setLanguage(language());
  paintShell();
  whenUnauthorized(() => (app.me?.signed_in_with === 'certificate' ? certificateEnded() : signOut(t('session_ended'))));
  document.getElementById('sign-out').addEventListener('click', () => signOut(t('signed_out')));
  document.getElementById('lang-switch').addEventListener('click', async () => {
    setLanguage(language() === 'id' ? 'en' : 'id');
    paintShell();
    if (app.me) await route();
    else renderSignIn();
    focus(document.getElementById('lang-switch'));
  });
  // The skip link moves focus only: following its #main would leave the
  // hash routes.
  document.getElementById('skip-link').addEventListener('click', (event) => { event.preventDefault(); focus(main); });
  window.addEventListener('hashchange', () => { if (location.hash.startsWith('#/')) route(); });
  const flash = sessionStorage.getItem(FLASH_KEY);
  sessionStorage.removeItem(FLASH_KEY);
  if (flash) return renderSignIn(flash);
  const token = session.token();
  if (!token && certificateSignIn() === 'staff') {
    // The connection's certificate signs this member of staff in: no token.
    try {
      app.me = await whoami(null);
      useCertificate();
    } catch (error) {
      paintShell();
      renderSignIn();
      main.prepend(problemBox(error));
      return;
    }
  } else if (token) {
    try {
      app.me = await whoami(token);
    } catch (error) {
      session.clear();
      paintShell();
      renderSignIn();
      main.prepend(problemBox(error));
      return;
    }
  }
  paintShell();
  await route();
}

start();
