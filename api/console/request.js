// One request as staff see it: its summary, deadline and clock, the
// subject's details where the server sends them, the timeline with actors
// and reasons, correspondence, recipient notifications, and buttons for
// exactly the events the server says this caller may fire now
// (allowed_events). The server stays the judge: a refusal (four-eyes,
// role, stale version) is shown as the server words it.
import { getJson, postJson, ApiError } from './api.js';
import { h, replace, facts, problemBox, notice, focus, claim } from './dom.js';
import { dueMarker, markerBadge } from './queue.js';
import { t, eventName, stateName, roleName, typeName, notificationStatusName, formatInstant, zoneOf, zoneName,
  instantFromLocal } from './i18n.js';

// What the user typed and has not sent yet, per request: kept across the
// reload that follows a conflict, so that a reason is never lost.
const drafts = new Map();
const draftOf = (id) => { if (!drafts.has(id)) drafts.set(id, { reason: '', message: '' }); return drafts.get(id); };

// Events that have their own route rather than /transitions.
const OWN_FORM = new Set(['assign', 'message']);

// Whether an event needs a reason: 'required', 'optional' or 'none', as the
// view's `event_rules` says ('unknown' only for a server too old to say).
function reasonRule(view, event) {
  return view.event_rules?.[event]?.reason ?? 'unknown';
}

const yesNo = (b) => (b ? t('yes') : t('no'));

// Requests staff file about many subjects: their form is the filing's
// details, and each subject's notice is followed (GET .../notices).
const STAFF_FILED = new Set(['breach_notice', 'authority_request']);
const READS_NOTICES = new Set(['supervisor', 'auditor', 'admin']);

async function loadAll(id, app) {
  // The request decides whether there is anything to show; the others are
  // shown where they answer, each with its own error otherwise.
  const settle = (p) => p.then((value) => ({ value }), (error) => ({ error }));
  const base = `/v1/requests/${encodeURIComponent(id)}`;
  const [view, events, messages, notifications] = await Promise.all([
    settle(getJson(base)),
    settle(getJson(`${base}/events`)),
    settle(getJson(`${base}/messages`)),
    settle(getJson(`${base}/notifications`)),
  ]);
  // Asked only of a request filed by staff, by the roles the server lets read them.
  const notices = STAFF_FILED.has(view.value?.type) && READS_NOTICES.has(app.me?.role)
    ? await settle(getJson(`${base}/notices`)) : null;
  return { view, events, messages, notifications, notices };
}

function section(id, title, ...content) {
  return h('section', { class: 'panel', id, 'aria-labelledby': `${id}-title` }, h('h2', { id: `${id}-title` }, title), ...content);
}

function summaryPanel(view, zone) {
  return section('summary', t('summary'), facts([
    [t('field_type'), typeName(view.type)],
    [t('field_status'), h('span', { class: 'state', id: 'request-status', 'data-status': view.status }, stateName(view.status))],
    [t('field_assignee'), h('span', { id: 'request-assignee' }, view.assignee ?? t('none'))],
    [t('field_received'), formatInstant(view.received_at, zone)],
    [t('field_policy'), view.policy ?? t('none')],
    [t('field_version'), h('span', { id: 'request-version' }, String(view.version))],
    view.outcome ? [t('field_outcome'), h('span', { id: 'request-outcome' }, view.outcome)] : null,
    view.duplicate_of ? [t('field_duplicate_of'),
      h('a', { id: 'request-duplicate-of', href: `#/request/${encodeURIComponent(view.duplicate_of)}` }, view.duplicate_of)] : null,
  ]));
}

