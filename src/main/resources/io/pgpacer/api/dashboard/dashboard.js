// The pgpacer dashboard: polls the agent's JSON API about once a second and sends its commands with the token the
// operator typed in. Everything shown is written as text (never parsed as HTML); the token is kept in this tab's
// sessionStorage only and sent in the Authorization header, as the CLI sends it.
'use strict';

const POLL_MILLIS = 1000;
const ACCESS_EVERY_POLLS = 10;
const EVENTS_SHOWN = 40;
const TOKEN_KEY = 'pgpacer.api-token';

const ROLE_WORDS = {
  leader: 'primary',
  sync_standby: 'sync standby',
  replica: 'standby',
  primary_without_lease: 'primary without lease (being fenced)',
  witness: 'witness',
};

let polls = 0;
let commandsAllowed = false;

const $ = (id) => document.getElementById(id);

// One key style inside the page, whichever the API answers in (status is camelCase, cluster and history snake_case).
function camel(value) {
  if (Array.isArray(value)) {
    return value.map(camel);
  }
  if (value !== null && typeof value === 'object') {
    const out = {};
    for (const [key, inner] of Object.entries(value)) {
      out[key.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase())] = camel(inner);
    }
    return out;
  }
  return value;
}

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

function headers() {
  const t = token();
  return t ? { Authorization: 'Bearer ' + t } : {};
}

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function call(method, path) {
  let response;
  try {
    response = await fetch(path, { method, headers: headers(), cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, 'the agent at ' + location.host + ' does not answer (' + e.message + ')');
  }
  let body = null;
  try {
    body = camel(await response.json());
  } catch (e) {
    throw new ApiError(response.status, method + ' ' + path + ' answered HTTP ' + response.status + ' without JSON');
  }
  if (!response.ok && !(body && 'applied' in body)) {
    throw new ApiError(response.status, (body && body.error) || method + ' ' + path + ': HTTP ' + response.status);
  }
  return body;
}

function localTime(iso) {
  if (!iso) {
    return '–';
  }
  const d = new Date(iso);
  if (isNaN(d)) {
    return iso;
  }
  const pad = (n) => String(n).padStart(2, '0');
  return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + pad(d.getHours()) + ':'
    + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
}

function bytes(n) {
  if (n === null || n === undefined || n === 'unknown') {
    return '–';
  }
  if (n < 1024) {
    return n + ' B';
  }
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = -1;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return value.toFixed(1) + ' ' + units[unit];
}

function element(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) {
    e.textContent = String(text);
  }
  if (className) {
    e.className = className;
  }
  return e;
}

function replaceChildren(parent, children, empty) {
  parent.replaceChildren(...(children.length ? children : empty ? [element('li', empty, 'muted')] : []));
}

function show(id, text) {
  $(id).textContent = text === null || text === undefined || text === '' ? '–' : String(text);
}

function commandButton(label, run) {
  const button = element('button', label, 'command');
  button.type = 'button';
  button.disabled = !commandsAllowed;
  button.addEventListener('click', run);
  return button;
}

function render(status, cluster, history, events, local) {
  $('cluster-name').textContent = status.cluster;
  $('freshness').textContent = 'answered by ' + status.answeredBy + ' · store ' + (status.quorum ? 'majority'
    : 'NO MAJORITY: local copy') + ' · updated ' + localTime(status.lastUpdated);

  const primary = cluster.leader && status.masters.includes(cluster.leader) ? cluster.leader : null;
  const alarm = $('alarm');
  if (primary) {
    alarm.hidden = true;
  } else {
    alarm.hidden = false;
    alarm.textContent = 'NO PRIMARY: the cluster takes no writes. ' + (status.switchover ? 'Switchover in progress: '
      + status.switchover + '. ' : '') + (status.failedActions.length ? 'See the failed actions below: their'
      + " Clean up (or 'pgpacer resource cleanup') lets the nodes that failed be tried again."
      : 'Waiting for the controller to promote a standby; the events below say why it has not.');
  }

  show('primary', primary || 'none');
  $('primary').className = primary ? 'primary' : 'alarm-text';
  show('replication', status.replication);
  const syncStandbys = cluster.members.filter((m) => m.role === 'sync_standby').map((m) => m.name);
  show('sync-standby', syncStandbys.length ? syncStandbys.join(', ') : 'none');
  show('writer-vip', status.writerVip || 'not configured');
  show('reader-vip', status.readerVip || 'not configured');
  show('switchover-state', status.switchover || 'none');
  show('maintenance', maintenanceWords(status.maintenance));
  show('controller', status.controller || 'none');

  renderNodes(status, cluster, local);
  renderFailedActions(status.failedActions);
  renderSwitchoverTargets(cluster, primary);
  renderTimings(local.timedPromotions);
  renderHistory(history);
  $('events-source').textContent = '(as ' + local.node + "'s agent saw them)";
  replaceChildren($('events'), events.slice(-EVENTS_SHOWN).reverse().map((e) => {
    const li = element('li');
    li.append(element('time', localTime(e.at)), ' ', element('span', e.source, 'source'), ' ', e.text);
    return li;
  }), 'no events yet');
  replaceChildren($('node-links'), cluster.members.filter((m) => m.apiUrl).map((m) => {
    const a = element('a', m.name);
    const url = new URL('/dashboard', m.apiUrl);
    url.protocol = location.protocol; // every agent speaks what this one does: HTTPS with tls, else HTTP
    a.href = url.href;
    return a;
  }));
}

