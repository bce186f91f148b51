'use strict';
// The Delta CI dashboard: a page of the control API that reads and steers runs through that API
// only. No framework and no build step; every text from the API goes into the page as text
// (textContent, never innerHTML), and the key stays in this tab's session storage.
(() => {
  const KEY = 'delta.apiKey';
  const TERMINAL_RUN = ['SUCCEEDED', 'FAILED', 'CANCELLED'];
  const TERMINAL_JOB = ['SUCCEEDED', 'FAILED', 'CANCELLED', 'TIMED_OUT', 'SKIPPED'];
  const view = document.getElementById('view');
  let leave = () => {};

  // --- building the page --------------------------------------------------------------------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    setAttrs(node, attrs);
    append(node, children);
    return node;
  }

  function svg(tag, attrs, ...children) {
    const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
    setAttrs(node, attrs);
    append(node, children);
    return node;
  }

  function setAttrs(node, attrs) {
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
      else if (name === 'text') node.textContent = value;
      else node.setAttribute(name, value === true ? '' : String(value));
    }
  }

  function append(node, children) {
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }

  function badge(state) {
    return el('span', {class: 'badge s-' + state, text: state.replace('_', ' ')});
  }

  function toast(message, bad) {
    const box = document.getElementById('toast');
    box.textContent = message;
    box.className = bad ? 'bad' : '';
    box.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { box.hidden = true; }, 5000);
  }

  function duration(ms) {
    if (ms === null || ms === undefined) return '–';
    if (ms < 1000) return ms + ' ms';
    if (ms < 60000) return (ms / 1000).toFixed(1) + ' s';
    const s = Math.floor(ms / 1000);
    if (s < 3600) return Math.floor(s / 60) + 'm ' + String(s % 60).padStart(2, '0') + 's';
    return Math.floor(s / 3600) + 'h ' + String(Math.floor(s / 60) % 60).padStart(2, '0') + 'm';
  }

  function ago(epochMs) {
    if (!epochMs) return '–';
    const s = Math.max(0, Math.round((Date.now() - epochMs) / 1000));
    if (s < 60) return s + ' s ago';
    if (s < 3600) return Math.floor(s / 60) + ' min ago';
    if (s < 86400) return Math.floor(s / 3600) + ' h ago';
    return new Date(epochMs).toLocaleDateString();
  }

  function absolute(epochMs) {
    return epochMs ? new Date(epochMs).toLocaleString() : '–';
  }

  function short(sha) {
    return sha ? sha.slice(0, 7) : '–';
  }

  // --- the API ------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function api(path, options) {
    const key = sessionStorage.getItem(KEY);
    if (!key) throw new ApiError(401, 'not signed in');
    const response = await fetch(path, {
      method: options && options.method || 'GET',
      headers: {'authorization': 'Bearer ' + key, 'content-type': 'application/json'},
      body: options && options.body ? JSON.stringify(options.body) : undefined,
      cache: 'no-store',
      credentials: 'omit',
    });
    let body = null;
    try { body = await response.json(); } catch (e) { body = null; }
    if (response.status === 401) {
      sessionStorage.removeItem(KEY);
      signIn(body && body.error ? 'The API refused the key: ' + body.error : 'Sign in again.');
      throw new ApiError(401, 'signed out');
    }
    if (!response.ok) throw new ApiError(response.status, body && body.error ? body.error : 'HTTP ' + response.status);
    return body;
  }

  /** Calls fn now and then every ms while the page shows this view; returns how to stop. */
  function every(ms, fn) {
    let stopped = false;
    let timer = null;
    const tick = async () => {
      if (stopped) return;
      if (!document.hidden) {
        try { await fn(); } catch (e) { if (e.status !== 401) console.warn(e); }
      }
      if (!stopped) timer = setTimeout(tick, ms);
    };
    tick();
    return () => { stopped = true; clearTimeout(timer); };
  }

  // --- routing ------------------------------------------------------------------------------

  function parseHash() {
    const hash = location.hash.replace(/^#/, '') || '/';
    const [path, query] = hash.split('?');
    return {parts: path.split('/').filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(query || '')};
  }

  function route() {
    leave();
    leave = () => {};
    window.scrollTo(0, 0);
    const signedIn = !!sessionStorage.getItem(KEY);
    document.getElementById('sign-out').hidden = !signedIn;
    document.getElementById('key-state').textContent = signedIn ? 'Signed in' : '';
    if (!signedIn) {
      signIn();
      return;
    }
    const {parts, params} = parseHash();
    document.getElementById('nav-runs').classList.toggle('active', parts.length === 0);
    if (parts.length === 0) runsPage(params);
    else if (parts[0] === 'runs' && parts.length === 2) runPage(parts[1]);
    else if (parts[0] === 'runs' && parts[2] === 'jobs' && parts.length === 4) jobPage(parts[1], parts[3], params);
    else view.replaceChildren(el('div', {class: 'card empty', text: 'No such page.'}));
  }

  function signIn(problem) {
    leave();
    leave = () => {};
    document.getElementById('sign-out').hidden = true;
    document.getElementById('key-state').textContent = '';
    const page = document.getElementById('sign-in-template').content.cloneNode(true);
    view.replaceChildren(page);
    const error = document.getElementById('sign-in-error');
    if (problem) {
      error.textContent = problem;
      error.hidden = false;
    }
    document.getElementById('sign-in-form').addEventListener('submit', async (event) => {
      event.preventDefault();
      const input = document.getElementById('api-key');
      sessionStorage.setItem(KEY, input.value.trim());
      input.value = '';
      try {
        await api('/runs?limit=1');
        route();
      } catch (e) {
        if (e.status !== 401) {
          error.textContent = 'The API did not answer: ' + e.message;
          error.hidden = false;
        }
      }
    });
    document.getElementById('api-key').focus();
  }

  // --- the runs list ------------------------------------------------------------------------

  function runsPage(params) {
    const filters = {repository: params.get('repository') || '', branch: params.get('branch') || '',
      status: params.get('status') || ''};
    const runs = new Map();
    let cursor = null;
    let olderLoaded = false;
    const body = el('tbody');
    const more = el('button', {type: 'button', class: 'secondary', hidden: true, text: 'Load older runs',
      onclick: async () => { olderLoaded = true; await load(cursor); }});
    const status = el('select', {id: 'filter-status', 'aria-label': 'status'},
      ['', 'PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'].map((s) =>
        el('option', {value: s, selected: s === filters.status, text: s || 'Any status'})));
    const repository = el('input', {id: 'filter-repository', placeholder: 'owner/name', value: filters.repository,
      'aria-label': 'repository'});
    const branch = el('input', {id: 'filter-branch', placeholder: 'branch', value: filters.branch, 'aria-label': 'branch'});
    const form = el('form', {class: 'toolbar', onsubmit: (event) => {
      event.preventDefault();
      const q = new URLSearchParams();
      if (repository.value.trim()) q.set('repository', repository.value.trim());
      if (branch.value.trim()) q.set('branch', branch.value.trim());
      if (status.value) q.set('status', status.value);
      location.hash = '#/' + (q.toString() ? '?' + q : '');
    }}, repository, branch, status, el('button', {type: 'submit', class: 'secondary', text: 'Filter'}),
    el('span', {class: 'grow'}), el('span', {class: 'live', text: 'Live'}));
    const table = el('table', {class: 'runs', id: 'runs'},
      el('thead', {}, el('tr', {}, ['Status', 'Run', 'Repository', 'Branch', 'Commit', 'Trigger', 'Started', 'Duration']
        .map((h) => el('th', {text: h})))), body);
    const empty = el('div', {class: 'empty', hidden: true, text: 'No runs yet. Push a commit, or run ./delta run PATH --dev.'});
    const moreBox = el('div', {class: 'more', hidden: true}, more);
    view.replaceChildren(el('div', {class: 'page-head'}, el('div', {}, el('h1', {text: 'Runs'}),
      el('div', {class: 'sub', text: 'Newest first, as your key may see them.'}))), form,
    el('div', {class: 'card'}, table, empty, moreBox));

    function query(from) {
      const q = new URLSearchParams({limit: '50'});
      for (const [name, value] of Object.entries(filters)) if (value) q.set(name, value);
      if (from) q.set('cursor', from);
      return '/runs?' + q;
    }

    async function load(from) {
      const page = await api(query(from));
      for (const run of page.runs) runs.set(run.runId, run);
      if (from || !olderLoaded) {
        cursor = page.next;
      }
      more.hidden = !cursor;
      moreBox.hidden = !cursor;
      render();
    }

    function render() {
      const rows = [...runs.values()].sort((a, b) => b.createdAtEpochMs - a.createdAtEpochMs || (a.runId < b.runId ? 1 : -1));
      empty.hidden = rows.length > 0;
      table.hidden = rows.length === 0;
      body.replaceChildren(...rows.map((run) => {
        const href = '#/runs/' + encodeURIComponent(run.runId);
        return el('tr', {'data-run': run.runId, onclick: () => { location.hash = href; }},
          el('td', {}, badge(run.status)),
          el('td', {class: 'mono'}, el('a', {href, text: run.runId})),
          el('td', {text: run.repository}),
          el('td', {text: run.branch || '–'}),
          el('td', {class: 'mono', text: short(run.sha)}),
          el('td', {text: run.trigger + (run.rerunOf ? ' (rerun)' : ''), title: run.workflow || '.delta/pipeline.yml'}),
          el('td', {title: absolute(run.createdAtEpochMs), text: ago(run.createdAtEpochMs)}),
          el('td', {class: 'num', text: duration(run.durationMs)}));
      }));
    }

    leave = every(3000, () => load(null));
  }

  // --- a run --------------------------------------------------------------------------------

  function runPage(runId) {
    const head = el('div');
    const dag = el('div', {class: 'card dag-card', id: 'dag'});
    const jobs = el('div', {class: 'card'});
    view.replaceChildren(el('div', {class: 'sub'}, el('a', {href: '#/', text: '← Runs'})), head,
      el('h2', {text: 'Graph'}), dag, el('h2', {text: 'Jobs'}), jobs);
    let last = null;
    const stop = every(2000, async () => {
      let answer;
      try {
        answer = await api('/runs/' + encodeURIComponent(runId));
      } catch (e) {
        if (e.status === 404) {
          view.replaceChildren(el('div', {class: 'card empty', text: e.message}));
          stop();
          return;
        }
        throw e;
      }
      const snapshot = JSON.stringify(answer);
      if (snapshot === last) return;
      last = snapshot;
      renderHead(answer.run);
      if (answer.jobs.length) drawDag(dag, answer);
      else dag.replaceChildren(el('div', {class: 'empty', text: 'This run has no jobs.'}));
      renderJobs(answer);
      // a finished run changes no more (a rerun is a run of its own): stop asking
      if (TERMINAL_RUN.includes(answer.run.status) && answer.jobs.every((j) => TERMINAL_JOB.includes(j.state))) stop();
    });
    leave = stop;

    function renderHead(run) {
      const terminal = TERMINAL_RUN.includes(run.status);
      const actions = el('div', {class: 'actions'});
      if (!terminal) {
        actions.append(el('button', {type: 'button', class: 'danger', id: 'cancel-run', text: 'Cancel run',
          onclick: (event) => steer(event.target, 'cancel', {by: 'dashboard'}, 'Cancel run ' + run.runId + '?')}));
      } else {
        if (run.status !== 'SUCCEEDED') {
          actions.append(el('button', {type: 'button', class: 'secondary', id: 'rerun-failed', text: 'Rerun failed jobs',
            onclick: (event) => steer(event.target, 'rerun', {failedOnly: true})}));
        }
        actions.append(el('button', {type: 'button', class: 'primary', id: 'rerun-all', text: 'Rerun all',
          onclick: (event) => steer(event.target, 'rerun', {failedOnly: false})}));
      }
      head.replaceChildren(el('div', {class: 'page-head'},
        el('div', {}, el('h1', {}, badge(run.status), ' ', el('span', {class: 'mono', text: run.runId})),
          el('div', {class: 'sub'},
            el('span', {text: run.repository}),
            el('span', {text: '⎇ ' + (run.branch || '–')}),
            el('span', {class: 'mono', title: run.sha, text: short(run.sha)}),
            el('span', {text: run.trigger}),
            run.workflow ? el('span', {class: 'mono', title: 'GitHub Actions workflow', text: run.workflow}) : null,
            el('span', {title: absolute(run.createdAtEpochMs), text: 'started ' + ago(run.createdAtEpochMs)}),
            el('span', {text: 'took ' + duration(run.durationMs)}),
            run.rerunOf ? el('a', {href: '#/runs/' + encodeURIComponent(run.rerunOf), text: 'rerun of ' + run.rerunOf}) : null,
            run.cancelledBy ? el('span', {text: 'cancelled by ' + run.cancelledBy}) : null),
          run.message ? el('p', {class: 'error', text: run.message}) : null),
        actions));
    }

    async function steer(button, action, body, question) {
      if (question && !window.confirm(question)) return;
      button.disabled = true;
      try {
        const answer = await api('/runs/' + encodeURIComponent(runId) + '/' + action, {method: 'POST', body});
        if (action === 'cancel') {
          toast('Cancelling: ' + answer.cancelledJobs + ' job(s) cancelled, ' + answer.stoppingJobs + ' stopping');
          last = null;
        } else {
          toast('Started run ' + answer.runId);
          location.hash = '#/runs/' + encodeURIComponent(answer.runId);
        }
      } catch (e) {
        if (e.status !== 401) toast(e.message, true);
        button.disabled = false;
      }
    }

    function renderJobs(answer) {
      const rows = answer.jobs.map((job) => {
        const lastAttempt = job.attempts.length ? job.attempts[job.attempts.length - 1] : null;
        const detail = job.waiting ? el('span', {class: 'waiting', text: job.waiting})
          : job.reason ? el('span', {text: job.reason})
            : job.exitCode !== null && job.exitCode !== undefined
              ? el('span', {text: 'exit ' + job.exitCode + (job.failureClass ? ' · ' + job.failureClass : '')})
              : el('span', {text: job.failureClass || ''});
        return el('tr', {'data-job': job.key},
          el('td', {}, el('a', {href: jobHref(runId, job.key), text: job.name})),
          el('td', {}, badge(job.state)),
          el('td', {text: job.attempts.length ? String(job.attempt) : '–'}),
          el('td', {class: 'mono', text: lastAttempt && lastAttempt.runner || '–'}),
          el('td', {class: 'num', text: duration(job.durationMs)}),
          el('td', {}, detail));
      });
      jobs.replaceChildren(el('table', {class: 'jobs'},
        el('thead', {}, el('tr', {}, ['Job', 'State', 'Attempt', 'Runner', 'Duration', 'Detail'].map((h) => el('th', {text: h})))),
        el('tbody', {}, rows)));
    }
  }

  function jobHref(runId, key, params) {
    return '#/runs/' + encodeURIComponent(runId) + '/jobs/' + encodeURIComponent(key) + (params ? '?' + params : '');
  }

  /** The needs graph: a column per depth, matrix instances boxed together, edges from each need. */
  function drawDag(container, answer) {
    const W = 210, H = 54, GAP_X = 64, GAP_Y = 14, PAD = 16, GROUP_PAD = 10, GROUP_LABEL = 18;
    const byKey = new Map(answer.jobs.map((job) => [job.key, job]));
    const depth = new Map();
    const depthOf = (key, seen) => {
      if (depth.has(key)) return depth.get(key);
      const job = byKey.get(key);
      if (!job || seen.has(key)) return 0;
      seen.add(key);
      const d = job.needs.length ? 1 + Math.max(...job.needs.map((n) => depthOf(n, seen))) : 0;
      depth.set(key, d);
      return d;
    };
    answer.jobs.forEach((job) => depthOf(job.key, new Set()));
    const columns = [];
    for (const job of answer.jobs) (columns[depth.get(job.key)] = columns[depth.get(job.key)] || []).push(job);
    const place = new Map();
    const groups = [];
    let height = 0;
    columns.forEach((column, c) => {
      column.sort((a, b) => ((a.matrix && a.matrix.group) || a.key).localeCompare((b.matrix && b.matrix.group) || b.key)
        || a.key.localeCompare(b.key, undefined, {numeric: true}));
      let y = PAD;
      let current = null;
      column.forEach((job) => {
        const group = job.matrix ? job.matrix.group : null;
        if (group !== current) {
          if (current !== null) y += GROUP_PAD;
          if (group !== null) {
            y += GROUP_LABEL;
            groups.push({name: group, x: PAD + c * (W + GAP_X) - GROUP_PAD, y: y - GROUP_LABEL - 4, bottom: y});
          }
          current = group;
        }
        place.set(job.key, {x: PAD + c * (W + GAP_X), y});
        if (group !== null) groups[groups.length - 1].bottom = y + H;
        y += H + GAP_Y;
      });
      if (current !== null) y += GROUP_PAD;
      height = Math.max(height, y);
    });
    const width = PAD * 2 + columns.length * W + Math.max(0, columns.length - 1) * GAP_X;
    const root = svg('svg', {class: 'dag', width, height: height + PAD, viewBox: '0 0 ' + width + ' ' + (height + PAD),
      role: 'img', 'aria-label': 'needs graph'});
    for (const g of groups) {
      root.append(svg('g', {class: 'group', 'data-group': g.name},
        svg('rect', {x: g.x, y: g.y, width: W + GROUP_PAD * 2, height: g.bottom - g.y + GROUP_PAD, rx: 10}),
        svg('text', {x: g.x + 10, y: g.y + 14, text: g.name.toUpperCase() + ' · MATRIX'})));
    }
    for (const job of answer.jobs) {
      const to = place.get(job.key);
      for (const need of job.needs) {
        const from = place.get(need);
        if (!from) continue;
        const x1 = from.x + W, y1 = from.y + H / 2, x2 = to.x, y2 = to.y + H / 2, mid = (x1 + x2) / 2;
        root.append(svg('path', {class: 'edge', 'data-from': need, 'data-to': job.key,
          d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`}));
      }
    }
    for (const job of answer.jobs) {
      const p = place.get(job.key);
      const name = job.name.length > 26 ? job.name.slice(0, 25) + '…' : job.name;
      const meta = job.state.replace('_', ' ').toLowerCase() + (job.durationMs !== null && job.durationMs !== undefined
        ? ' · ' + duration(job.durationMs) : '') + (job.attempt > 1 ? ' · attempt ' + job.attempt : '');
      const node = svg('g', {class: 'node', 'data-job': job.key, tabindex: 0, role: 'link',
        transform: `translate(${p.x},${p.y})`,
        onclick: () => { location.hash = jobHref(answer.run.runId, job.key); },
        onkeydown: (event) => { if (event.key === 'Enter') location.hash = jobHref(answer.run.runId, job.key); }},
      svg('title', {text: job.name + ' — ' + job.state + (job.waiting ? ' — ' + job.waiting : '')}),
      svg('rect', {width: W, height: H, rx: 8}),
      svg('rect', {class: 'bar s-' + job.state, width: 5, height: H, rx: 2}),
      svg('text', {class: 'name', x: 16, y: 22, text: name}),
      svg('text', {class: 'meta', x: 16, y: 40, text: meta}));
      root.append(node);
    }
    container.replaceChildren(root);
  }

  // --- a job and its log --------------------------------------------------------------------

  function jobPage(runId, key, params) {
    const wanted = params.get('attempt') ? Number(params.get('attempt')) : null;
    const targetLine = params.get('line') ? Number(params.get('line')) : null;
    const head = el('div');
    const facts = el('div', {class: 'facts'});
    const attempts = el('div', {class: 'attempts'});
    const lines = el('div', {class: 'log', id: 'log', tabindex: 0});
    const foot = el('div', {class: 'log-foot', id: 'log-status', text: 'Loading…'});
    const follow = el('input', {type: 'checkbox', id: 'follow'});
    const title = el('span', {text: 'Log'});
    const toEnd = el('button', {type: 'button', class: 'link', id: 'log-end', text: 'Jump to end',
      onclick: () => restart('tail')});
    const banner = el('div', {class: 'log-banner', id: 'log-skipped', hidden: true});
    lines.append(banner, foot);
    view.replaceChildren(el('div', {class: 'sub'}, el('a', {href: '#/runs/' + encodeURIComponent(runId), text: '← Run ' + runId})),
      head, facts, attempts,
      el('div', {class: 'log-card'}, el('div', {class: 'log-head'}, title, el('span', {class: 'grow'}), toEnd,
        el('label', {}, follow, 'Follow')), lines));

    // mode 'start': from the first line, numbered and linkable; 'tail': the end of a long log, as a
    // follower wants it (the lines before are not loaded, so they are not numbered)
    const log = {attempt: wanted, after: null, lineNo: 0, pending: '', complete: false, busy: false, started: false,
      mode: 'start', generation: 0};
    let job = null;

    const stopJob = every(2000, async () => {
      const answer = await api('/runs/' + encodeURIComponent(runId));
      job = answer.jobs.find((j) => j.key === key);
      if (!job) {
        view.replaceChildren(el('div', {class: 'card empty', text: 'Run ' + runId + ' has no job ' + key + '.'}));
        stopAll();
        return;
      }
      renderHead(answer.run);
      if (!log.started) {
        log.started = true;
        follow.checked = !targetLine && (job.state === 'RUNNING' || job.state === 'QUEUED' || job.state === 'BLOCKED');
        log.mode = follow.checked ? 'tail' : 'start';
        pump();
      }
    });
    const timer = setInterval(() => {
      if (!log.complete && !document.hidden) pump();
      else if (log.complete && job && TERMINAL_JOB.includes(job.state)) stopJob();
    }, 1000);
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) pump();
    }, {root: lines});
    observer.observe(foot);
    function stopAll() {
      stopJob();
      clearInterval(timer);
      observer.disconnect();
    }
    leave = stopAll;
    follow.addEventListener('change', () => { if (follow.checked) lines.scrollTop = lines.scrollHeight; });

    function renderHead(run) {
      const current = job.attempts.length ? job.attempts[job.attempts.length - 1] : null;
      const shown = log.attempt ? job.attempts.find((a) => a.attempt === log.attempt) : current;
      head.replaceChildren(el('div', {class: 'page-head'}, el('div', {},
        el('h1', {}, badge(job.state), ' ', job.name),
        el('div', {class: 'sub'}, el('span', {text: run.repository}), el('span', {text: '⎇ ' + (run.branch || '–')}),
          el('span', {class: 'mono', text: short(run.sha)}), el('span', {text: 'job ' + job.key}),
          job.waiting ? el('span', {class: 'waiting', id: 'job-waiting', text: job.waiting}) : null))));
      const fact = (k, v) => el('div', {class: 'card fact'}, el('div', {class: 'k', text: k}), el('div', {class: 'v', text: v}));
      facts.replaceChildren(...[
        fact('Attempt', job.attempts.length ? (shown ? shown.attempt : job.attempt) + ' of ' + job.attempts.length : '–'),
        fact('Runner', shown && shown.runner || '–'),
        fact('Started', absolute(shown ? shown.startedAtEpochMs : null)),
        fact('Duration', duration(shown ? shown.durationMs : job.durationMs)),
        fact('Result', shown && shown.result ? shown.result + (shown.exitCode !== null ? ' · exit ' + shown.exitCode : '')
          + (shown.failureClass ? ' · ' + shown.failureClass : '') : job.state),
        fact('Needs', job.needs.length ? job.needs.join(', ') : 'nothing'),
        job.matrix ? fact('Matrix', Object.entries(job.matrix.values).map(([k, v]) => k + '=' + v).join(', ')) : null,
        job.labels.length ? fact('Labels', job.labels.join(', ')) : null].filter(Boolean));
      attempts.replaceChildren(...job.attempts.map((a) => el('a', {
        class: (shown && a.attempt === shown.attempt) ? 'current' : '',
        href: jobHref(runId, key, 'attempt=' + a.attempt),
        text: 'Attempt ' + a.attempt + (a.result ? ' · ' + a.result.toLowerCase() : ' · running')})));
      title.textContent = 'Log' + (shown ? ' · attempt ' + shown.attempt : '');
    }

    /** Reads the log again from its start, or from its end. */
    function restart(mode) {
      log.generation += 1;
      Object.assign(log, {after: null, lineNo: 0, pending: '', complete: false, busy: false, mode, group: null});
      lines.querySelectorAll('.line').forEach((line) => line.remove());
      banner.hidden = true;
      if (mode === 'tail') follow.checked = true;
      pump();
    }

    async function pump() {
      if (log.busy || log.complete || !job) return;
      log.busy = true;
      const generation = log.generation;
      try {
        for (let page = 0; page < 50; page++) {
          const q = new URLSearchParams();
          if (log.attempt) q.set('attempt', String(log.attempt));
          if (log.after !== null) q.set('after', String(log.after));
          else if (log.mode === 'tail') q.set('tail', 'true');
          const answer = await api('/runs/' + encodeURIComponent(runId) + '/jobs/' + encodeURIComponent(key) + '/logs?' + q);
          if (generation !== log.generation) return; // restarted meanwhile
          if (answer.attempt && !log.attempt) log.attempt = answer.attempt;
          if (answer.skippedChunks > 0) {
            banner.replaceChildren('⋯ the end of a long log: ' + answer.skippedChunks + ' earlier chunk(s) not loaded · ',
              el('button', {type: 'button', class: 'link', text: 'read it from the start',
                onclick: () => { follow.checked = false; restart('start'); }}));
            banner.hidden = false;
          } else if (log.mode === 'tail' && log.after === null) {
            log.mode = 'start'; // the whole log fitted in one page: numbered as from the start
          }
          for (const chunk of answer.chunks) addText(chunk.text);
          if (answer.next !== null && answer.next !== undefined) log.after = answer.next;
          if (answer.complete) {
            if (log.pending) addLine(log.pending);
            log.pending = '';
            log.complete = true;
          }
          if (follow.checked) lines.scrollTop = lines.scrollHeight;
          foot.textContent = log.complete ? 'End of log · ' + log.lineNo + ' lines'
            : answer.chunks.length ? log.lineNo + ' lines · loading more as you scroll'
              : (answer.finished ? 'End of log · ' + log.lineNo + ' lines' : log.lineNo + ' lines · following…');
          const wantMore = targetLine && log.lineNo < targetLine;
          if (!answer.chunks.length || log.complete || (!follow.checked && !wantMore && !footVisible())) break;
        }
        if (targetLine && log.lineNo >= targetLine) showLine(targetLine, false);
      } finally {
        if (generation === log.generation) log.busy = false;
      }
    }

    function footVisible() {
      return foot.getBoundingClientRect().top < lines.getBoundingClientRect().bottom + 200;
    }

    function addText(text) {
      const parts = (log.pending + text).split('\n');
      log.pending = parts.pop();
      for (const line of parts) addLine(line);
    }

    function addLine(text) {
      log.lineNo += 1;
      const n = log.lineNo;
      // GitHub's ::group::title … ::endgroup:: fold the lines between, closed, as GitHub shows them
      if (text === '::endgroup::') {
        log.group = null;
        return;
      }
      const group = text.startsWith('::group::') ? text.slice('::group::'.length) : null;
      const number = log.mode === 'tail' ? el('span', {class: 'ln', text: '·'}) : lineLink(n);
      const content = group === null ? ansi(text) : el('button', {type: 'button', class: 'tx group-toggle',
        'aria-expanded': 'false', text: '▸ ' + (group || 'group'), onclick: (event) => {
          const body = event.currentTarget.closest('.line').nextElementSibling;
          body.hidden = !body.hidden;
          event.currentTarget.setAttribute('aria-expanded', String(!body.hidden));
          event.currentTarget.textContent = (body.hidden ? '▸ ' : '▾ ') + (group || 'group');
        }});
      const row = el('div', {class: 'line' + (group === null ? '' : ' group-head'), id: log.mode === 'tail' ? null : 'L' + n},
        number, content);
      (log.group || lines).insertBefore(row, log.group ? null : foot);
      if (group !== null) {
        log.group = el('div', {class: 'group-body', hidden: true});
        lines.insertBefore(log.group, foot);
      }
    }

    function lineLink(n) {
      const href = jobHref(runId, key, 'attempt=' + (log.attempt || '') + '&line=' + n);
      return el('a', {class: 'ln', href, text: String(n), onclick: (event) => {
        event.preventDefault();
        history.replaceState(null, '', href);
        showLine(n, true);
      }});
    }

    function showLine(n, clicked) {
      lines.querySelectorAll('.line.target').forEach((l) => l.classList.remove('target'));
      const row = document.getElementById('L' + n);
      if (!row) return;
      const folded = row.closest('.group-body');
      if (folded && folded.hidden) folded.previousElementSibling.querySelector('.group-toggle').click();
      row.classList.add('target');
      if (!clicked) {
        follow.checked = false;
        row.scrollIntoView({block: 'center'});
      }
    }
  }

  /** A log line with its ANSI colours (SGR) as classes; every other escape sequence dropped; text stays text. */
  function ansi(text) {
    const out = el('span', {class: 'tx' + (text.startsWith('::delta::') ? ' marker' : '')});
    const sgr = /\x1b\[([0-9;]*)m/g;
    const clean = (s) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b/g, '');
    let style = {fg: null, bg: null, b: false, i: false, u: false};
    let at = 0;
    let match;
    const emit = (s) => {
      if (!s) return;
      const classes = [style.fg && 'fg-' + style.fg, style.bg && 'bg-' + style.bg, style.b && 'b', style.i && 'i',
        style.u && 'u'].filter(Boolean);
      out.append(classes.length ? el('span', {class: classes.join(' '), text: s}) : document.createTextNode(s));
    };
    while ((match = sgr.exec(text)) !== null) {
      emit(clean(text.slice(at, match.index)));
      at = sgr.lastIndex;
      const codes = match[1] === '' ? [0] : match[1].split(';').map(Number);
      for (const code of codes) {
        if (code === 0) style = {fg: null, bg: null, b: false, i: false, u: false};
        else if (code === 1) style.b = true;
        else if (code === 3) style.i = true;
        else if (code === 4) style.u = true;
        else if (code === 22) style.b = false;
        else if (code === 23) style.i = false;
        else if (code === 24) style.u = false;
        else if ((code >= 30 && code <= 37) || (code >= 90 && code <= 97)) style.fg = code;
        else if (code === 39) style.fg = null;
        else if (code >= 40 && code <= 47) style.bg = code;
        else if (code === 49) style.bg = null;
      }
    }
    emit(clean(text.slice(at)));
    return out;
  }

  document.getElementById('sign-out').addEventListener('click', () => {
    sessionStorage.removeItem(KEY);
    location.hash = '#/';
    signIn();
  });
  window.addEventListener('hashchange', route);
  route();
})();
