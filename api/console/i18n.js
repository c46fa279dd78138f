// Every string the console shows, in Indonesian (the default) and English,
// and the formatting of dates in a policy's time zone. No other module
// holds user-visible text: a translator edits this file only.

const STORAGE_KEY = 'dsr.console.lang';

const dictionary = {
  id: {
    app_title: 'Konsol back office DSR',
    skip_to_content: 'Langsung ke isi',
    switch_language: 'English',
    switch_language_label: 'Switch to English',
    signed_in_as: 'Masuk sebagai {name} ({role})',
    institution: 'instansi {institution}',
    sign_out: 'Keluar',
    sign_in_title: 'Masuk',
    sign_in_intro: 'Tempelkan token petugas Anda (dsr_...). Token hanya disimpan di tab ini dan hilang saat tab ditutup.',
    token_label: 'Token petugas',
    sign_in: 'Masuk',
    signing_in: 'Memeriksa token…',
    token_empty: 'Tempelkan token terlebih dahulu.',
    session_ended: 'Sesi berakhir: token tidak lagi diterima. Masuk lagi.',
    signed_out: 'Anda sudah keluar.',
    by_certificate: 'dengan sertifikat',
    certificate_none: 'Server ini memasukkan staf dengan sertifikat mereka, tetapi browser Anda tidak menyerahkan sertifikat. Pasang sertifikat yang diterbitkan untuk Anda, tutup dan buka kembali browser, lalu muat ulang halaman ini; atau masuk dengan token di bawah.',
    certificate_ended: 'Sertifikat Anda tidak lagi diterima. Muat ulang halaman ini untuk melihat alasannya.',
    nav_label: 'Navigasi utama',
    nav_queue: 'Antrean',
    nav_report: 'Laporan SLA',
    loading: 'Memuat…',

    queue_title: 'Antrean permintaan',
    queue_intro: 'Jatuh tempo paling awal di atas. Waktu dalam {zone}.',
    filters: 'Saring',
    filter_type: 'Jenis',
    filter_status: 'Status',
    filter_assignee: 'Petugas',
    filter_mine: 'Hanya milik saya',
    filter_overdue: 'Hanya yang terlambat',
    filter_limit: 'Per halaman',
    filter_any: 'Semua',
    filter_apply: 'Terapkan',
    filter_reset: 'Atur ulang',
    col_id: 'ID',
    col_type: 'Jenis',
    col_status: 'Status',
    col_received: 'Diterima',
    col_due: 'Jatuh tempo',
    col_assignee: 'Petugas',
    unassigned: 'belum ditugaskan',
    queue_empty: 'Tidak ada permintaan yang cocok dengan saringan ini.',
    queue_count: '{count} permintaan di halaman ini',
    page_next: 'Halaman berikutnya',
    page_previous: 'Halaman sebelumnya',
    page_number: 'Halaman {page}',
    overdue: 'Terlambat',
    due_today: 'Jatuh tempo hari ini',
    paused: 'Jam berhenti',

    back_to_queue: 'Kembali ke antrean',
    request_title: 'Permintaan {id}',
    reload: 'Muat ulang',
    summary: 'Ringkasan',
    field_type: 'Jenis',
    field_status: 'Status',
    field_version: 'Versi',
    field_policy: 'Kebijakan',
    field_received: 'Diterima',
    field_assignee: 'Petugas',
    field_outcome: 'Hasil',
    due_title: 'Tenggat',
    field_due: 'Jatuh tempo',
    field_extended_due: 'Jatuh tempo bila diperpanjang',
    field_acknowledge_by: 'Konfirmasi paling lambat',
    field_extended: 'Diperpanjang',
    field_statutory: 'Tenggat undang-undang',
    field_clock: 'Jam SLA',
    clock_running: 'berjalan',
    clock_paused: 'berhenti',
    explanation: 'Penjelasan',
    segments_title: 'Segmen jam',
    seg_start: 'Mulai',
    seg_end: 'Selesai',
    seg_state: 'Jam',
    seg_cause: 'Sebab',
    seg_open: 'masih berjalan',
    yes: 'ya',
    no: 'tidak',
    none: '—',
    subject_title: 'Subjek data',
    subject_missing: 'Rincian subjek tidak ditampilkan untuk peran Anda (minimalisasi data).',
    subject_on_file: 'Data yang tersimpan',
    subject_not_on_file: 'Tidak ada data subjek yang tersimpan untuk permintaan ini.',
    subject_given: 'Data pada formulir',
    subject_verification: 'Verifikasi',
    verification_code: 'kode ke kontak yang tersimpan',
    verification_manual_contact_mismatch: 'manual: kontak tidak cocok dengan data tersimpan',
    verification_manual_no_record: 'manual: tidak ada data tersimpan',
    verification_on_behalf: 'diajukan petugas atas nama subjek (identitas diperiksa saat itu)',
    on_behalf: 'Atas nama subjek',
    on_behalf_line: 'melalui {channel} oleh {by}: {check}',
    representative: 'Kuasa',
    question: 'Pertanyaan',
    purpose: 'Tujuan yang ditarik persetujuannya',
    categories: 'Kategori dibatasi',
    categories_all: 'semua kategori',
    export_format: 'Format',
    transfer_to: 'Dikirim ke pengendali',
    restricted_title: 'Pembatasan pemrosesan',
    restricted_line: 'sejak {since}: {categories}',
    restricted_none: 'tidak ada',
    consents_title: 'Persetujuan tercatat',
    consent_line: '{purpose}: {status} ({at}, versi kebijakan {version}, melalui {channel})',
    field_duplicate_of: 'Duplikat dari',
    asked_title: 'Yang diminta',
    corrections: 'Perbaikan',
    correction_line: '{field}: {requested}',
    decision_reference: 'Keputusan yang dikeberatkan',
    grounds: 'Alasan',
    pd_name: 'Nama', pd_nik: 'NIK', pd_nip: 'NIP', pd_organization: 'Instansi', pd_unit: 'Unit kerja',
    pd_position: 'Jabatan', pd_email: 'Surel', pd_phone: 'Telepon', pd_face_photo: 'Foto wajah',
    timeline_title: 'Riwayat',
    timeline_empty: 'Belum ada peristiwa.',
    by_actor: 'oleh {actor} ({role})',
    reason: 'Alasan',
    public_reason: 'dapat dilihat subjek',
    state_change: '{from} → {to}',
    notifications_title: 'Pemberitahuan ke penerima',
    notifications_empty: 'Belum ada penerima yang diberi tahu.',
    notifications_summary: 'Menunggu {pending}, terkirim {delivered}, dikonfirmasi {acknowledged}, gagal {failed}',
    col_recipient: 'Penerima',
    col_kind: 'Jenis',
    col_attempts: 'Percobaan',
    col_last_error: 'Galat terakhir',
    nav_breach: 'Pemberitahuan kegagalan',
    breach_title: 'Ajukan pemberitahuan kegagalan pelindungan data',
    breach_intro: 'UU 27/2022 Pasal 46: pemberitahuan tertulis kepada subjek dan lembaga paling lambat 3 x 24 jam sejak kegagalan diketahui. Supervisor lain menyetujui teksnya sebelum dikirim.',
    breach_description: 'Yang terjadi',
    breach_occurred_at: 'Waktu kejadian ({zone})',
    breach_discovered_at: 'Diketahui pada ({zone})',
    breach_discovered_hint: 'Tenggat 72 jam dihitung dari saat ini, bukan dari pengajuan.',
    breach_categories: 'Data yang terkait',
    breach_categories_hint: 'Dipisah koma, misalnya: name, email, phone',
    breach_measures: 'Upaya penanganan dan pemulihan',
    breach_affected: 'Subjek terdampak',
    breach_by_organization: 'Semua subjek satu organisasi',
    breach_by_niks: 'Daftar NIK',
    breach_organization: 'Organisasi (persis seperti tercatat)',
    breach_niks: 'NIK',
    breach_niks_hint: 'Satu NIK per baris, paling banyak 3.000.',
    breach_file: 'Ajukan untuk disetujui',
    filing_title: 'Isi pengajuan',
    filed_occurred: 'Waktu kejadian',
    filed_categories: 'Data terkait',
    filed_discovered: 'Diketahui pada',
    filed_authority: 'Instansi',
    filed_legal_basis: 'Dasar hukum',
    filed_document: 'Nomor dokumen',
    filed_affected: 'Subjek',
    filed_organization: 'semua subjek {organization}',
    filed_niks: '{count} NIK',
    notices_title: 'Pemberitahuan kepada subjek',
    notices_summary: 'Menunggu {pending}, terkirim {delivered}, gagal {failed}',
    notices_empty: 'Belum ada pemberitahuan kepada subjek.',
    col_subject: 'Subjek',
    col_held_until: 'Ditahan sampai',
    prohibited_until_label: 'Pemberitahuan kepada subjek dilarang sampai ({zone}, boleh kosong)',
    prohibited_until_hint: 'Hanya bila instansi melarang pemberitahuan: tulis dasar hukum larangan sebagai alasan. Pemberitahuan terkirim sendiri saat larangan berakhir.',
    col_delivered: 'Terkirim',
    col_acknowledged: 'Dikonfirmasi',
    messages_title: 'Korespondensi',
    messages_empty: 'Belum ada pesan.',
    from_subject: 'Subjek',
    from_staff: 'Petugas {author}',
    from_staff_anonymous: 'Petugas',
    message_label: 'Pesan baru untuk subjek',
    message_send: 'Kirim pesan',
    message_sent: 'Pesan terkirim.',

    actions_title: 'Tindakan',
    actions_none: 'Tidak ada tindakan yang dapat Anda lakukan sekarang pada permintaan ini.',
    assign_to_me: 'Tugaskan ke saya',
    assigned_to_you: 'Permintaan ini ditugaskan kepada Anda.',
    reason_label: 'Alasan',
    reason_hint_unknown: 'Sebagian langkah wajib disertai alasan; server akan memberi tahu bila alasan kurang. Teks yang Anda ketik tetap tersimpan bila terjadi konflik.',
    reason_hint_required: 'Wajib untuk: {events}.',
    reason_required_mark: '(perlu alasan)',
    reason_needed: 'Langkah ini memerlukan alasan: isi kotak Alasan lalu coba lagi.',
    action_done: '“{event}” berhasil. Status sekarang: {status}.',
    assigned_done: 'Ditugaskan kepada {name}.',
    conflict_reloaded: 'Orang lain bertindak lebih dahulu. Permintaan sudah dimuat ulang; periksa lagi lalu putuskan. Alasan yang Anda ketik masih ada.',
    four_eyes: 'Aturan empat mata: langkah ini harus dilakukan oleh petugas lain.',
    role_forbidden: 'Peran Anda tidak diizinkan melakukan ini.',
    not_found: 'Permintaan tidak ditemukan, atau di luar wewenang Anda.',
    unsent_reason: 'Alasan yang belum terkirim',

    report_title: 'Laporan SLA',
    report_intro: 'Permintaan yang diterima dalam periode, dijawab tepat waktu atau terlambat, dan yang masih terbuka.',
    report_from: 'Dari tanggal',
    report_to: 'Sampai tanggal',
    report_show: 'Tampilkan laporan',
    report_csv: 'Unduh CSV',
    report_json: 'Unduh JSON',
    report_frame: 'Laporan SLA',
    report_downloaded: 'Berkas {file} diunduh.',

    error_title: 'Galat',
    error_status: 'HTTP {status}',
    field_errors: 'Isian yang salah:',
    network_error: 'Server tidak dapat dihubungi: {message}',
    bad_answer: 'Jawaban server tidak dapat dibaca (HTTP {status}).',

    roles: { admin: 'admin', verifier: 'verifikator', reviewer: 'peninjau', supervisor: 'supervisor', auditor: 'auditor',
             system: 'sistem', institution: 'instansi', subject: 'subjek', scheduler: 'penjadwal' },
    types: { access: 'Akses', rectification: 'Perbaikan', erasure: 'Penghapusan',
             automated_decision_objection: 'Keberatan keputusan otomatis', inquiry: 'Pertanyaan',
             consent_withdrawal: 'Penarikan persetujuan', restriction: 'Pembatasan pemrosesan',
             portability: 'Portabilitas data', breach_notice: 'Pemberitahuan kegagalan pelindungan data',
             authority_request: 'Permintaan instansi berwenang' },
    states: { received: 'diterima', verifying: 'verifikasi', in_review: 'ditinjau', second_review: 'tinjauan kedua',
              awaiting_subject: 'menunggu subjek', on_hold: 'ditahan', fulfilling: 'dipenuhi',
              notifying_recipients: 'memberi tahu penerima', completed: 'selesai',
              partially_completed: 'selesai sebagian', rejected: 'ditolak', withdrawn: 'dicabut', expired: 'kedaluwarsa' },
    events: { submit: 'Diajukan', verify: 'Verifikasi kode', verify_manually: 'Verifikasi manual', approve: 'Setujui',
              reject: 'Tolak', request_info: 'Minta informasi', reply: 'Balasan subjek', hold: 'Tahan',
              resume: 'Lanjutkan', fulfil: 'Penuhi', complete: 'Selesaikan', complete_partially: 'Selesaikan sebagian',
              complete_unacknowledged: 'Tutup tanpa semua konfirmasi', withdraw: 'Cabut', assign: 'Tugaskan',
              extend: 'Perpanjang tenggat', message: 'Pesan', expire: 'Kedaluwarsa', remind: 'Pengingat',
              uphold: 'Pertahankan keputusan', overturn: 'Batalkan keputusan', answer: 'Jawab',
              restrict: 'Batasi pemrosesan', announce_lift: 'Umumkan pencabutan pembatasan',
              lift_restriction: 'Cabut pembatasan', check_basis: 'Dasar hukum diperiksa' },
    notification_status: { pending: 'menunggu', delivered: 'terkirim', acknowledged: 'dikonfirmasi', failed: 'gagal' },
  },
  en: {
    app_title: 'DSR back-office console',
    skip_to_content: 'Skip to content',
    switch_language: 'Bahasa Indonesia',
    switch_language_label: 'Ganti ke Bahasa Indonesia',
    signed_in_as: 'Signed in as {name} ({role})',
    institution: 'institution {institution}',
    sign_out: 'Sign out',
    sign_in_title: 'Sign in',
    sign_in_intro: 'Paste your staff token (dsr_...). It is kept in this tab only and is gone when the tab closes.',
    token_label: 'Staff token',
    sign_in: 'Sign in',
    signing_in: 'Checking the token…',
    token_empty: 'Paste a token first.',
    session_ended: 'Session ended: the token is no longer accepted. Sign in again.',
    signed_out: 'You are signed out.',
    by_certificate: 'with a certificate',
    certificate_none: 'This server signs staff in with their certificates, but your browser presented none. Install the certificate issued to you, close and reopen the browser, then reload this page; or sign in with a token below.',
    certificate_ended: 'Your certificate is no longer accepted. Reload this page to see why.',
    nav_label: 'Main navigation',
    nav_queue: 'Queue',
    nav_report: 'SLA report',
    loading: 'Loading…',

    queue_title: 'Request queue',
    queue_intro: 'Oldest due first. Times in {zone}.',
    filters: 'Filter',
    filter_type: 'Type',
    filter_status: 'Status',
    filter_assignee: 'Assignee',
    filter_mine: 'Mine only',
    filter_overdue: 'Overdue only',
    filter_limit: 'Per page',
    filter_any: 'All',
    filter_apply: 'Apply',
    filter_reset: 'Reset',
    col_id: 'ID',
    col_type: 'Type',
    col_status: 'Status',
    col_received: 'Received',
    col_due: 'Due',
    col_assignee: 'Assignee',
    unassigned: 'unassigned',
    queue_empty: 'No request matches these filters.',
    queue_count: '{count} requests on this page',
    page_next: 'Next page',
    page_previous: 'Previous page',
    page_number: 'Page {page}',
    overdue: 'Overdue',
    due_today: 'Due today',
    paused: 'Clock paused',

    back_to_queue: 'Back to the queue',
    request_title: 'Request {id}',
    reload: 'Reload',
    summary: 'Summary',
    field_type: 'Type',
    field_status: 'Status',
    field_version: 'Version',
    field_policy: 'Policy',
    field_received: 'Received',
    field_assignee: 'Assignee',
    field_outcome: 'Outcome',
    due_title: 'Deadline',
    field_due: 'Due',
    field_extended_due: 'Due if extended',
    field_acknowledge_by: 'Acknowledge by',
    field_extended: 'Extended',
    field_statutory: 'Statutory deadline',
    field_clock: 'SLA clock',
    clock_running: 'running',
    clock_paused: 'paused',
    explanation: 'Explanation',
    segments_title: 'Clock segments',
    seg_start: 'Start',
    seg_end: 'End',
    seg_state: 'Clock',
    seg_cause: 'Cause',
    seg_open: 'still running',
    yes: 'yes',
    no: 'no',
    none: '—',
    subject_title: 'Data subject',
    subject_missing: 'Subject details are not shown to your role (data minimisation).',
    subject_on_file: 'On file',
    subject_not_on_file: 'No record of this subject is on file.',
    subject_given: 'On the form',
    subject_verification: 'Verification',
    verification_code: 'code to the contact on file',
    verification_manual_contact_mismatch: 'by hand: the contact does not match the record',
    verification_manual_no_record: 'by hand: no record on file',
    verification_on_behalf: 'filed by an officer on the subject\'s behalf (identity checked then)',
    on_behalf: 'On the subject\'s behalf',
    on_behalf_line: 'by {channel}, filed by {by}: {check}',
    representative: 'Representative',
    question: 'Question',
    purpose: 'Purpose whose consent is withdrawn',
    categories: 'Categories restricted',
    categories_all: 'every category',
    export_format: 'Format',
    transfer_to: 'To be sent to controller',
    restricted_title: 'Restriction of processing',
    restricted_line: 'since {since}: {categories}',
    restricted_none: 'none',
    consents_title: 'Consents on file',
    consent_line: '{purpose}: {status} ({at}, policy version {version}, through {channel})',
    field_duplicate_of: 'Duplicate of',
    asked_title: 'What was asked',
    corrections: 'Corrections',
    correction_line: '{field}: {requested}',
    decision_reference: 'Decision objected to',
    grounds: 'Grounds',
    pd_name: 'Name', pd_nik: 'NIK', pd_nip: 'NIP', pd_organization: 'Organisation', pd_unit: 'Unit',
    pd_position: 'Position', pd_email: 'E-mail', pd_phone: 'Phone', pd_face_photo: 'Face photo',
    timeline_title: 'Timeline',
    timeline_empty: 'No events yet.',
    by_actor: 'by {actor} ({role})',
    reason: 'Reason',
    public_reason: 'visible to the subject',
    state_change: '{from} → {to}',
    notifications_title: 'Recipient notifications',
    notifications_empty: 'No recipient has been notified.',
    notifications_summary: 'Pending {pending}, delivered {delivered}, acknowledged {acknowledged}, failed {failed}',
    col_recipient: 'Recipient',
    col_kind: 'Kind',
    col_attempts: 'Attempts',
    col_last_error: 'Last error',
    nav_breach: 'Breach notice',
    breach_title: 'File a breach notice',
    breach_intro: 'UU 27/2022 Pasal 46: written notice to the subjects and the agency within 3 x 24 hours of the failure becoming known. Another supervisor approves the text before it goes out.',
    breach_description: 'What happened',
    breach_occurred_at: 'When it happened ({zone})',
    breach_discovered_at: 'When it became known ({zone})',
    breach_discovered_hint: 'The 72 hours count from this moment, not from the filing.',
    breach_categories: 'Data concerned',
    breach_categories_hint: 'Separated by commas, for example: name, email, phone',
    breach_measures: 'Handling and recovery',
    breach_affected: 'Affected subjects',
    breach_by_organization: 'Every subject of one organisation',
    breach_by_niks: 'A list of NIKs',
    breach_organization: 'Organisation (exactly as on record)',
    breach_niks: 'NIKs',
    breach_niks_hint: 'One NIK per line, at most 3,000.',
    breach_file: 'File for approval',
    filing_title: 'As filed',
    filed_occurred: 'When it happened',
    filed_categories: 'Data concerned',
    filed_discovered: 'When it became known',
    filed_authority: 'Authority',
    filed_legal_basis: 'Legal basis',
    filed_document: 'Document',
    filed_affected: 'Subjects',
    filed_organization: 'every subject of {organization}',
    filed_niks: '{count} NIK(s)',
    notices_title: 'Notices to the subjects',
    notices_summary: 'Pending {pending}, delivered {delivered}, failed {failed}',
    notices_empty: 'No notice to a subject yet.',
    col_subject: 'Subject',
    col_held_until: 'Held until',
    prohibited_until_label: 'Telling the subjects is prohibited until ({zone}, may be left empty)',
    prohibited_until_hint: 'Only when the authority forbids it: give the prohibition\'s legal basis as the reason. The notices go out by themselves when it ends.',
    col_delivered: 'Delivered',
    col_acknowledged: 'Acknowledged',
    messages_title: 'Correspondence',
    messages_empty: 'No messages yet.',
    from_subject: 'Subject',
    from_staff: 'Staff {author}',
    from_staff_anonymous: 'Staff',
    message_label: 'New message to the subject',
    message_send: 'Send message',
    message_sent: 'Message sent.',

    actions_title: 'Actions',
    actions_none: 'There is nothing you can do on this request right now.',
    assign_to_me: 'Assign to me',
    assigned_to_you: 'This request is assigned to you.',
    reason_label: 'Reason',
    reason_hint_unknown: 'Some steps need a reason; the server says so if one is missing. What you type is kept if someone else acts first.',
    reason_hint_required: 'Required for: {events}.',
    reason_required_mark: '(needs a reason)',
    reason_needed: 'This step needs a reason: fill in the Reason box and try again.',
    action_done: '“{event}” done. The status is now: {status}.',
    assigned_done: 'Assigned to {name}.',
    conflict_reloaded: 'Someone else acted first. The request has been reloaded; look again, then decide. The reason you typed is still there.',
    four_eyes: 'Four-eyes rule: this step must be taken by another member of staff.',
    role_forbidden: 'Your role may not do this.',
    not_found: 'No such request, or it is outside your scope.',
    unsent_reason: 'Reason not yet sent',

    report_title: 'SLA report',
    report_intro: 'Requests received in the period, answered on time or late, and those open now.',
    report_from: 'From date',
    report_to: 'To date',
    report_show: 'Show report',
    report_csv: 'Download CSV',
    report_json: 'Download JSON',
    report_frame: 'SLA report',
    report_downloaded: 'Downloaded {file}.',

    error_title: 'Error',
    error_status: 'HTTP {status}',
    field_errors: 'Fields to correct:',
    network_error: 'The server cannot be reached: {message}',
    bad_answer: 'The server\'s answer could not be read (HTTP {status}).',

    roles: { admin: 'admin', verifier: 'verifier', reviewer: 'reviewer', supervisor: 'supervisor', auditor: 'auditor',
             system: 'system', institution: 'institution', subject: 'subject', scheduler: 'scheduler' },
    types: { access: 'Access', rectification: 'Rectification', erasure: 'Erasure',
             automated_decision_objection: 'Automated decision objection', inquiry: 'Inquiry',
             consent_withdrawal: 'Consent withdrawal', restriction: 'Restriction of processing',
             portability: 'Data portability', breach_notice: 'Breach notice', authority_request: 'Authority request' },
    states: { received: 'received', verifying: 'verifying', in_review: 'in review', second_review: 'second review',
              awaiting_subject: 'awaiting subject', on_hold: 'on hold', fulfilling: 'fulfilling',
              notifying_recipients: 'notifying recipients', completed: 'completed',
              partially_completed: 'partially completed', rejected: 'rejected', withdrawn: 'withdrawn', expired: 'expired' },
    events: { submit: 'Submitted', verify: 'Verified by code', verify_manually: 'Verify manually', approve: 'Approve',
              reject: 'Reject', request_info: 'Request information', reply: 'Subject replied', hold: 'Hold',
              resume: 'Resume', fulfil: 'Fulfil', complete: 'Complete', complete_partially: 'Complete partially',
              complete_unacknowledged: 'Close without every acknowledgement', withdraw: 'Withdraw', assign: 'Assign',
              extend: 'Extend deadline', message: 'Message', expire: 'Expire', remind: 'Reminder',
              uphold: 'Uphold decision', overturn: 'Overturn decision', answer: 'Answer',
              restrict: 'Restrict processing', announce_lift: 'Announce the lifting',
              lift_restriction: 'Lift the restriction', check_basis: 'Legal basis checked' },
    notification_status: { pending: 'pending', delivered: 'delivered', acknowledged: 'acknowledged', failed: 'failed' },
  },
};

