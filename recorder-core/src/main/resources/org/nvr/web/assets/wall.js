// The live wall: every camera in a grid (1, 4, 9, 16 per page, or one site), each tile playing the
// recorder's own stream from /live/{camera} (a WebSocket of fMP4 fragments, fed to Media Source
// Extensions); a click shows one camera large, with sound. The state badges come from /api/cameras.
// Plain JavaScript, no library: the office may have no internet.
'use strict';
(function () {
  const lang = document.documentElement.lang === 'en' ? 'en' : 'vi';
  const W = {
    vi: {
      layout: 'Số ô', site: 'Điểm', allSites: 'Tất cả', logout: 'Đăng xuất', other: 'English',
      recording: 'đang ghi', connecting: 'đang kết nối', stopped: 'đã dừng', unknown: 'chưa rõ',
      downSince: 'mất tín hiệu từ {t}', down: 'mất tín hiệu', noVideo: 'Trình duyệt này không phát được {c}; ảnh chụp làm mới vài giây một lần',
      empty: 'Không có camera nào', waiting: 'đang chờ hình…',
      reasons: {
        unreachable: 'mất kết nối', refused: 'camera từ chối kết nối', timeout: 'quá thời gian chờ',
        auth: 'sai mật khẩu', not_found: 'sai đường dẫn luồng', protocol: 'luồng không đọc được',
        no_video: 'không có hình', stalled: 'camera ngừng gửi hình', eof: 'camera ngắt kết nối',
        disk_full: 'đầy ổ đĩa', shutdown: 'đầu ghi đang dừng', error: 'lỗi'
      }
    },
    en: {
      layout: 'Tiles', site: 'Site', allSites: 'All', logout: 'Log out', other: 'Tiếng Việt',
      recording: 'recording', connecting: 'connecting', stopped: 'stopped', unknown: 'unknown',
      downSince: 'down since {t}', down: 'down', noVideo: 'This browser cannot play {c}; a still refreshed every few seconds',
      empty: 'No cameras', waiting: 'waiting for pictures…',
      reasons: {
        unreachable: 'unreachable', refused: 'connection refused', timeout: 'timed out',
        auth: 'wrong password', not_found: 'wrong stream path', protocol: 'unreadable stream',
        no_video: 'no video', stalled: 'camera stopped sending', eof: 'camera closed the stream',
        disk_full: 'disk full', shutdown: 'recorder stopping', error: 'error'
      }
    }
  }[lang];
  const STILL_PERIOD_MS = 5000;
  const STATE_PERIOD_MS = 5000;
  const RETRY_MS = 3000;

  const wall = document.getElementById('wall');
  const layout = document.getElementById('layout');
  const siteSelect = document.getElementById('site');
  const view = { n: 4, page: 0, site: '', big: null };
  let cameras = [];
  let players = [];

  document.querySelectorAll('[data-w]').forEach(e => { e.textContent = W[e.dataset.w]; });
  const other = document.getElementById('other-lang');
  other.href = '?lang=' + (lang === 'vi' ? 'en' : 'vi') + location.hash;
  other.textContent = W.other;

  function readHash() {
    const h = new URLSearchParams(location.hash.slice(1));
    view.n = [1, 4, 9, 16].includes(+h.get('n')) ? +h.get('n') : 4;
    view.page = Math.max(0, +h.get('p') || 0);
    view.site = h.get('site') || '';
    view.big = h.get('cam');
  }

  function writeHash() {
    const h = new URLSearchParams();
    h.set('n', view.n);
    if (view.page) h.set('p', view.page);
    if (view.site) h.set('site', view.site);
    if (view.big) h.set('cam', view.big);
    history.replaceState(null, '', '#' + h);
    other.href = '?lang=' + (lang === 'vi' ? 'en' : 'vi') + location.hash;
  }

  function hhmm(iso) {
    const d = new Date(iso);
    const t = d.toLocaleTimeString(lang === 'vi' ? 'vi-VN' : 'en-GB', { hour: '2-digit', minute: '2-digit' });
    return d.toDateString() === new Date().toDateString() ? t
      : t + ' ' + d.toLocaleDateString(lang === 'vi' ? 'vi-VN' : 'en-GB', { day: '2-digit', month: '2-digit' });
  }

  /** The badge's class and words: recording, or down since HH:MM and why. */
  function badge(cam) {
    const state = cam.state || 'unknown';
    if (state === 'down') {
      const why = W.reasons[cam.reason] || cam.reason || '';
      const since = cam.since ? W.downSince.replace('{t}', hhmm(cam.since)) : W.down;
      return [state, why ? since + ': ' + why : since];
    }
    return [state, W[state] || state];
  }

  /**
   * Plays /live/{camera} in {@code video}: the first text message is the MSE type, then an init
   * segment and fragments. Reconnects when the camera stops (the server closes the socket); keeps
   * the picture near the live edge. {@code onNotPlayable(type)} when this browser cannot decode it.
   */
  function livePlayer(camera, video, onNotPlayable) {
    let ws = null, source = null, buffer = null, queue = [], stopped = false, timer = null;
    function connect() {
      const proto = location.protocol === 'https:' ? 'wss://' : 'ws://';
      ws = new WebSocket(proto + location.host + '/live/' + encodeURIComponent(camera));
      ws.binaryType = 'arraybuffer';
      ws.onmessage = e => {
        if (typeof e.data === 'string') {
          start(e.data);
        } else if (source) {
          queue.push(e.data);
          pump();
        }
      };
      ws.onclose = () => {
        ws = null;
        if (!stopped) timer = setTimeout(connect, RETRY_MS);
      };
    }
    function start(type) {
      if (!window.MediaSource || !MediaSource.isTypeSupported(type)) {
        stop();
        onNotPlayable(type);
        return;
      }
      queue = [];
      buffer = null;
      source = new MediaSource();
      video.src = URL.createObjectURL(source);
      const mine = source;
      mine.addEventListener('sourceopen', () => {
        URL.revokeObjectURL(video.src);
        if (mine !== source) return;
        buffer = mine.addSourceBuffer(type);
        buffer.addEventListener('updateend', pump);
        pump();
      });
    }
    function pump() {
      if (!buffer || buffer.updating || source.readyState !== 'open') return;
      const b = video.buffered;
      if (b.length) {
        const end = b.end(b.length - 1);
        // Stay near the live edge: after a pause, a skip or a slow start, jump to the newest picture.
        if (video.currentTime < b.start(0) || end - video.currentTime > 1.5) video.currentTime = Math.max(b.start(b.length - 1), end - 0.3);
        if (video.currentTime - b.start(0) > 60) {
          buffer.remove(b.start(0), video.currentTime - 20); // keep memory small; updateend pumps again
          return;
        }
        if (video.paused) video.play().catch(() => {});
      }
      if (queue.length) {
        try {
          buffer.appendBuffer(queue.shift());
        } catch (err) {
          if (ws) ws.close(); // a broken stream: start over from a keyframe
        }
      }
    }
    function stop() {
      stopped = true;
      clearTimeout(timer);
      if (ws) ws.close();
      source = null;
      buffer = null;
      queue = [];
      video.removeAttribute('src');
      video.load();
    }
    connect();
    return { stop };
  }

  /** For a camera this browser cannot decode (H.265 in most browsers): a still refreshed every few seconds. */
  function stillPlayer(camera, img) {
    function refresh() {
      img.src = '/snapshot/' + encodeURIComponent(camera) + '.jpg?at=now&t=' + Date.now();
    }
    refresh();
    const t = setInterval(refresh, STILL_PERIOD_MS);
    return { stop: () => clearInterval(t) };
  }

  function tile(cam, big) {
    const t = document.createElement('div');
    t.className = 'tile';
    t.dataset.camera = cam.camera;
    const video = document.createElement('video');
    video.muted = !big; // sound only for the one camera shown large
    video.autoplay = true;
    video.playsInline = true;
    const img = document.createElement('img');
    img.hidden = true;
    img.alt = '';
    const note = document.createElement('div');
    note.className = 'note';
    const label = document.createElement('div');
    label.className = 'label';
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = cam.name || cam.camera;
    const where = document.createElement('span');
    where.className = 'where';
    where.textContent = [cam.site_name || cam.site, cam.location].filter(Boolean).join(' · ');
    const b = document.createElement('span');
    b.className = 'badge';
    label.append(name, where, b);
    t.append(video, img, note, label);
    if (big) video.controls = true;
    t.addEventListener('click', e => {
      if (big && e.target === video) return; // the controls
      view.big = big ? null : cam.camera;
      writeHash();
      render();
    });
    let player = livePlayer(cam.camera, video, type => {
      const codec = /hvc1|hev1/.test(type) ? 'H.265' : type;
      note.textContent = W.noVideo.replace('{c}', codec);
      video.hidden = true;
      img.hidden = false;
      player = stillPlayer(cam.camera, img);
    });
    players.push({ stop: () => player.stop() });
    return t;
  }

  function shown() {
    const list = cameras.filter(c => !view.site || c.site === view.site);
    if (view.big) return list.filter(c => c.camera === view.big).slice(0, 1);
    const pages = Math.max(1, Math.ceil(list.length / view.n));
    view.page = Math.min(view.page, pages - 1);
    document.getElementById('page').textContent = (view.page + 1) + '/' + pages;
    return list.slice(view.page * view.n, (view.page + 1) * view.n);
  }

  function render() {
    players.forEach(p => p.stop());
    players = [];
    wall.textContent = '';
    wall.dataset.n = view.n;
    wall.classList.toggle('big', !!view.big);
    const list = shown();
    if (!list.length) {
      const p = document.createElement('p');
      p.textContent = W.empty;
      wall.append(p);
    }
    list.forEach(c => wall.append(tile(c, !!view.big)));
    badges();
  }

  function badges() {
    for (const t of wall.querySelectorAll('.tile')) {
      const cam = cameras.find(c => c.camera === t.dataset.camera);
      if (!cam) continue;
      const [cls, words] = badge(cam);
      const b = t.querySelector('.badge');
      b.className = 'badge ' + cls;
      b.textContent = words;
    }
  }

  async function loadCameras() {
    const r = await fetch('/api/cameras', { credentials: 'same-origin' });
    if (r.status === 401) {
      location.href = '/';
      return false;
    }
    const j = await r.json();
    cameras = Array.isArray(j) ? j : (j.cameras || []);
    return true;
  }

  async function poll() {
    try {
      if (await loadCameras()) badges();
    } catch (e) {
      // the recorder is restarting; the next poll tries again
    }
  }

  async function init() {
    readHash();
    layout.value = String(view.n);
    await loadCameras();
    const sites = new Map(cameras.map(c => [c.site, c.site_name || c.site]));
    for (const [id, name] of sites) {
      const o = document.createElement('option');
      o.value = id;
      o.textContent = name;
      siteSelect.append(o);
    }
    siteSelect.value = view.site;
    layout.onchange = () => { view.n = +layout.value; view.page = 0; view.big = null; writeHash(); render(); };
    siteSelect.onchange = () => { view.site = siteSelect.value; view.page = 0; view.big = null; writeHash(); render(); };
    document.getElementById('prev').onclick = () => { view.page = Math.max(0, view.page - 1); view.big = null; writeHash(); render(); };
    document.getElementById('next').onclick = () => { view.page++; view.big = null; writeHash(); render(); };
    render();
    setInterval(poll, STATE_PERIOD_MS);
  }

  init();
})();
