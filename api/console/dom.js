// Building the page from data without innerHTML: every text from the
// server goes in through textContent, so a name or a reason can never
// become markup.
import { t } from './i18n.js';

// h('p', {class: 'note'}, 'text', child...): attributes are set one by one;
// `on*` functions become listeners, booleans toggle the attribute.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'class') el.className = value;
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// A definition list from [label, value] pairs; a value may be a node.
export function facts(pairs) {
  return h('dl', { class: 'facts' }, pairs.filter(Boolean).map(([label, value]) => [h('dt', {}, label), h('dd', {}, value)]));
}

// A problem+json error, shown whole: its title, its detail (what went
// wrong and what to do), each field error, and a hint of our own for the
// kinds a user meets in the back office. role=alert so that a screen
// reader says it; focusable so that focus can be moved to it.
export function problemBox(error, hint) {
  const p = error.problem || { detail: String(error.message || error) };
  const box = h('div', { class: 'problem', role: 'alert', tabindex: '-1', 'data-problem': error.kind || 'error',
                         'data-status': error.status ?? '' },
    h('p', { class: 'problem-title' }, p.title || t('error_title'),
      error.status ? h('span', { class: 'problem-status' }, ` (${t('error_status', { status: error.status })})`) : null),
    hint ? h('p', { class: 'problem-hint' }, hint) : null,
    p.detail ? h('p', { class: 'problem-detail' }, p.detail) : null);
  if (Array.isArray(p.errors) && p.errors.length) {
    box.append(h('p', {}, t('field_errors')),
      h('ul', { class: 'problem-fields' }, p.errors.map((e) => h('li', { 'data-field': e.field },
        h('code', {}, e.field), ': ', e.message))));
  }
  return box;
}

// A short confirmation after an action, in a polite live region.
export function notice(text) {
  return h('p', { class: 'notice', role: 'status', tabindex: '-1' }, text);
}

// Moves focus after an action or a new view, without scrolling jumps.
export function focus(el) {
  if (!el) return;
  if (!el.hasAttribute('tabindex') && !['A', 'BUTTON', 'INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName)) el.setAttribute('tabindex', '-1');
  el.focus({ preventScroll: false });
}

// Views load before they draw, and the user may move on meanwhile. Each
// view claims `main` when it starts; after a wait it draws only if it
// still holds the claim, so a slow answer never draws over a newer view.
// (Parts of a view, such as the queue's results, are replaced in place:
// once their view is gone they are detached, and drawing there is harmless.)
export function claim(main) {
  const mine = String(Number(main.dataset.claim || 0) + 1);
  main.dataset.claim = mine;
  return () => main.dataset.claim === mine;
}