function maintenanceWords(maintenance) {
  if (!maintenance) {
    return 'none';
  }
  const parts = [];
  if (maintenance.cluster) {
    parts.push("whole cluster (ended by 'pgpacer cluster resume')");
  }
  if (maintenance.nodes && maintenance.nodes.length) {
    parts.push('nodes ' + maintenance.nodes.join(', '));
  }
  return parts.length ? parts.join('; ') : 'none';
}

// Rows are kept and updated in place: a row rebuilt every second would swallow a click on its button.
const nodeRows = new Map();

function nodeRow(name) {
  let row = nodeRows.get(name);
  if (!row) {
    const tr = element('tr');
    tr.dataset.node = name;
    const cells = {};
    for (const key of ['name', 'role', 'postgres', 'timeline', 'lsn', 'lagBytes', 'lagSeconds', 'failCount',
      'activity', 'action']) {
      cells[key] = element('td', null, key === 'failCount' ? 'fail-count' : key);
      tr.append(cells[key]);
    }
    cells.name.textContent = name;
    const cleanup = commandButton('Clean up', () => command('cleanup of ' + name,
      '/resource/cleanup?node=' + encodeURIComponent(name)));
    cells.action.append(cleanup);
    row = { tr, cells, cleanup };
    nodeRows.set(name, row);
  }
  return row;
}

function setText(cell, text) {
  const value = text === null || text === undefined || text === '' ? '–' : String(text);
  if (cell.textContent !== value) {
    cell.textContent = value;
  }
}

function renderNodes(status, cluster, local) {
  const members = new Map(cluster.members.map((m) => [m.name, m]));
  const lagSeconds = new Map(local.replication.map((r) => [r.standby, r.replayLagSeconds]));
  const rows = status.nodes.map((node) => {
    const member = members.get(node.name) || {};
    const { tr, cells, cleanup } = nodeRow(node.name);
    tr.dataset.role = member.role || '';
    tr.className = member.role === 'leader' ? 'leader' : node.online ? '' : 'offline';
    setText(cells.role, !node.online ? 'offline' : ROLE_WORDS[member.role] || member.role);
    setText(cells.postgres, node.witness ? null : node.pgState + (member.state ? ' (' + member.state + ')' : ''));
    setText(cells.timeline, node.timeline || null);
    setText(cells.lsn, node.lsn);
    setText(cells.lagBytes, member.role === 'leader' || node.witness ? null : bytes(member.lag));
    const seconds = lagSeconds.get(node.name);
    setText(cells.lagSeconds, seconds === null || seconds === undefined ? null : seconds.toFixed(3) + ' s');
    setText(cells.failCount, node.failCount);
    cells.failCount.classList.toggle('warn', node.failCount > 0);
    // A running node's last error is history (kept as a tooltip); a node that does not run shows it.
    const running = node.online && (node.pgState === 'PRIMARY' || node.pgState === 'STANDBY' || node.witness);
    setText(cells.activity, !running && node.lastError ? node.activity + ' (last error: ' + node.lastError + ')'
      : node.activity);
    cells.activity.title = node.lastError ? 'last error: ' + node.lastError : '';
    cleanup.hidden = !(node.failCount > 0 || status.failedActions.some((a) => a.node === node.name));
    cleanup.disabled = !commandsAllowed;
    return tr;
  });
  const body = $('nodes').tBodies[0];
  if (rows.length !== body.rows.length || rows.some((tr, i) => body.rows[i] !== tr)) {
    body.replaceChildren(...rows);
  }
}

function renderFailedActions(actions) {
  replaceChildren($('failed-actions'), actions.map((a) => element('li', (a.resource || 'pgsql') + '_' + a.operation
    + ' on ' + a.node + ' (' + a.rc + ') at ' + localTime(a.at) + ': ' + a.exitReason)), 'none');
  $('cleanup-all').disabled = !commandsAllowed || actions.length === 0;
}

