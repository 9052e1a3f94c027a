// The timeline page: a day bar of recorded spans, gaps (colored by reason) and evidence holds; a
// <video> playing /playback/{camera}.mp4 windows from any moment, with the wall-clock time of the
// picture from the index (the playback's pieces), and export, hold and snapshot for operators.
// Plain JS, no external assets. Words in Vietnamese (default) or English, from the page's language.
(function () {
  'use strict';
  var WORDS = {
    vi: {
      prevDay: '◀ Ngày trước', nextDay: 'Ngày sau ▶', play: '▶ Phát', pause: '❚❚ Dừng',
      soundOn: 'Bật tiếng', soundOff: 'Tắt tiếng', prevGap: '« Đoạn mất trước', nextGap: 'Đoạn mất sau »', live: 'Xem trực tiếp', snapshot: 'Chụp ảnh',
      rangeTitle: 'Trích xuất / giữ bằng chứng', markFrom: 'Từ lúc này', markTo: 'Đến lúc này',
      reason: 'Lý do (số vụ việc...)', lockToo: 'giữ đoạn này', export: 'Trích xuất MP4', hold: 'Giữ bằng chứng',
      holds: 'Đoạn đang được giữ', release: 'Bỏ giữ', recorded: 'có hình', gap: 'mất hình', heldLegend: 'đang giữ',
      noFootage: 'Không có hình lúc này', exporting: 'Đang trích xuất...', exported: 'Đã trích xuất',
      download: 'Tải MP4', manifest: 'Tải bản kê (SHA-256)', failed: 'Không thực hiện được: ',
      needRange: 'Chọn thời điểm bắt đầu và kết thúc', needReason: 'Nhập lý do', placed: 'Đã giữ #',
      released: 'Đã bỏ giữ #', gapReason: 'Lý do: ',
      cannotPlay: 'Trình duyệt này không phát được hình của camera này (H.265). Hình tĩnh lúc đã chọn; trích xuất MP4 xem được bằng VLC.'
    },
    en: {
      prevDay: '◀ Previous day', nextDay: 'Next day ▶', play: '▶ Play', pause: '❚❚ Pause',
      soundOn: 'Sound on', soundOff: 'Sound off', prevGap: '« Previous gap', nextGap: 'Next gap »', live: 'Live', snapshot: 'Snapshot',
      rangeTitle: 'Export / evidence hold', markFrom: 'From now on', markTo: 'Up to now',
      reason: 'Reason (case number...)', lockToo: 'hold this range', export: 'Export MP4', hold: 'Place hold',
      holds: 'Holds', release: 'Release', recorded: 'recorded', gap: 'gap', heldLegend: 'held',
      noFootage: 'No footage at this moment', exporting: 'Exporting...', exported: 'Exported',
      download: 'Download MP4', manifest: 'Download manifest (SHA-256)', failed: 'Failed: ',
      needRange: 'Pick a start and an end', needReason: 'Enter a reason', placed: 'Hold placed #',
      released: 'Hold released #', gapReason: 'Reason: ',
      cannotPlay: 'This browser cannot play this camera\'s video (H.265). A still of the chosen moment; exports play in VLC.'
    }
  };
  var WINDOW_MS = 30 * 60 * 1000;
  var LIVE_EDGE_MS = 3000;
  var DAY_MS = 86400000;
  var body = document.body;
  var lang = body.getAttribute('data-lang') === 'en' ? 'en' : 'vi';
  var W = WORDS[lang];
  var csrf = body.getAttribute('data-csrf');
  var $ = function (id) { return document.getElementById(id); };
  var video = $('video');
  var bar = $('bar');
  var state = {
    camera: null, day: 0, segments: [], gaps: [], holds: [],
    playback: null,  // {from, to, pieces}
    stillsOnly: false, // the camera's codec is one this browser cannot decode
    view: null,      // {start, len}: the part of the day the bar shows (zoom)
    cursorMs: null
  };
  var ZOOMS = [86400000, 6 * 3600000, 3600000, 600000, 120000];
  var TICKS = [7200000, 1800000, 600000, 60000, 15000];
  var zoomLevel = 0;

  document.querySelectorAll('[data-t]').forEach(function (el) { el.textContent = W[el.getAttribute('data-t')]; });
  document.querySelectorAll('[data-tp]').forEach(function (el) { el.placeholder = W[el.getAttribute('data-tp')]; });
  $('legend').innerHTML = '<i style="background:var(--ok)"></i>' + W.recorded + '<i style="background:var(--down)"></i>'
    + W.gap + '<i style="background:#7a3fc4"></i>' + W.heldLegend;

  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function localDayStart(ms) { var d = new Date(ms); d.setHours(0, 0, 0, 0); return d.getTime(); }
  function dayLength(start) { var d = new Date(start); d.setDate(d.getDate() + 1); return d.getTime() - start; }
  function clockText(ms) {
    var d = new Date(ms);
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + pad(d.getHours()) + ':'
      + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  }
  function iso(ms) { return new Date(ms).toISOString(); }
  function q(params) {
    return Object.keys(params).map(function (k) { return k + '=' + encodeURIComponent(params[k]); }).join('&');
  }
  function getJson(url) {
    return fetch(url, {credentials: 'same-origin'}).then(function (r) {
      if (!r.ok) { return r.json().then(function (e) { throw new Error(e.error || r.status); }); }
      return r.json();
    });
  }
  function send(method, url, json) {
    return fetch(url, {method: method, credentials: 'same-origin',
      headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf},
      body: json === undefined ? undefined : JSON.stringify(json)}).then(function (r) {
      return r.json().then(function (b) { if (!r.ok) { throw new Error(b.error || r.status); } return b; });
    });
  }
  function parseTime(text) {
    var m = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d)(?::(\d\d))?$/.exec(text.trim());
    if (!m) { return NaN; }
    return new Date(+m[1], m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0)).getTime();
  }

  // ---- the day bar ----
  function view() { return state.view || {start: state.day, len: dayLength(state.day)}; }
  function x(ms) { var v = view(); return Math.max(0, Math.min(100, (ms - v.start) * 100 / v.len)); }
  /** Shows ZOOMS[level] of the day around centerMs (the whole day at level 0). */
  function zoom(level, centerMs) {
    zoomLevel = Math.max(0, Math.min(ZOOMS.length - 1, level));
    var dayLen = dayLength(state.day), len = Math.min(ZOOMS[zoomLevel], dayLen);
    var start = Math.round(centerMs - len / 2);
    start = Math.max(state.day, Math.min(state.day + dayLen - len, start));
    state.view = {start: start, len: len};
    drawHours();
    drawBar();
    if (state.cursorMs !== null) { showCursor(state.cursorMs); }
  }
  function center() {
    if (state.cursorMs !== null) { return state.cursorMs; }
    var v = view();
    return v.start + v.len / 2;
  }
  function block(cls, from, to, title) {
    var el = document.createElement('div');
    el.className = cls;
    el.style.left = x(from) + '%';
    el.style.width = Math.max(0.05, x(to) - x(from)) + '%';
    if (title) { el.title = title; }
    bar.appendChild(el);
    return el;
  }
  function drawBar() {
    bar.querySelectorAll('.span,.gap,.hold').forEach(function (el) { el.remove(); });
    var end = view().start + view().len;
    var begin = view().start;
    // join touching segments into spans
    var spans = [];
    state.segments.forEach(function (s) {
      var a = Date.parse(s.start), b = s.end ? Date.parse(s.end) : Date.now();
      var last = spans[spans.length - 1];
      if (last && a - last[1] <= 1500) { last[1] = Math.max(last[1], b); } else { spans.push([a, b]); }
    });
    spans.forEach(function (s) { if (s[1] > begin && s[0] < end) { block('span', Math.max(s[0], begin), Math.min(s[1], end)); } });
    state.gaps.forEach(function (g) {
      if (Date.parse(g.end) <= begin || Date.parse(g.start) >= end) { return; }
      var el = block('gap gap-' + g.reason, Math.max(Date.parse(g.start), begin), Math.min(Date.parse(g.end), end),
        clockText(Date.parse(g.start)) + ' – ' + clockText(Date.parse(g.end)) + '\n' + W.gapReason + g.reason);
      el.setAttribute('data-reason', g.reason);
    });
    state.holds.forEach(function (h) {
      if (Date.parse(h.to) <= begin || Date.parse(h.from) >= end) { return; }
      block('hold', Math.max(Date.parse(h.from), begin), Math.min(Date.parse(h.to), end), '#' + h.id + ' ' + (h.reason || ''));
    });
    var now = Date.now();
    $('now').style.display = now >= begin && now < end ? 'block' : 'none';
    $('now').style.left = x(now) + '%';
    drawPick();
  }
  function drawHours() {
    var h = $('hours');
    h.innerHTML = '';
    var v = view(), step = TICKS[zoomLevel];
    var first = state.day + Math.ceil((v.start - state.day) / step) * step;
    for (var t = first; t <= v.start + v.len; t += step) {
      var s = document.createElement('span'), d = new Date(t);
      s.style.left = x(t) + '%';
      s.textContent = pad(d.getHours()) + ':' + pad(d.getMinutes()) + (step < 60000 ? ':' + pad(d.getSeconds()) : '');
      h.appendChild(s);
    }
  }
  function drawPick() {
    var a = parseTime($('from').value), b = parseTime($('to').value);
    var p = $('pick');
    if (isNaN(a) || isNaN(b) || b <= a) { p.style.display = 'none'; return; }
    p.style.display = 'block';
    p.style.left = x(a) + '%';
    p.style.width = Math.max(0.1, x(b) - x(a)) + '%';
  }
  function loadDay(dayStart) {
    state.day = dayStart;
    state.view = null;
    zoomLevel = 0;
    drawHours();
    var d = new Date(dayStart);
    $('day').value = d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate());
    var range = {camera: state.camera, from: iso(dayStart), to: iso(dayStart + dayLength(dayStart))};
    return Promise.all([
      getJson('/api/footage?' + q(range)),
      getJson('/api/gaps?' + q(range)).catch(function () { return []; }),
      getJson('/api/holds?' + q(range)).catch(function () { return []; })
    ]).then(function (r) {
      state.segments = r[0];
      state.gaps = r[1];
      state.holds = r[2];
      drawBar();
      drawHolds();
    });
  }

  // ---- playback ----
  function wallAt(t) {
    var p = state.playback;
    if (!p || !p.pieces.length) { return null; }
    var piece = p.pieces[0];
    for (var i = 0; i < p.pieces.length; i++) { if (p.pieces[i].media_start_s <= t + 1e-3) { piece = p.pieces[i]; } }
    return piece.start_ms + (t - piece.media_start_s) * 1000;
  }
  function mediaAt(ms) {
    var p = state.playback;
    if (!p || ms < p.from || ms >= p.to) { return null; }
    for (var i = 0; i < p.pieces.length; i++) {
      var pc = p.pieces[i];
      if (ms >= pc.start_ms && ms < pc.start_ms + pc.duration_s * 1000) { return pc.media_start_s + (ms - pc.start_ms) / 1000; }
    }
    return null;
  }
  function nextFootage(ms) {
    // the first recorded moment at or after ms in the day's segments
    for (var i = 0; i < state.segments.length; i++) {
      var s = state.segments[i], a = Date.parse(s.start), b = s.end ? Date.parse(s.end) : Date.now();
      if (b > ms) { return Math.max(a, ms); }
    }
    return null;
  }
  /** Plays from the wall-clock moment ms: within the loaded window by seeking, else a new window. */
  function playFrom(ms, keepPaused) {
    if (state.stillsOnly) { return still(ms); }
    var t = mediaAt(ms);
    if (t !== null) {
      video.currentTime = t;
      if (!keepPaused) { video.play().catch(function () {}); }
      showCursor(ms);
      return Promise.resolve();
    }
    var start = nextFootage(ms);
    var dayEnd = state.day + dayLength(state.day);
    if (start === null || start >= dayEnd) {
      if (ms >= state.day && Date.now() > dayEnd) {
        // from ms, not from midnight: a window that ran past midnight must not start that day over
        return loadDay(dayEnd).then(function () {
          if (state.segments.length) { return playFrom(Math.max(ms, dayEnd), keepPaused); }
          noFootage();
        });
      }
      noFootage();
      return Promise.resolve();
    }
    // up to a few seconds ago: the fragments the recorder is still writing (at most 2 s) are left to the
    // next window, so the MP4 of one URL never changes under the player
    var from = start, to = Math.min(start + WINDOW_MS, Date.now() - LIVE_EDGE_MS);
    if (to - from < 1000) {
      setTimeout(function () { playFrom(from, keepPaused); }, LIVE_EDGE_MS);
      return Promise.resolve();
    }
    var query = q({from: iso(from), to: iso(to)});
    var base = '/playback/' + encodeURIComponent(state.camera);
    return getJson(base + '.json?' + query).then(function (info) {
      state.playback = {from: from, to: to, pieces: info.pieces};
      $('nofootage').hidden = true;
      video.src = base + '.mp4?' + query;
      video.playbackRate = +$('rate').value;
      video.setAttribute('data-from', String(from));
      if (!keepPaused) { video.play().catch(function () {}); }
      showCursor(from);
    }).catch(function () { noFootage(); });
  }
  /** Where the browser cannot decode the camera's video: the picture of that moment as a JPEG. */
  function still(ms) {
    var n = $('nofootage');
    n.hidden = false;
    n.textContent = '';
    var note = document.createElement('p');
    note.textContent = W.cannotPlay;
    n.appendChild(note);
    if (body.getAttribute('data-role') !== 'viewer') {
      var img = document.createElement('img');
      img.src = '/snapshot/' + encodeURIComponent(state.camera) + '.jpg?' + q({at: iso(ms)});
      n.appendChild(img);
    }
    showCursor(ms);
    return Promise.resolve();
  }
  function noFootage() {
    $('nofootage').textContent = W.noFootage;
    $('nofootage').hidden = false;
  }
  function showCursor(ms) {
    state.cursorMs = ms;
    var v = view();
    if (zoomLevel > 0 && (ms < v.start || ms >= v.start + v.len) && ms >= state.day && ms < state.day + dayLength(state.day)) {
      zoom(zoomLevel, ms); // follow the picture
      return;
    }
    var c = $('cursor');
    c.style.display = 'block';
    c.style.left = x(ms) + '%';
    $('clock').textContent = clockText(ms);
    $('clock').setAttribute('data-ms', String(Math.round(ms)));
  }
  function current() {
    var w = wallAt(video.currentTime);
    return w === null ? null : w;
  }
  var lastPlayed = null; // the wall-clock time of the picture at the previous timeupdate
  video.addEventListener('timeupdate', function () {
    var w = current();
    if (w === null) { return; }
    var dayEnd = state.day + dayLength(state.day);
    if (lastPlayed !== null && lastPlayed >= state.day && lastPlayed < dayEnd && (w >= dayEnd || w < state.day)) {
      // playing on past midnight: the bar goes to the picture's day (a day picked by hand stays while it plays elsewhere)
      loadDay(localDayStart(w));
    }
    lastPlayed = w;
    showCursor(w);
  });
  video.addEventListener('seeked', function () {
    var w = current();
    if (w !== null) { showCursor(w); }
  });
  video.addEventListener('ended', function () {
    // the window is over: the next one, across gaps and days, without reloading the page
    if (state.playback) { playFrom(state.playback.to); }
  });
  video.addEventListener('ratechange', function () { $('rate').value = String(video.playbackRate); });

  bar.addEventListener('click', function (e) {
    var r = bar.getBoundingClientRect();
    var ms = view().start + (e.clientX - r.left) / r.width * view().len;
    if (e.shiftKey) { setRange(ms); return; }
    playFrom(ms);
  });
  var picking = 0;
  function setRange(ms) {
    if (picking === 0) { $('from').value = clockText(ms); } else { $('to').value = clockText(ms); }
    picking = 1 - picking;
    drawPick();
  }
  $('play').onclick = function () { video.play().catch(function () {}); };
  $('pause').onclick = function () { video.pause(); };
  $('rate').onchange = function () { video.playbackRate = +$('rate').value; };
  $('sound').onclick = function () {
    // muted at first so that playback may start without a click; the camera's audio on request
    video.muted = !video.muted;
    $('sound').textContent = video.muted ? W.soundOn : W.soundOff;
  };
  $('next-gap').onclick = function () {
    var now = current() || state.day;
    var g = state.gaps.filter(function (g) { return Date.parse(g.start) > now + 500; })[0];
    if (g) { playFrom(Date.parse(g.end)); }
  };
  $('prev-gap').onclick = function () {
    var now = current() || state.day + dayLength(state.day);
    var before = state.gaps.filter(function (g) { return Date.parse(g.end) < now - 2000; });
    var g = before[before.length - 1];
    if (g) { playFrom(Math.max(state.day, Date.parse(g.start) - 10000)); }
  };
  $('zoom-in').onclick = function () { zoom(zoomLevel + 1, center()); };
  $('zoom-out').onclick = function () { zoom(zoomLevel - 1, center()); };
  $('prev-day').onclick = function () { var d = new Date(state.day); d.setDate(d.getDate() - 1); loadDay(d.getTime()); };
  $('next-day').onclick = function () { loadDay(state.day + dayLength(state.day)); };
  $('day').onchange = function () {
    var m = /^(\d{4})-(\d\d)-(\d\d)$/.exec($('day').value);
    if (m) { loadDay(new Date(+m[1], m[2] - 1, +m[3]).getTime()); }
  };
  $('snapshot').onclick = function () {
    var w = current();
    if (w === null) { return; }
    window.open('/snapshot/' + encodeURIComponent(state.camera) + '.jpg?' + q({at: iso(w)}), '_blank');
  };
  $('mark-from').onclick = function () { var w = current(); if (w !== null) { $('from').value = clockText(w); drawPick(); } };
  $('mark-to').onclick = function () { var w = current(); if (w !== null) { $('to').value = clockText(w); drawPick(); } };
  $('from').onchange = drawPick;
  $('to').onchange = drawPick;

  function result(html, error) {
    $('result').className = 'result' + (error ? ' error' : '');
    $('result').innerHTML = html;
  }
  function esc(s) { return String(s).replace(/[&<>"']/g, function (c) { return '&#' + c.charCodeAt(0) + ';'; }); }
  function pickedRange() {
    var a = parseTime($('from').value), b = parseTime($('to').value);
    if (isNaN(a) || isNaN(b) || b <= a) { result(esc(W.needRange), true); return null; }
    return {camera: state.camera, from: iso(a), to: iso(b), reason: $('reason').value};
  }
  $('export').onclick = function () {
    var r = pickedRange();
    if (!r) { return; }
    r.lock = $('lock').checked;
    result(esc(W.exporting));
    send('POST', '/api/export', r).then(function (e) {
      result(esc(W.exported) + ' ' + esc(e.name) + ' (sha256 ' + esc(e.sha256.substring(0, 16)) + '…) '
        + '<a id="export-mp4" href="' + esc(e.url) + '" download>' + esc(W.download) + '</a>'
        + '<a id="export-manifest" href="' + esc(e.manifest_url) + '" download>' + esc(W.manifest) + '</a>');
      if (r.lock) { loadDay(state.day); }
    }).catch(function (e) { result(esc(W.failed + e.message), true); });
  };
  $('hold').onclick = function () {
    var r = pickedRange();
    if (!r) { return; }
    if (!r.reason.trim()) { result(esc(W.needReason), true); return; }
    send('POST', '/api/holds', r).then(function (h) {
      result(esc(W.placed + h.id));
      loadDay(state.day);
    }).catch(function (e) { result(esc(W.failed + e.message), true); });
  };
  function drawHolds() {
    var ul = $('holds');
    ul.innerHTML = '';
    state.holds.forEach(function (h) {
      var li = document.createElement('li');
      li.textContent = '#' + h.id + ' ' + clockText(Date.parse(h.from)) + ' – ' + clockText(Date.parse(h.to)) + ' '
        + (h.reason || '') + ' (' + (h.created_by || '') + ') ';
      if (body.getAttribute('data-role') !== 'viewer') {
        var b = document.createElement('button');
        b.textContent = W.release;
        b.onclick = function () {
          send('DELETE', '/api/holds/' + h.id + '?' + q({reason: $('reason').value || W.release}))
            .then(function () { result(esc(W.released + h.id)); loadDay(state.day); })
            .catch(function (e) { result(esc(W.failed + e.message), true); });
        };
        li.appendChild(b);
      }
      ul.appendChild(li);
    });
  }

  // ---- start ----
  var params = new URLSearchParams(location.search);
  drawHours();
  getJson('/api/cameras').then(function (cams) {
    var sel = $('camera');
    cams.forEach(function (c) {
      var o = document.createElement('option');
      o.value = c.camera;
      o.textContent = (c.name || c.camera) + ' (' + (c.site_name || c.site) + ')';
      sel.appendChild(o);
    });
    state.camera = params.get('camera') || (cams[0] && cams[0].camera);
    sel.value = state.camera;
    cams.forEach(function (c) {
      if (c.camera !== state.camera) { return; }
      if (c.video_codec === 'hevc') {
        // H.265 as the recorder writes it (hvc1): play it where this browser can
        state.stillsOnly = !document.createElement('video').canPlayType('video/mp4; codecs="hvc1.1.6.L93.B0"');
      } else if (c.browser_playable === false) {
        state.stillsOnly = true;
      }
    });
    sel.onchange = function () { location.search = '?' + q({camera: sel.value, lang: lang}); };
    $('live').href = '/app/wall#' + q({n: 1, cam: state.camera});
    var other = new URLSearchParams(location.search);
    other.set('camera', state.camera);
    other.set('lang', lang === 'vi' ? 'en' : 'vi');
    $('switch-lang').href = '?' + other;
    var at = params.get('at') ? Date.parse(params.get('at')) : Date.now();
    return loadDay(localDayStart(at));
  }).then(function () { body.setAttribute('data-ready', 'true'); });
  setInterval(function () { if (state.camera) { drawBar(); } }, 60000);
  window.nvrTimeline = {playFrom: playFrom, current: current, state: state, zoom: zoom};
})();
