// The queue: the server's list (oldest due first) with its filters, a
// marker for what is overdue or due today in the policy's time zone, and
// paging by next_cursor. Filters and page survive a visit to a request.
import { getJson, query } from './api.js';
import { h, replace, problemBox, focus, claim } from './dom.js';
import { t, typeName, stateName, knownTypes, knownStates, formatInstant, zoneOf, zoneName, dayIn, DEFAULT_ZONE } from './i18n.js';

const LIMITS = [10, 25, 50, 100];

// Kept between visits: the filters, and the cursors of the pages before
// the one shown (so "previous" goes back without the server's help).
const state = { filters: { type: '', status: '', assignee: '', mine: false, overdue: false, limit: 25 }, cursors: [null] };

// 'overdue', 'due_today' or null, for a queue item or a request, now. The
// server says whether it is open and overdue; "due today" is the day in
// the policy's time zone, which the server names too.
export function dueMarker(item, now = new Date()) {
  if (!item.open) return null;  // a closed request is never overdue
  if (item.overdue) return 'overdue';
  if (!item.due_at) return null;
  const zone = zoneOf(item);
  return dayIn(new Date(item.due_at), zone) === dayIn(now, zone) ? 'due_today' : null;
}

export function markerBadge(marker) {
  if (!marker) return null;
  return h('span', { class: `badge badge-${marker}`, 'data-marker': marker }, t(marker));
}

function select(id, label, options, value) {
  return [h('label', { for: id }, label),
    h('select', { id, name: id }, options.map(([v, text]) => h('option', { value: v, selected: String(v) === String(value) }, text)))];
}

// The types and states to filter by: those of the server's workflows
// (GET /v1/workflows), read once a session; the dictionary's if that fails.
let vocabulary = null;
async function filterVocabulary() {
  if (vocabulary) return vocabulary;
  try {
    const { items } = await getJson('/v1/workflows');
    const states = [];
    for (const w of items) for (const s of w.states) if (!states.includes(s.state)) states.push(s.state);
    vocabulary = { types: items.map((w) => w.type), states };
  } catch {
    return { types: knownTypes(), states: knownStates() };
  }
  return vocabulary;
}

function filterForm(app, onApply, words) {
  const f = state.filters;
  const assignee = h('input', { id: 'f-assignee', name: 'assignee', type: 'text', value: f.mine ? '' : f.assignee,
                                autocomplete: 'off', disabled: f.mine });
  const mine = h('input', { id: 'f-mine', name: 'mine', type: 'checkbox', checked: f.mine });
  // "Mine" stands for the signed-in name (put in the query when it is
  // sent), so the free-text assignee field is cleared and disabled.
  mine.addEventListener('change', () => { assignee.disabled = mine.checked; if (mine.checked) assignee.value = ''; });
  const overdue = h('input', { id: 'f-overdue', name: 'overdue', type: 'checkbox', checked: f.overdue });
  const form = h('form', { class: 'filters', id: 'queue-filters', novalidate: true },
    h('fieldset', {},
      h('legend', {}, t('filters')),
      h('div', { class: 'field' }, select('f-type', t('filter_type'), [['', t('filter_any')], ...words.types.map((ty) => [ty, typeName(ty)])], f.type)),
      h('div', { class: 'field' }, select('f-status', t('filter_status'), [['', t('filter_any')], ...words.states.map((s) => [s, stateName(s)])], f.status)),
      h('div', { class: 'field' }, h('label', { for: 'f-assignee' }, t('filter_assignee')), assignee),
      h('div', { class: 'field check' }, mine, h('label', { for: 'f-mine' }, t('filter_mine'))),
      h('div', { class: 'field check' }, overdue, h('label', { for: 'f-overdue' }, t('filter_overdue'))),
      h('div', { class: 'field' }, select('f-limit', t('filter_limit'), LIMITS.map((n) => [n, String(n)]), f.limit)),
      h('div', { class: 'field buttons' },
        h('button', { type: 'submit', class: 'primary' }, t('filter_apply')),
        h('button', { type: 'button', id: 'f-reset', onclick: () => {
          state.filters = { type: '', status: '', assignee: '', mine: false, overdue: false, limit: 25 };
          state.cursors = [null];
          onApply(true);
        } }, t('filter_reset')))));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    state.filters = {
      type: form.elements['f-type'].value, status: form.elements['f-status'].value,
      assignee: assignee.value.trim(), mine: mine.checked, overdue: overdue.checked,
      limit: Number(form.elements['f-limit'].value),
    };
    state.cursors = [null];
    onApply(false);
  });
  return form;
}