function deadlinePanel(view, zone, marker) {
  const segments = Array.isArray(view.clock_segments) ? view.clock_segments : [];
  return section('deadline', t('due_title'),
    facts([
      [t('field_due'), h('span', { id: 'request-due' }, formatInstant(view.due_at, zone), ' ', marker)],
      'extended_due_at' in view ? [t('field_extended_due'), formatInstant(view.extended_due_at, zone)] : null,
      view.acknowledge_by ? [t('field_acknowledge_by'), formatInstant(view.acknowledge_by, zone)] : null,
      [t('field_extended'), h('span', { id: 'request-extended' }, yesNo(view.extended))],
      'statutory' in view ? [t('field_statutory'), yesNo(view.statutory)] : null,
      'clock_paused' in view ? [t('field_clock'), view.clock_paused ? t('clock_paused') : t('clock_running')] : null,
    ]),
    view.due_explanation ? [h('h3', {}, t('explanation')), h('p', { class: 'explanation', id: 'due-explanation' }, view.due_explanation)] : null,
    segments.length ? [h('h3', {}, t('segments_title')),
      h('div', { class: 'table-wrap' }, h('table', { class: 'segments', id: 'clock-segments' },
        h('thead', {}, h('tr', {}, [t('seg_start'), t('seg_end'), t('seg_state'), t('seg_cause')].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, segments.map((s) => h('tr', {},
          h('td', {}, formatInstant(s.start, zone)),
          h('td', {}, s.end ? formatInstant(s.end, zone) : t('seg_open')),
          h('td', {}, s.paused ? t('clock_paused') : t('clock_running')),
          h('td', {}, s.cause ? eventName(s.cause) : t('none')))))))] : null);
}

// Personal data as the server gives it to those who work the request: the
// record on file beside what the form said, so that a verifier can compare
// them, and what the subject asked for. Only fields with a value are shown.
const PERSONAL_FIELDS = ['name', 'nik', 'nip', 'organization', 'unit', 'position', 'email', 'phone'];
function personalFacts(data, idPrefix) {
  return facts(PERSONAL_FIELDS.filter((f) => data?.[f]).map((f) =>
    [t(`pd_${f}`), h('span', { id: `${idPrefix}-${f}` }, String(data[f]))]));
}

const fieldLabel = (f) => (PERSONAL_FIELDS.includes(f) || f === 'face_photo' ? t(`pd_${f}`) : f);

// What a breach notice or an authority request says: no subject of its
// own, many affected; the details as filed.
function filingPanel(view) {
  const d = view.details || {};
  const zone = zoneOf(view);
  const niks = Array.isArray(d.niks) ? d.niks : [];
  const rows = view.type === 'breach_notice' ? [
    [t('breach_description'), h('span', { id: 'filed-description' }, d.description ?? '')],
    [t('filed_occurred'), formatInstant(d.occurred_at, zone)],
    [t('filed_discovered'), h('span', { id: 'filed-discovered' }, formatInstant(d.discovered_at, zone))],
    [t('filed_categories'), h('span', { id: 'filed-categories' }, categoryList(d.categories))],
    [t('breach_measures'), h('span', { id: 'filed-measures' }, d.measures ?? '')],
  ] : [
    [t('filed_authority'), h('span', { id: 'filed-authority' }, `${d.recipient_name ?? ''} (${d.recipient_kind ?? ''})`)],
    [t('filed_legal_basis'), h('span', { id: 'filed-legal-basis' }, d.legal_basis ?? '')],
    [t('filed_document'), h('span', { id: 'filed-document' }, d.document_ref ?? '')],
    [t('filed_categories'), h('span', { id: 'filed-categories' }, categoryList(d.categories))],
  ];
  rows.push([t('filed_affected'), h('span', { id: 'filed-affected' },
    d.organization ? t('filed_organization', { organization: d.organization }) : t('filed_niks', { count: niks.length }))]);
  return section('filing', t('filing_title'), facts(rows),
    niks.length ? h('details', {}, h('summary', {}, t('filed_niks', { count: niks.length })),
      h('p', { class: 'muted', id: 'filed-nik-list' }, niks.join(', '))) : null);
}

// A notice an authority's prohibition holds back: due later, never tried
// (a retry after a failed attempt is not a hold).
const held = (i) => i.status === 'pending' && i.attempts === 0 && i.next_attempt_at && new Date(i.next_attempt_at) > new Date();

// Each affected subject's notice: delivered, failed, or held until a date.
function noticesPanel(notices, zone) {
  if (!notices) return null;
  const n = notices.value;
  return section('notices', t('notices_title'),
    notices.error ? problemBox(notices.error) : null,
    n?.summary ? h('p', { id: 'notices-summary' }, t('notices_summary', n.summary)) : null,
    n?.items?.length
      ? h('div', { class: 'table-wrap' }, h('table', { id: 'notices-table' },
        h('thead', {}, h('tr', {}, ['col_subject', 'col_status', 'col_attempts', 'col_delivered', 'col_held_until', 'col_last_error']
          .map((k) => h('th', { scope: 'col' }, t(k))))),
        h('tbody', {}, n.items.map((i) => h('tr', { 'data-status': i.status },
          h('td', {}, i.subject_ref),
          h('td', {}, h('span', { class: `badge badge-${i.status}` }, notificationStatusName(i.status))),
          h('td', {}, String(i.attempts)),
          h('td', {}, formatInstant(i.delivered_at, zone)),
          h('td', {}, held(i) ? formatInstant(i.next_attempt_at, zone) : t('none')),
          h('td', {}, i.last_error ?? t('none')))))))
      : (notices.error ? null : h('p', { class: 'muted' }, t('notices_empty'))));
}

function subjectPanel(view) {
  if (STAFF_FILED.has(view.type)) return filingPanel(view);
  const subject = view.subject;
  if (!subject || typeof subject !== 'object') return section('subject', t('subject_title'), h('p', { class: 'muted', id: 'subject-hidden' }, t('subject_missing')));
  const details = view.details || {};
  const corrections = Array.isArray(details.corrections) ? details.corrections : [];
  const asked = [
    corrections.length ? [t('corrections'), h('ul', { id: 'asked-corrections' }, corrections.map((c) =>
      h('li', {}, t('correction_line', { field: fieldLabel(c.field), requested: c.requested ?? '' }))))] : null,
    details.decision_reference ? [t('decision_reference'), details.decision_reference] : null,
    details.question ? [t('question'), h('span', { id: 'asked-question' }, details.question)] : null,
    details.purpose ? [t('purpose'), h('span', { id: 'asked-purpose' }, details.purpose)] : null,
    details.categories ? [t('categories'), h('span', { id: 'asked-categories' }, categoryList(details.categories))] : null,
    details.grounds ? [t('grounds'), h('span', { id: 'asked-grounds' }, details.grounds)] : null,
    details.format ? [t('export_format'), details.format] : null,
    details.transfer_to ? [t('transfer_to'), h('span', { id: 'asked-transfer-to' }, details.transfer_to)] : null,
  ].filter(Boolean);
  const behalf = details.on_behalf;
  return section('subject', t('subject_title'),
    subject.verification ? facts([[t('subject_verification'), t(`verification_${subject.verification}`)]]) : null,
    behalf ? facts([
      [t('on_behalf'), h('span', { id: 'on-behalf' }, t('on_behalf_line', { channel: behalf.channel, by: behalf.filed_by, check: behalf.identity_check }))],
      behalf.representative ? [t('representative'), `${behalf.representative.name} (${behalf.representative.authority})`] : null,
    ]) : null,
    h('h3', {}, t('subject_on_file')),
    subject.on_file ? personalFacts(subject.record, 'record') : h('p', { class: 'muted', id: 'subject-not-on-file' }, t('subject_not_on_file')),
    subject.on_file && 'restricted' in subject ? facts([[t('restricted_title'), h('span', { id: 'subject-restricted' },
      subject.restricted ? t('restricted_line', { since: formatInstant(subject.restricted.since, zoneOf(view)), categories: categoryList(subject.restricted.categories) })
        : t('restricted_none'))]]) : null,
    Array.isArray(subject.consents) ? [h('h3', {}, t('consents_title')), subject.consents.length
      ? h('ul', { id: 'subject-consents' }, subject.consents.map((c) => h('li', { 'data-status': c.status },
        t('consent_line', { purpose: c.purpose, status: c.status, at: formatInstant(c.at, zoneOf(view)), version: c.policy_version, channel: c.channel }))))
      : h('p', { class: 'muted', id: 'subject-consents' }, t('none'))] : null,
    subject.given ? [h('h3', {}, t('subject_given')), personalFacts(subject.given, 'given')] : null,
    asked.length ? [h('h3', {}, t('asked_title')), facts(asked)] : null);
}

// Restricted categories as a reviewer reads them: none named is every one.
function categoryList(categories) {
  return Array.isArray(categories) && categories.length ? categories.map(fieldLabel).join(', ') : t('categories_all');
}

// The journal, with actors and every reason; the request's own history
// stands in if the journal cannot be read.
function timelinePanel(events, view, zone) {
  const items = events.value?.items ?? (view.history || []).map((e) => ({ ...e, to: e.status }));
  return section('timeline', t('timeline_title'),
    events.error ? problemBox(events.error) : null,
    items.length ? h('ol', { class: 'timeline', id: 'timeline-list' }, items.map((e) => h('li', { 'data-event': e.event },
      h('p', { class: 'timeline-head' },
        h('strong', {}, eventName(e.event)), ' ',
        h('time', { datetime: e.at }, formatInstant(e.at, zone))),
      h('p', { class: 'muted' },
        e.actor ? t('by_actor', { actor: e.actor, role: roleName(e.role) }) : null,
        e.to ? [e.actor ? ' · ' : '', e.from && e.from !== e.to ? t('state_change', { from: stateName(e.from), to: stateName(e.to) }) : stateName(e.to)] : null),
      e.reason ? h('p', { class: 'reason' }, h('span', { class: 'label' }, `${t('reason')}: `), e.reason,
        e.reason_public ? h('span', { class: 'badge badge-public' }, t('public_reason')) : null) : null,
      e.data && Object.keys(e.data).length ? h('p', { class: 'muted' }, Object.entries(e.data).map(([k, v]) => `${k}: ${v}`).join(', ')) : null)))
      : h('p', { class: 'muted' }, t('timeline_empty')));
}

function notificationsPanel(notifications, view, zone) {
  const n = notifications.value;
  const summary = n?.summary ?? view.recipient_notifications;
  return section('notifications', t('notifications_title'),
    notifications.error ? problemBox(notifications.error) : null,
    summary ? h('p', { id: 'notifications-summary' }, t('notifications_summary', summary)) : null,
    n?.items?.length
      ? h('div', { class: 'table-wrap' }, h('table', { id: 'notifications-table' },
        h('thead', {}, h('tr', {}, ['col_recipient', 'col_kind', 'col_status', 'col_attempts', 'col_delivered', 'col_acknowledged', 'col_last_error']
          .map((k) => h('th', { scope: 'col' }, t(k))))),
        h('tbody', {}, n.items.map((i) => h('tr', { 'data-status': i.status },
          h('td', {}, i.recipient_name), h('td', {}, i.recipient_kind),
          h('td', {}, h('span', { class: `badge badge-${i.status}` }, notificationStatusName(i.status))),
          h('td', {}, String(i.attempts)),
          h('td', {}, formatInstant(i.delivered_at, zone)), h('td', {}, formatInstant(i.acknowledged_at, zone)),
          h('td', {}, i.last_error ?? t('none')))))))
      : (notifications.error ? null : h('p', { class: 'muted' }, t('notifications_empty'))));
}

export async function renderRequest(main, app, id, { flash = null, focusTarget = null } = {}) {
  const heading = h('h1', { id: 'view-title', tabindex: '-1' }, t('request_title', { id }));
  const back = h('a', { href: '#/queue', class: 'back' }, `← ${t('back_to_queue')}`);
  replace(main, back, heading, h('p', { class: 'muted' }, t('loading')));
  if (!flash) focus(heading);

  const current = claim(main);
  const data = await loadAll(id, app);
  if (!current()) return;
  if (data.view.error) {
    const e = data.view.error;
    replace(main, back, heading, problemBox(e, e.status === 404 ? t('not_found') : e.status === 403 ? t('role_forbidden') : null));
    focus(main.querySelector('.problem'));
    return;
  }
  const view = data.view.value;
  const zone = zoneOf(view);
  const marker = markerBadge(dueMarker(view));
  const flashArea = h('div', { id: 'request-flash', class: 'flash' }, flash);
  const reloadButton = h('button', { type: 'button', id: 'reload', onclick: () => renderRequest(main, app, id) }, t('reload'));

  const ctx = { main, app, id, view, flashArea };
  replace(main,
    back,
    h('div', { class: 'title-row' }, heading, reloadButton),
    flashArea,
    h('div', { class: 'request-grid' },
      h('div', { class: 'column' },
        summaryPanel(view, zone),
        actionsPanel(ctx),
        deadlinePanel(view, zone, marker),
        subjectPanel(view)),
      h('div', { class: 'column' },
        noticesPanel(data.notices, zone),
        timelinePanel(data.events, view, zone),
        messagesPanel(ctx, data.messages, zone),
        notificationsPanel(data.notifications, view, zone))));

  if (focusTarget) focus(main.querySelector(focusTarget));
  else if (flash) focus(flash.matches?.('.problem, .notice') ? flash : flash.querySelector?.('.problem, .notice') || flash);
  else focus(heading);
}

function actionsPanel(ctx) {
  const { view, app, id } = ctx;
  const draft = draftOf(id);
  const allowed = Array.isArray(view.allowed_events) ? view.allowed_events : [];
  const events = allowed.filter((e) => !OWN_FORM.has(e));
  const content = [];

  if (allowed.includes('assign')) {
    if (view.assignee === app.me.name) content.push(h('p', { class: 'muted', id: 'assigned-to-me' }, t('assigned_to_you')));
    else content.push(h('p', {}, h('button', { type: 'button', id: 'assign-to-me', onclick: () => act(ctx, 'assign') }, t('assign_to_me'))));
  }

  if (events.length) {
    const rules = events.map((e) => [e, reasonRule(view, e)]);
    const needsBox = rules.some(([, r]) => r !== 'none');
    const required = rules.filter(([, r]) => r === 'required').map(([e]) => eventName(e));
    if (needsBox) {
      const hint = rules.every(([, r]) => r !== 'unknown')
        ? (required.length ? t('reason_hint_required', { events: required.join(', ') }) : '')
        : t('reason_hint_unknown');
      const box = h('textarea', { id: 'reason', name: 'reason', rows: '3', maxlength: '2000', 'aria-describedby': 'reason-hint' });
      box.value = draft.reason;
      box.addEventListener('input', () => { draft.reason = box.value; box.removeAttribute('aria-invalid'); });
      content.push(h('div', { class: 'field' }, h('label', { for: 'reason' }, t('reason_label')), box,
        h('p', { class: 'hint', id: 'reason-hint' }, hint)));
    }
    // A release to an authority may hold the subjects' notices until a
    // date, with the prohibition's basis as the reason (policy D.7).
    if (events.some((e) => view.event_rules?.[e]?.notice_prohibition)) {
      const until = h('input', { id: 'notice-prohibited-until', name: 'notice_prohibited_until', type: 'datetime-local',
                                 'aria-describedby': 'notice-prohibited-hint' });
      until.value = draft.prohibitedUntil ?? '';
      until.addEventListener('input', () => { draft.prohibitedUntil = until.value; });
      content.push(h('div', { class: 'field' },
        h('label', { for: 'notice-prohibited-until' }, t('prohibited_until_label', { zone: zoneName(zoneOf(view)) })), until,
        h('p', { class: 'hint', id: 'notice-prohibited-hint' }, t('prohibited_until_hint'))));
    }
    content.push(h('div', { class: 'action-buttons' }, rules.map(([e, rule]) =>
      h('button', { type: 'button', class: `action${e === 'reject' ? ' danger' : ''}`, 'data-event': e, onclick: () => act(ctx, e) },
        eventName(e), rule === 'required' ? h('span', { class: 'visually-hidden' }, ` ${t('reason_required_mark')}`) : null))));
  } else if (!allowed.includes('assign')) {
    content.push(h('p', { class: 'muted', id: 'no-actions' }, t('actions_none')));
  }
  // A reason the user typed for an event no longer offered (someone moved
  // the request on) is still shown, to copy from.
  if (!events.length && draft.reason) {
    content.push(h('div', { class: 'field' }, h('p', { class: 'label' }, t('unsent_reason')), h('p', { class: 'reason', id: 'unsent-reason' }, draft.reason)));
  }
  return section('actions', t('actions_title'), content);
}

function messagesPanel(ctx, messages, zone) {
  const { view, id } = ctx;
  const items = messages.value?.items ?? [];
  const draft = draftOf(id);
  let form = null;
  if ((view.allowed_events || []).includes('message')) {
    const body = h('textarea', { id: 'message-body', name: 'body', rows: '3', maxlength: '5000' });
    body.value = draft.message;
    body.addEventListener('input', () => { draft.message = body.value; });
    const status = h('div', { id: 'message-status' });
    form = h('form', { class: 'message-form', id: 'message-form', novalidate: true },
      h('label', { for: 'message-body' }, t('message_label')), body,
      h('button', { type: 'submit' }, t('message_send')), status);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      try {
        await postJson(`/v1/requests/${encodeURIComponent(id)}/messages`, { body: body.value });
        draft.message = '';
        await renderRequest(ctx.main, ctx.app, id, { flash: notice(t('message_sent')) });
      } catch (error) {
        replace(status, problemBox(error));
        if (error.status === 409) return renderRequest(ctx.main, ctx.app, id, { flash: problemBox(error, t('conflict_reloaded')) });
        focus(status.firstChild);
      }
    });
  }
  return section('messages', t('messages_title'),
    messages.error ? problemBox(messages.error) : null,
    items.length ? h('ol', { class: 'messages', id: 'message-list' }, items.map((m) => h('li', { class: `message from-${m.from}` },
      h('p', { class: 'timeline-head' },
        h('strong', {}, m.from === 'subject' ? t('from_subject') : (m.author ? t('from_staff', { author: m.author }) : t('from_staff_anonymous'))), ' ',
        h('time', { datetime: m.at }, formatInstant(m.at, zone))),
      h('p', { class: 'message-body' }, m.body))))
      : (messages.error ? null : h('p', { class: 'muted' }, t('messages_empty'))),
    form);
}