let current = readStoredLanguage();

function readStoredLanguage() {
  // The language is not a secret: localStorage keeps it across tabs.
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    return stored === 'en' ? 'en' : 'id';
  } catch {
    return 'id';
  }
}

export function language() { return current; }

export function setLanguage(lang) {
  current = lang === 'en' ? 'en' : 'id';
  try { localStorage.setItem(STORAGE_KEY, current); } catch { /* private mode: this tab only */ }
  document.documentElement.lang = current;
}

// t('queue_count', {count: 3}); a missing key shows itself, so that a gap
// in the dictionary is visible rather than silently blank.
export function t(key, vars = {}) {
  const text = dictionary[current][key] ?? dictionary.id[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

// Names of workflow things (states, events, roles, types): the server's
// own name when the dictionary has none, e.g. for a workflow added later.
function named(group, name) {
  if (name === null || name === undefined || name === '') return t('none');
  return dictionary[current][group]?.[name] ?? name;
}
export const stateName = (s) => named('states', s);
export const eventName = (e) => named('events', e);
export const roleName = (r) => named('roles', r);
export const typeName = (ty) => named('types', ty);
export const notificationStatusName = (s) => named('notification_status', s);
export const knownTypes = () => Object.keys(dictionary.id.types);
export const knownStates = () => Object.keys(dictionary.id.states);

// The time zone of a request's policy: the server names it in every view.
export const DEFAULT_ZONE = 'Asia/Jakarta';
export function zoneOf(item) {
  return item?.time_zone || DEFAULT_ZONE;
}

// Indonesia's zones have names everyone uses (WIB, WITA, WIT); Intl gives
// them only in Indonesian, so they are fixed here for both languages.
const zoneNames = { 'Asia/Jakarta': 'WIB', 'Asia/Pontianak': 'WIB', 'Asia/Makassar': 'WITA', 'Asia/Jayapura': 'WIT' };
export function zoneName(zone) {
  if (zoneNames[zone]) return zoneNames[zone];
  const part = new Intl.DateTimeFormat('en-GB', { timeZone: zone, timeZoneName: 'short' })
    .formatToParts(new Date()).find((p) => p.type === 'timeZoneName');
  return part ? part.value : zone;
}

const locales = { id: 'id-ID', en: 'en-GB' };

// "4 Mar 2025 09.15 WIB": an RFC 3339 instant shown in the policy's zone.
export function formatInstant(iso, zone = DEFAULT_ZONE) {
  if (!iso) return t('none');
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const text = new Intl.DateTimeFormat(locales[current], {
    timeZone: zone, day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false,
  }).format(date);
  return `${text} ${zoneName(zone)}`;
}

// What a datetime-local field's "2026-12-05T09:30" means in `zone`, as an
// RFC 3339 instant with its offset; '' stays '' (the server says it is missing).
export function instantFromLocal(value, zone = DEFAULT_ZONE) {
  if (!value) return '';
  const asUtc = new Date(`${value}:00Z`);
  if (Number.isNaN(asUtc.getTime())) return value;
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', {
    timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false,
  }).formatToParts(asUtc).map((p) => [p.type, p.value]));
  const shown = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour % 24, +parts.minute);
  const offsetMinutes = Math.round((shown - asUtc.getTime()) / 60000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${value}:00${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

// The calendar day (YYYY-MM-DD) of an instant in a zone: what "due today"
// means to the officer, whatever the browser's own zone.
export function dayIn(date, zone) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' })
    .format(date);
}