function queueTable(items, zone) {
  const now = new Date();
  return h('table', { class: 'queue', id: 'queue-table' },
    h('caption', { class: 'visually-hidden' }, t('queue_title')),
    h('thead', {}, h('tr', {}, ['col_id', 'col_type', 'col_status', 'col_received', 'col_due', 'col_assignee']
      .map((k) => h('th', { scope: 'col' }, t(k))))),
    h('tbody', {}, items.map((item) => {
      const marker = dueMarker(item, now);
      const itemZone = zoneOf(item) || zone;
      return h('tr', { 'data-id': item.id, 'data-status': item.status, class: marker ? `row-${marker}` : null },
        h('td', { 'data-label': t('col_id') },
          h('a', { href: `#/request/${encodeURIComponent(item.id)}`, class: 'request-link' }, item.id)),
        h('td', { 'data-label': t('col_type') }, typeName(item.type)),
        h('td', { 'data-label': t('col_status') }, h('span', { class: 'state' }, stateName(item.status))),
        h('td', { 'data-label': t('col_received') }, formatInstant(item.received_at, itemZone)),
        h('td', { 'data-label': t('col_due') }, h('span', { class: 'due' }, formatInstant(item.due_at, itemZone)), ' ', markerBadge(marker)),
        h('td', { 'data-label': t('col_assignee') }, item.assignee ?? h('span', { class: 'muted' }, t('unassigned'))));
    })));
}

export async function renderQueue(main, app, { focusTarget = 'title' } = {}) {
  const heading = h('h1', { id: 'view-title', tabindex: '-1' }, t('queue_title'));
  const results = h('div', { id: 'queue-results', 'aria-live': 'polite' }, h('p', { class: 'muted' }, t('loading')));
  const load = async (fromReset) => {
    renderQueue(main, app, { focusTarget: fromReset ? 'filters' : 'results' });
  };
  const current = claim(main);
  const words = await filterVocabulary();
  if (!current()) return;
  replace(main,
    heading,
    h('p', { class: 'muted' }, t('queue_intro', { zone: `${zoneName(DEFAULT_ZONE)} (${DEFAULT_ZONE})` })),
    filterForm(app, load, words),
    results);
  if (focusTarget === 'title') focus(heading);

  const f = state.filters;
  const page = state.cursors.length;
  const cursor = state.cursors[page - 1];
  try {
    const list = await getJson(`/v1/requests${query({
      type: f.type, status: f.status, assignee: f.mine ? app.me.name : f.assignee,
      overdue: f.overdue ? 'true' : '', limit: f.limit, cursor,
    })}`);
    const paging = h('nav', { class: 'paging', 'aria-label': t('page_number', { page }) },
      page > 1 ? h('button', { type: 'button', id: 'page-previous', onclick: () => { state.cursors.pop(); load(); } }, t('page_previous')) : null,
      h('span', { class: 'muted', id: 'page-number' }, t('page_number', { page })),
      list.next_cursor ? h('button', { type: 'button', id: 'page-next', onclick: () => { state.cursors.push(list.next_cursor); load(); } }, t('page_next')) : null);
    replace(results,
      list.items.length ? queueTable(list.items, DEFAULT_ZONE) : h('p', { id: 'queue-empty' }, t('queue_empty')),
      h('p', { class: 'muted', id: 'queue-count' }, t('queue_count', { count: list.items.length })),
      paging);
  } catch (error) {
    replace(results, problemBox(error));
  }
  if (focusTarget === 'results') focus(results.querySelector('.problem') || results.querySelector('table a') || results.querySelector('p'));
  if (focusTarget === 'filters') focus(main.querySelector('#f-type'));
}
