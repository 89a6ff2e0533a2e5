// Follows a running run: appends streamed events to the log and keeps the status badge current.
// The page works without it (reload to see progress); the server sends it only while the run is going.
(function () {
  'use strict';
  var log = document.querySelector('[data-testid="event-log"]');
  var badge = document.querySelector('[data-testid="run-status"]');
  if (!log || !badge || log.getAttribute('data-terminal') === 'true' || typeof EventSource === 'undefined') return;
  var runId = log.getAttribute('data-run-id');
  var after = log.getAttribute('data-after') || '0';
  var live = document.querySelector('[data-testid="live-indicator"]');
  var TONES = { SUCCESS: 'success', FAILURE: 'failure', STARTED: 'running', STARTING: 'running', QUEUED: 'queued', CANCELED: 'muted' };

  function setStatus(status) {
    badge.textContent = status;
    badge.setAttribute('data-status', status);
    badge.className = 'badge badge-' + (TONES[status] || 'missing');
  }

  function describe(event) {
    if (event.message) return event.message;
    var payload = event.payload || {};
    switch (event.type) {
      case 'run:started': return 'run started';
      case 'run:succeeded': return 'run succeeded in ' + payload.durationMs + ' ms';
      case 'run:canceled': return 'run canceled';
      case 'step:started': return 'attempt ' + (payload.attempt || 1);
      case 'step:succeeded': return 'succeeded in ' + payload.durationMs + ' ms';
      case 'asset:materialized': {
        var metadata = payload.metadata || {};
        var parts = Object.keys(metadata).slice(0, 6).map(function (name) { return name + '=' + metadata[name]; });
        return 'materialized in ' + payload.durationMs + ' ms' + (parts.length ? ' · ' + parts.join(' ') : '');
      }
      default: return '';
    }
  }

  function cell(tag, text, className) {
    var element = document.createElement(tag);
    element.textContent = text;
    if (className) element.className = className;
    return element;
  }

  function append(event) {
    if (log.querySelector('[data-event-id="' + event.id + '"]')) return;
    var at = new Date(event.at);
    var item = document.createElement('li');
    item.setAttribute('data-event-id', String(event.id));
    item.setAttribute('data-type', event.type);
    item.className = 'new';
    var time = cell('time', at.toISOString().slice(11, 19) + 'Z');
    time.setAttribute('datetime', at.toISOString());
    item.appendChild(time);
    item.appendChild(cell('span', event.level || 'info', 'level-' + (event.level || 'info')));
    item.appendChild(cell('span', event.type, 'mono'));
    var asset = document.createElement('span');
    if (event.assetKey) {
      var link = cell('a', event.assetKey, 'asset-link');
      link.href = '/assets/' + event.assetKey.split('/').map(encodeURIComponent).join('/');
      asset.appendChild(link);
    }
    item.appendChild(asset);
    item.appendChild(cell('span', describe(event), 'message'));
    log.appendChild(item);
    log.setAttribute('data-after', String(event.id));
    log.scrollTop = log.scrollHeight;
  }

  // The stream sends a stored event `{ id, event: RunEvent }`; older servers sent it flat.
  function normalize(data) {
    if (!data || !data.event) return data;
    var e = data.event;
    var level = e.type === 'log' ? e.level
      : e.type === 'run:failed' || e.type === 'step:failed' ? 'error'
      : e.type === 'step:skipped' ? 'warn'
      : e.type === 'check:evaluated' && !e.passed ? (e.severity === 'error' ? 'error' : 'warn')
      : 'info';
    var message = e.type === 'step:skipped' ? e.reason
      : e.type === 'check:evaluated' ? "check '" + e.check + "' " + (e.passed ? 'passed' : 'failed') + (e.message ? ': ' + e.message : '')
      : e.message;
    return { id: data.id, type: e.type, at: e.at, assetKey: e.assetKey || null, level: level, message: message || null, payload: e };
  }

  function parse(message) {
    try { return JSON.parse(message.data); } catch (error) { return null; }
  }

  var source = new EventSource('/api/v1/runs/' + encodeURIComponent(runId) + '/events/stream?after=' + encodeURIComponent(after));
  source.addEventListener('open', function () { if (live) live.hidden = false; });
  source.addEventListener('run-event', function (message) { var event = normalize(parse(message)); if (event && event.type) append(event); });
  source.addEventListener('run-status', function (message) { var data = parse(message); if (data && data.status) setStatus(data.status); });
  source.addEventListener('end', function (message) {
    var data = parse(message);
    source.close();
    if (live) live.hidden = true;
    if (data && data.status) setStatus(data.status);
    log.setAttribute('data-terminal', 'true');
    refreshSections();
  });

  // Redraws the server-rendered parts (timeline, steps, facts, buttons) of the ended run in
  // place, without reloading the document, so the live log stays as it is.
  function refreshSections() {
    if (typeof fetch === 'undefined' || typeof DOMParser === 'undefined') return;
    fetch(window.location.pathname, { headers: { accept: 'text/html' }, credentials: 'same-origin' })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (text) {
        if (text === null) return;
        var fresh = new DOMParser().parseFromString(text, 'text/html');
        document.querySelectorAll('[data-live-refresh]').forEach(function (current) {
          var name = current.getAttribute('data-live-refresh');
          var replacement = fresh.querySelector('[data-live-refresh="' + name + '"]');
          if (replacement) current.replaceWith(document.importNode(replacement, true));
        });
      })
      .catch(function () { /* the page is still right, only less complete: a reload fixes it */ });
  }

  source.addEventListener('error', function () {
    // EventSource reconnects by itself; resume after the last event shown.
    if (live) live.hidden = true;
  });
})();
