// Filing a breach notice (supervisors; docs/breach-notices.md): what
// happened, when it happened and became known, which data, what was done,
// and whom it reaches (NIKs, one per line, or an organisation). The server
// checks everything and names each wrong field; what was typed stays.
// Times are entered in WIB, the zone of BSrE's policy, and sent with their
// offset.
import { postJson } from './api.js';
import { h, replace, problemBox, focus } from './dom.js';
import { t, DEFAULT_ZONE, zoneName, instantFromLocal } from './i18n.js';

const draft = { description: '', occurred_at: '', discovered_at: '', categories: '', measures: '', by: 'organization',
                organization: '', niks: '' };

function field(id, label, control, hint) {
  return h('div', { class: 'field' }, h('label', { for: id }, label), control,
    hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null);
}

function input(id, attrs = {}) {
  const el = h(attrs.rows ? 'textarea' : 'input', { id, name: id, ...attrs });
  el.value = draft[id];
  el.addEventListener('input', () => { draft[id] = el.value; });
  return el;
}

export function renderBreachForm(main, app) {
  const heading = h('h1', { id: 'view-title', tabindex: '-1' }, t('breach_title'));
  const status = h('div', { id: 'breach-status' });
  const zone = zoneName(DEFAULT_ZONE);
  const byRadio = (value) => {
    const radio = h('input', { type: 'radio', name: 'by', id: `breach-by-${value}`, value });
    radio.checked = draft.by === value;
    radio.addEventListener('change', () => { draft.by = value; });
    return h('label', { for: `breach-by-${value}`, class: 'inline' }, radio, ' ', t(`breach_by_${value}`));
  };
  const form = h('form', { id: 'breach-form', class: 'panel', novalidate: true },
    h('p', {}, t('breach_intro')),
    field('description', t('breach_description'), input('description', { rows: '4', maxlength: '5000' })),
    field('occurred_at', t('breach_occurred_at', { zone }), input('occurred_at', { type: 'datetime-local' })),
    field('discovered_at', t('breach_discovered_at', { zone }), input('discovered_at', { type: 'datetime-local' }),
      t('breach_discovered_hint')),
    field('categories', t('breach_categories'), input('categories', { type: 'text' }), t('breach_categories_hint')),
    field('measures', t('breach_measures'), input('measures', { rows: '3', maxlength: '5000' })),
    h('fieldset', {}, h('legend', {}, t('breach_affected')), byRadio('organization'), byRadio('niks')),
    field('organization', t('breach_organization'), input('organization', { type: 'text', maxlength: '200' })),
    field('niks', t('breach_niks'), input('niks', { rows: '4' }), t('breach_niks_hint')),
    h('button', { type: 'submit', class: 'primary' }, t('breach_file')),
    status);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const details = {
      description: draft.description,
      occurred_at: instantFromLocal(draft.occurred_at, DEFAULT_ZONE),
      discovered_at: instantFromLocal(draft.discovered_at, DEFAULT_ZONE),
      categories: draft.categories.split(',').map((c) => c.trim()).filter(Boolean),
      measures: draft.measures,
    };
    if (draft.by === 'organization') details.organization = draft.organization.trim();
    else details.niks = draft.niks.split(/\s+/).filter(Boolean);
    try {
      const filed = await postJson('/v1/requests', { type: 'breach_notice', details });
      Object.assign(draft, { description: '', occurred_at: '', discovered_at: '', categories: '', measures: '',
                             organization: '', niks: '' });
      location.hash = `#/request/${encodeURIComponent(filed.id)}`;
    } catch (error) {
      replace(status, problemBox(error));
      focus(status.firstChild);
    }
  });
  replace(main, heading, form);
  focus(heading);
}