function option(value, label) {
  const o = element('option', label);
  o.value = value;
  return o;
}

function renderSwitchoverTargets(cluster, primary) {
  const select = $('switchover-target');
  const wanted = cluster.members.filter((m) => m.role === 'sync_standby' || m.role === 'replica').map((m) => m.name);
  const current = Array.from(select.options).slice(1).map((o) => o.value);
  if (wanted.join() !== current.join()) {
    const chosen = select.value;
    select.replaceChildren(option('', 'the best standby'), ...wanted.map((n) => option(n, n)));
    select.value = wanted.includes(chosen) ? chosen : '';
  }
  $('switchover').disabled = !commandsAllowed || !primary;
}

function renderTimings(timed) {
  replaceChildren($('timings'), timed.slice().reverse().map((t) => element('li', t.reason + ' ' + t.oldPrimary
    + ' → ' + t.newPrimary + ': ' + (t.millis / 1000).toFixed(2) + ' s (promoted ' + localTime(t.promotedAt) + ')')),
  'none timed by this agent yet');
}

function renderHistory(history) {
  $('history').tBodies[0].replaceChildren(...history.slice().reverse().map((h) => {
    const tr = element('tr');
    tr.append(element('td', localTime(h.timestamp)),
      element('td', h.newTimeline === 1 && h.timeline === 0 ? 'started on 1' : h.timeline + ' → ' + h.newTimeline),
      element('td', h.timeline === 0 ? '–' : h.lsn), element('td', h.newLeader), element('td', h.reason),
      element('td', h.confirmed ? 'yes' : 'not yet'));
    return tr;
  }));
}

async function command(what, path) {
  const result = $('command-result');
  result.className = 'muted';
  result.textContent = what + ': sending…';
  try {
    const answer = await call('POST', path);
    result.className = answer.applied ? 'ok' : 'alarm-text';
    result.textContent = what + (answer.applied ? ': done: ' : ': refused: ') + answer.message;
  } catch (e) {
    result.className = 'alarm-text';
    result.textContent = what + ' failed: ' + e.message;
  }
  poll(false);
}

async function checkAccess() {
  const access = $('access');
  try {
    const answer = await call('GET', '/dashboard/access');
    commandsAllowed = answer.commands;
    access.className = answer.commands ? 'ok' : 'muted';
    access.textContent = answer.commands ? (token() ? 'Commands enabled: the token is accepted.'
      : 'Commands enabled: this agent accepts commands from this host without a token.')
      : 'Read-only: ' + answer.reason;
  } catch (e) {
    commandsAllowed = false;
    access.className = 'alarm-text';
    access.textContent = e.status === 401 ? 'This agent needs the API token even for reads (api.auth-reads): '
      + e.message : 'Read-only: ' + e.message;
  }
  document.querySelectorAll('button.command').forEach((b) => { b.disabled = !commandsAllowed; });
}

// Each poll starts a second after the previous one ended, so that a slow agent is never asked twice at once.
async function poll(schedule = true) {
  try {
    if (polls++ % ACCESS_EVERY_POLLS === 0) {
      await checkAccess();
    }
    const [status, cluster, history, events, local] = await Promise.all([call('GET', '/status'),
      call('GET', '/cluster'), call('GET', '/history'), call('GET', '/events'), call('GET', '/dashboard/local')]);
    render(status, cluster, history, events, local);
    $('connection').hidden = true;
  } catch (e) {
    const connection = $('connection');
    connection.hidden = false;
    connection.textContent = 'Not up to date: ' + e.message + (e.status === 0 ? '; open the dashboard of another'
      + ' node (links at the bottom)' : '');
  }
  if (schedule) {
    setTimeout(poll, POLL_MILLIS);
  }
}

document.addEventListener('DOMContentLoaded', () => {
  $('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const typed = $('token').value.trim();
    $('token').value = '';
    if (typed) {
      sessionStorage.setItem(TOKEN_KEY, typed);
    }
    checkAccess().then(() => poll(false));
  });
  $('token-forget').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    checkAccess().then(() => poll(false));
  });
  $('cleanup-all').addEventListener('click', () => command('cleanup of every failed action', '/resource/cleanup'));
  $('switchover').addEventListener('click', () => {
    const to = $('switchover-target').value;
    const target = to || 'the best standby';
    if (window.confirm('Switch the primary over to ' + target + '? Writes pause for about a second.')) {
      command('switchover to ' + target, '/switchover' + (to ? '?to=' + encodeURIComponent(to) : ''));
    }
  });
  poll();
});
