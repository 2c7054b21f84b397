// The MetaClip dashboard's script: fills the page's shell from the silo's live events (/api/events), follows the job
// from another silo's URL when the one that served the page is lost, and sends the actions (cancel, retry) with the
// page's CSRF token. Everything is built with DOM calls and textContent (no HTML from data); charts are drawn as SVG.
'use strict';
(() => {
  const body = document.body;
  const view = body.dataset.view;
  const jobId = body.dataset.job;
  const canOperate = body.dataset.operate === 'true';
  const csrf = body.dataset.csrf;
  const main = document.getElementById('main');
  const conn = document.getElementById('conn');
  const svgNs = 'http://www.w3.org/2000/svg';
  let silos = JSON.parse(body.dataset.silos || '[]');
  let base = '';
  let source = null;
  let failures = 0;
  let last = null;
  const query = { lp: 0, sort: 'texts', desc: true, sp: 0, curve: '' };

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'on') { for (const [ev, fn] of Object.entries(v)) node.addEventListener(ev, fn); } else node.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(svgNs, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    for (const c of children.flat()) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return node;
  }

  const num = n => n === null || n === undefined ? '–' : Number(n).toLocaleString('en-US');
  const when = t => !t || t.startsWith('0001-') ? '–' : new Date(t).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  const bytes = b => b === null || b === undefined ? '–' : (b / 1073741824).toFixed(2) + ' GiB';
  function duration(s) {
    if (s === null || s === undefined || !isFinite(s)) return '–';
    s = Math.round(s);
    const h = Math.floor(s / 3600), m = Math.floor(s % 3600 / 60), r = s % 60;
    return h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min ${r} s` : `${r} s`;
  }
  const badge = phase => el('span', { class: 'badge ' + phase.replace(/ /g, '-') }, phase);

  function table(id, columns, rows, opts) {
    const head = el('tr', {}, columns.map(c => {
      if (!c.sort || !opts || !opts.onSort) return el('th', { class: c.num ? 'num' : null }, c.title);
      const active = opts.sort === c.sort;
      return el('th', { class: (c.num ? 'num ' : '') + 'sortable' + (active ? ' sorted' : ''), 'data-sort': c.sort, on: { click: () => opts.onSort(c.sort) } },
        c.title + (active ? (opts.desc ? ' ▼' : ' ▲') : ''));
    }));
    return el('table', { id }, el('thead', {}, head), el('tbody', {}, rows));
  }

  function pager(paged, onPage) {
    if (!paged || paged.total <= paged.pageSize) return null;
    const pages = Math.ceil(paged.total / paged.pageSize);
    return el('div', { class: 'pager' },
      el('button', { disabled: paged.page === 0, on: { click: () => onPage(paged.page - 1) } }, '‹ previous'),
      ` page ${paged.page + 1} of ${pages} (${num(paged.total)} rows) `,
      el('button', { disabled: paged.page + 1 >= pages, on: { click: () => onPage(paged.page + 1) } }, 'next ›'));
  }

  function card(label, value, id) {
    return el('div', { class: 'card' }, el('div', { class: 'label' }, label), el('div', { class: 'value', id }, value));
  }

  // A log-log chart of counts by rank with a horizontal line at t_lang (the report's head/tail curve).
  function curveChart(curve) {
    const w = 640, h = 300, left = 56, bottom = 36, top = 12, right = 12;
    const ranks = curve.ranks, counts = curve.counts;
    const maxX = Math.log10(Math.max(10, ranks[ranks.length - 1] || 10));
    const maxY = Math.log10(Math.max(10, ...counts, curve.threshold || 1) * 1.5);
    const x = r => left + (Math.log10(Math.max(1, r)) / maxX) * (w - left - right);
    const y = c => h - bottom - (Math.log10(Math.max(1, c)) / maxY) * (h - top - bottom);
    const g = svg('svg', { viewBox: `0 0 ${w} ${h}`, class: 'chart', id: 'curve-chart', role: 'img', 'aria-label': `head/tail curve of ${curve.language}` });
    for (let p = 0; p <= Math.ceil(maxX); p++) {
      g.append(svg('line', { x1: x(10 ** p), x2: x(10 ** p), y1: top, y2: h - bottom, class: 'grid' }), svg('text', { x: x(10 ** p), y: h - bottom + 16, class: 'tick', 'text-anchor': 'middle' }, num(10 ** p)));
    }
    for (let p = 0; p <= Math.floor(maxY); p++) {
      g.append(svg('line', { x1: left, x2: w - right, y1: y(10 ** p), y2: y(10 ** p), class: 'grid' }), svg('text', { x: left - 6, y: y(10 ** p) + 4, class: 'tick', 'text-anchor': 'end' }, num(10 ** p)));
    }
    g.append(svg('polyline', { points: ranks.map((r, i) => `${x(r).toFixed(1)},${y(counts[i]).toFixed(1)}`).join(' '), class: 'curve' }));
    if (curve.threshold > 0) {
      g.append(svg('line', { x1: left, x2: w - right, y1: y(curve.threshold), y2: y(curve.threshold), class: 'threshold' }),
        svg('text', { x: w - right - 4, y: y(curve.threshold) - 6, class: 'tick threshold-label', 'text-anchor': 'end' }, `t_lang = ${num(curve.threshold)}`));
    }
    g.append(svg('text', { x: (w + left) / 2, y: h - 4, class: 'axis', 'text-anchor': 'middle' }, 'entry rank (log)'),
      svg('text', { x: 12, y: (h - bottom) / 2, class: 'axis', 'text-anchor': 'middle', transform: `rotate(-90 12 ${(h - bottom) / 2})` }, 'matches (log)'));
    return g;
  }

  function lossChart(points) {
    const w = 640, h = 240, left = 56, bottom = 30, top = 12, right = 12;
    const g = svg('svg', { viewBox: `0 0 ${w} ${h}`, class: 'chart', id: 'loss-chart', role: 'img', 'aria-label': 'training loss by step' });
    if (points.length === 0) return g;
    const maxX = Math.max(1, ...points.map(p => p[0])), maxY = Math.max(...points.map(p => p[1])) * 1.1, minY = Math.min(0, ...points.map(p => p[1]));
    const x = s => left + s / maxX * (w - left - right), y = v => h - bottom - (v - minY) / (maxY - minY || 1) * (h - top - bottom);
    g.append(svg('polyline', { points: points.map(p => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(' '), class: 'curve' }),
      svg('text', { x: left - 6, y: y(maxY / 1.1) + 4, class: 'tick', 'text-anchor': 'end' }, (maxY / 1.1).toFixed(2)),
      svg('text', { x: w - right, y: h - bottom + 16, class: 'tick', 'text-anchor': 'end' }, `step ${num(maxX)}`));
    return g;
  }

  async function act(action, confirmText, extra) {
    if (!window.confirm(confirmText)) return;
    const message = document.getElementById('action-message');
    try {
      const response = await fetch(`/api/jobs/${encodeURIComponent(jobId)}/${action}${extra || ''}`, { method: 'POST', headers: { 'X-MetaClip-Csrf': csrf }, credentials: 'same-origin' });
      message.textContent = response.ok ? `${action}: done` : `${action} refused: ${response.status} ${(await response.text()).trim()}`;
    } catch (e) {
      message.textContent = `${action} failed: this page's silo does not answer; open the job on another silo (${silos.join(', ')})`;
    }
  }

  function renderJobs(jobs) {
    main.replaceChildren(el('h1', {}, 'Jobs'), jobs.length === 0 ? el('p', { class: 'muted', id: 'no-jobs' }, 'No jobs on this cluster yet.') :
      table('jobs', [{ title: 'Job' }, { title: 'Kind' }, { title: 'Phase' }, { title: 'Progress' }, { title: 'Submitted' }, { title: 'Finished' }, { title: 'Input' }, { title: 'Output' }, { title: 'Submitted by' }],
        jobs.map(j => el('tr', { 'data-job': j.id }, el('td', {}, el('a', { href: '/jobs/' + encodeURIComponent(j.id) }, j.id)), el('td', {}, j.kind), el('td', { class: 'phase' }, badge(j.phase)),
          el('td', {}, j.progress), el('td', {}, when(j.submittedAt)), el('td', {}, when(j.finishedAt)), el('td', { class: 'path' }, j.input), el('td', { class: 'path' }, j.output),
          el('td', { class: 'by' }, j.submittedBy || '–')))));
  }

  function renderJob(page) {
    if (!page) { main.replaceChildren(el('h1', {}, 'No such job'), el('p', { id: 'not-found' }, `There is no job ${jobId} on this cluster.`)); return; }
    const job = page.job;
    const parts = [el('h1', {}, job.id, ' ', el('span', { id: 'phase' }, badge(job.phase))),
      el('p', { class: 'muted' }, `${job.kind} job · submitted ${when(job.submittedAt)}`, job.finishedAt ? ` · finished ${when(job.finishedAt)}` : '',
        job.submittedBy ? ` · by ${job.submittedBy}` : '', page.coordinator ? ` · coordinator ${page.coordinator}` : ''),
      el('p', { class: 'path' }, job.input, ' → ', job.output)];
    if (page.error) parts.push(el('p', { class: 'error', id: 'job-error' }, page.error));
    if (canOperate && (page.canCancel || page.canRetry)) {
      const skip = el('input', { type: 'checkbox', id: 'skip-bad-files' });
      parts.push(el('div', { class: 'actions' },
        page.canCancel ? el('button', { id: 'cancel', class: 'danger', on: { click: () => act('cancel', `Cancel job ${job.id}? Nothing of it is published and its intermediates are removed.`) } }, 'Cancel job') : null,
        page.canRetry ? el('span', {}, el('button', { id: 'retry', on: { click: () => act('retry', `Retry job ${job.id}${skip.checked ? ', leaving out bad files' : ''}?`, skip.checked ? '?skipBadFiles=true' : '') } }, 'Retry'),
          el('label', {}, skip, ' skip bad files')) : null));
    }
    parts.push(el('p', { id: 'action-message', class: 'muted' }));
    if (page.training) { parts.push(...trainingParts(page.training)); } else { parts.push(...curationParts(page)); }
    if (page.warnings.length) parts.push(el('h2', {}, 'Warnings and skipped files'), el('ul', { id: 'warnings' }, page.warnings.map(w => el('li', {}, w))));
    if (page.outputs.length) parts.push(el('h2', {}, 'Outputs'), el('ul', { id: 'outputs' }, page.outputs.map(o => el('li', { class: 'path' }, /^https?:/.test(o) ? el('a', { href: o }, o) : o))));
    main.replaceChildren(...parts.filter(p => p));
  }

  function curationParts(page) {
    const match = page.phases[1], sample = page.phases[3];
    const parts = [el('div', { class: 'cards' },
      card('shards matched', `${num(match.done)} / ${num(page.shards)}`, 'shards-matched'),
      card('shards sampled', `${num(sample.done)} / ${num(sample.total)}`, 'shards-sampled'),
      card('texts', num(page.texts), 'texts'),
      card('texts/s', page.textsPerSecond ? num(Math.round(page.textsPerSecond)) : '–', 'texts-per-second'),
      card('ETA (this phase)', duration(page.etaSeconds), 'eta'),
      card('re-runs', `${num(page.retries)} (${num(page.handBacks)} handed back)`, 'retries'),
      card('resumes', num(page.resumes), 'resumes')),
    el('h2', {}, 'Phases'),
    table('phases', [{ title: 'Phase' }, { title: 'State' }, { title: 'Done', num: true }, { title: 'Running', num: true }, { title: 'Of', num: true }],
      page.phases.map(p => el('tr', { 'data-phase': p.name }, el('td', {}, p.name), el('td', {}, badge(p.state)), el('td', { class: 'num' }, num(p.done)), el('td', { class: 'num' }, num(p.running)), el('td', { class: 'num' }, num(p.total)))))];
    if (page.running && page.running.total > 0) {
      parts.push(el('h2', {}, `Shards in flight (${num(page.running.total)})`),
        table('running', [{ title: 'Shard', num: true }, { title: 'Pass' }, { title: 'Run', num: true }, { title: 'Silo' }],
          page.running.rows.map(r => el('tr', {}, el('td', { class: 'num' }, r.index), el('td', {}, r.pass), el('td', { class: 'num' }, r.run), el('td', {}, r.silo)))),
        pager(page.running, p => { query.sp = p; reconnect(); }));
    }
    const langs = page.languages;
    const sortBy = key => { query.desc = query.sort === key ? !query.desc : key !== 'language'; query.sort = key; query.lp = 0; reconnect(); };
    parts.push(el('h2', {}, `Languages (${num(langs.total)})`),
      table('languages', [{ title: 'Language', sort: 'language' }, { title: 'Texts', sort: 'texts', num: true }, { title: 'Matched', sort: 'matched', num: true },
        { title: 't_lang', sort: 'tlang', num: true }, { title: 'Decided', sort: 'decided', num: true }, { title: 'Kept', sort: 'kept', num: true }],
      [...langs.rows.map(l => el('tr', { 'data-language': l.language }, el('td', {}, l.language), el('td', { class: 'num texts' }, num(l.texts)), el('td', { class: 'num matched' }, num(l.matched)),
        el('td', { class: 'num tlang' }, l.tLang === null ? '–' : num(l.tLang)), el('td', { class: 'num decided' }, num(l.decided)), el('td', { class: 'num kept' }, num(l.kept)))),
      el('tr', { class: 'totals', 'data-language': '' }, el('td', {}, 'all'), el('td', { class: 'num' }, num(page.totals.texts)), el('td', { class: 'num' }, num(page.totals.matched)),
        el('td', {}, ''), el('td', { class: 'num' }, num(page.totals.decided)), el('td', { class: 'num' }, num(page.totals.kept)))],
      { sort: page.sort, desc: page.descending, onSort: sortBy }),
      pager(langs, p => { query.lp = p; reconnect(); }));
    if (page.curve) {
      const select = el('select', { id: 'curve-language', on: { change: e => { query.curve = e.target.value; reconnect(); } } },
        page.curveLanguages.map(l => el('option', { value: l, selected: l === page.curve.language }, l)));
      parts.push(el('h2', {}, 'Head and tail: ', select), curveChart(page.curve));
    } else {
      parts.push(el('p', { class: 'muted' }, 'The head/tail curves appear once the thresholds are computed.'));
    }
    return parts;
  }

  function trainingParts(t) {
    return [el('div', { class: 'cards' },
      card('step', `${num(t.step)} / ${num(t.steps)}`, 'step'), card('loss', t.loss === null ? '–' : t.loss.toFixed(4), 'loss'),
      card('images/s', t.imagesPerSecond.toFixed(1), 'images-per-second'), card('epoch', num(t.epoch), 'epoch'),
      card('ETA', duration(t.remainingSeconds), 'eta'), card('silo', t.silo || '–', 'silo'), card('resumes', num(t.resumes), 'resumes')),
    t.detail ? el('p', { id: 'training-detail' }, t.detail) : null,
    el('h2', {}, 'Loss'), lossChart(t.lossCurve),
    t.run ? el('p', { class: 'path' }, 'run folder (checkpoints, metrics, eval): ', t.run) : null].filter(x => x);
  }

  function renderSilos(rows) {
    main.replaceChildren(el('h1', {}, 'Silos'),
      table('silos', [{ title: 'Silo' }, { title: 'Address' }, { title: 'Status' }, { title: 'Metadata' }, { title: 'Shards in flight', num: true }, { title: 'CPU', num: true },
        { title: 'Memory', num: true }, { title: 'Partitions hosted' }, { title: 'Started' }],
      rows.map(s => el('tr', { 'data-silo': s.name, class: s.thisSilo ? 'this' : null },
        el('td', {}, s.url ? el('a', { href: s.url + '/silos' }, s.name) : s.name, s.thisSilo ? ' (this page)' : ''), el('td', { class: 'path' }, s.address), el('td', {}, badge(s.status.toLowerCase())),
        el('td', { class: 'metadata' }, Object.keys(s.metadata).length === 0 ? 'none (cpu, no training)' : Object.entries(s.metadata).map(([k, v]) => el('span', { class: 'tag' }, `${k}=${v}`))), el('td', { class: 'num shards' }, num(s.shardsInFlight)),
        el('td', { class: 'num' }, s.cpuPercent === null ? '–' : s.cpuPercent.toFixed(0) + ' %'), el('td', { class: 'num' }, `${bytes(s.memoryBytes)} of ${bytes(s.totalMemoryBytes)}`),
        el('td', { class: 'partitions' }, s.partitions.length === 0 ? '–' : `${s.partitions.length}: ${s.partitions.slice(0, 12).join(', ')}${s.partitions.length > 12 ? ', …' : ''}`),
        el('td', {}, when(s.startedAt))))));
  }

  function render(data) {
    last = data;
    if (view === 'jobs') renderJobs(data); else if (view === 'job') renderJob(data); else renderSilos(data);
  }

  function params() {
    const p = new URLSearchParams({ view });
    if (view === 'job') {
      p.set('id', jobId); p.set('lp', query.lp); p.set('sort', query.sort); p.set('desc', query.desc); p.set('sp', query.sp);
      if (query.curve) p.set('curve', query.curve);
    }
    return p.toString();
  }

  function connect() {
    source = new EventSource(`${base}/api/events?${params()}`, { withCredentials: base !== '' });
    source.addEventListener('update', e => {
      failures = 0;
      const message = JSON.parse(e.data);
      if (message.silos && message.silos.length) silos = message.silos;
      conn.textContent = `live · ${base || location.origin}`;
      conn.className = 'conn live';
      body.dataset.source = base || location.origin;
      render(message.data);
    });
    source.onerror = () => {
      source.close();
      failures++;
      conn.textContent = 'reconnecting…';
      conn.className = 'conn lost';
      setTimeout(failover, Math.min(5000, 250 * failures));
    };
  }

  // The next silo to follow from: this page's own, then the others the cluster named, in turn.
  function failover() {
    const candidates = [location.origin, ...silos.filter(u => u !== location.origin)];
    const at = candidates.indexOf(base || location.origin);
    const next = candidates[(at + 1) % candidates.length];
    base = next === location.origin ? '' : next;
    connect();
  }

  function reconnect() { if (source) source.close(); connect(); }

  window.metaclip = { get last() { return last; }, get base() { return base; } };
  connect();
})();