// Fires one event. Every answer ends in a fresh view of the request except
// a refusal that leaves the request as it was (403, 422): then the problem
// is shown where the user is, and what they typed stays.
async function act(ctx, event) {
  const { main, app, id, view, flashArea } = ctx;
  const draft = draftOf(id);
  // A step that takes no reason is not sent one: a note typed for another
  // step (which the subject might see) goes nowhere by mistake.
  const takesReason = reasonRule(view, event) !== 'none';
  const reason = takesReason ? draft.reason.trim() : '';
  const base = `/v1/requests/${encodeURIComponent(id)}`;
  for (const b of main.querySelectorAll('#actions button')) b.disabled = true;
  try {
    let after;
    if (event === 'assign') after = await postJson(`${base}/assignment`, { assignee: app.me.name, version: view.version });
    else if (event === 'extend') after = await postJson(`${base}/extension`, { reason, version: view.version });
    else {
      const body = reason ? { event, reason, version: view.version } : { event, version: view.version };
      if (view.event_rules?.[event]?.notice_prohibition && draft.prohibitedUntil)
        body.notice_prohibited_until = instantFromLocal(draft.prohibitedUntil, zoneOf(view));
      after = await postJson(`${base}/transitions`, body);
    }
    if (takesReason) draft.reason = '';  // sent: the next decision starts blank
    if (view.event_rules?.[event]?.notice_prohibition) draft.prohibitedUntil = '';  // sent with it
    const message = event === 'assign' ? t('assigned_done', { name: after.assignee ?? app.me.name })
      : t('action_done', { event: eventName(event), status: stateName(after.status) });
    await renderRequest(main, app, id, { flash: notice(message) });
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.status === 409) {
      // Someone else acted first (stale version), or the request moved on:
      // reload, and keep the reason in its box for the next decision.
      const moved = ['stale_version', 'not_allowed_in_state'].includes(error.kind);
      await renderRequest(main, app, id, { flash: problemBox(error, moved ? t('conflict_reloaded') : null) });
      return;
    }
    for (const b of main.querySelectorAll('#actions button')) b.disabled = false;
    const hint = error.kind === 'four_eyes_violated' ? t('four_eyes')
      : error.kind === 'role_not_allowed' ? t('role_forbidden')
      : error.kind === 'reason_missing' ? t('reason_needed') : null;
    const box = problemBox(error, hint);
    replace(flashArea, box);
    const reasonBox = main.querySelector('#reason');
    if (error.kind === 'reason_missing' && reasonBox) {
      reasonBox.setAttribute('aria-invalid', 'true');
      reasonBox.setAttribute('aria-describedby', 'reason-hint request-flash');
      focus(reasonBox);
    } else {
      focus(box);
    }
  }
}
