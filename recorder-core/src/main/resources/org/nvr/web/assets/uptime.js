// The uptime page (/app/uptime, admins): availability per site and camera over a day, week, month or
// any range, from GET /api/uptime (the numbers of `nvr uptime`), laid out to be printed on A4 as the
// periodic report to the district. Words in Vietnamese or English (the page's lang); the period and
// site are kept in the address, so a report can be bookmarked or reopened. Periods are sent as
// local times without an offset: the recorder reads them in its own time zone, as `nvr uptime` does.
"use strict";
(() => {
  const WORDS = {
    vi: {
      pageName: "Thời gian hoạt động", period: "Kỳ báo cáo", day: "Ngày", week: "Tuần", month: "Tháng",
      custom: "Tùy chọn", previous: "Kỳ trước", next: "Kỳ sau", from: "Từ", to: "Đến", site: "Điểm",
      allSites: "Tất cả các điểm", show: "Xem", print: "In báo cáo", loading: "Đang tải…",
      title: "Báo cáo thời gian hoạt động camera", periodFrom: "Từ", periodTo: "đến",
      generated: "Lập lúc", summary: "Tổng hợp theo điểm", colSite: "Điểm", colCameras: "Số camera",
      colCamera: "Camera", colName: "Tên", colUp: "Hoạt động", colRecorded: "Đã ghi", colOutages: "Số lần mất",
      colLongest: "Lâu nhất", colReasons: "Lý do chính", siteTotal: "Cả điểm",
      signed: "Người lập báo cáo (ký, ghi rõ họ tên)", empty: "Không có camera nào trong kỳ này.",
      badRange: "Thời điểm kết thúc phải sau thời điểm bắt đầu.", forbidden: "Chỉ quản trị viên được xem trang này.",
      failed: "Không tải được số liệu: ", switchLang: "English",
      h: "giờ", m: "phút", s: "giây",
      reasons: {
        unreachable: "không kết nối được (mạng)", refused: "camera từ chối kết nối", timeout: "hết thời gian chờ",
        auth: "sai tài khoản/mật khẩu", not_found: "sai đường dẫn luồng", protocol: "lỗi giao thức",
        no_video: "luồng không có hình", stalled: "luồng bị treo", eof: "camera ngắt luồng", disk_full: "đầy ổ đĩa",
        shutdown: "đầu ghi tắt", crash: "đầu ghi dừng đột ngột", deleted: "đã bị xoá (hết hạn lưu)",
        recording: "đang ghi, chưa đóng đoạn", missing_file: "mất tệp", unknown: "không rõ",
        not_recording_yet: "đầu ghi chưa ghi camera này", error: "lỗi",
      },
    },
    en: {
      pageName: "Uptime", period: "Period", day: "Day", week: "Week", month: "Month", custom: "Custom",
      previous: "Previous period", next: "Next period", from: "From", to: "To", site: "Site",
      allSites: "All sites", show: "Show", print: "Print report", loading: "Loading…",
      title: "Camera availability report", periodFrom: "From", periodTo: "to",
      generated: "Made", summary: "Summary by site", colSite: "Site", colCameras: "Cameras",
      colCamera: "Camera", colName: "Name", colUp: "Up", colRecorded: "Recorded", colOutages: "Outages",
      colLongest: "Longest", colReasons: "Top reasons", siteTotal: "Whole site",
      signed: "Prepared by (signature, full name)", empty: "No camera in this period.",
      badRange: "The end must be after the start.", forbidden: "Only administrators may see this page.",
      failed: "Could not load the figures: ", switchLang: "Tiếng Việt",
      h: "h", m: "m", s: "s",
      reasons: {
        unreachable: "unreachable (network)", refused: "connection refused", timeout: "timed out",
        auth: "wrong user or password", not_found: "wrong stream path", protocol: "protocol error",
        no_video: "no video in the stream", stalled: "stream stalled", eof: "camera ended the stream",
        disk_full: "disk full", shutdown: "recorder stopped", crash: "recorder crashed",
        deleted: "deleted (retention)", recording: "recording, segment not closed", missing_file: "file missing",
        unknown: "unknown", not_recording_yet: "not recorded yet", error: "error",
      },
    },
  };
  const lang = document.body.dataset.lang === "en" ? "en" : "vi";
  const W = WORDS[lang];
  const $ = (id) => document.getElementById(id);

  // ---- numbers, as `nvr uptime` prints them -----------------------------------------------------
  const decimal = (text) => (lang === "vi" ? text.replace(".", ",") : text);
  const percent = (ratio) => decimal((ratio * 100).toFixed(2)) + "%";
  const two = (n) => String(n).padStart(2, "0");
  function duration(seconds) {
    const s = Math.floor(seconds);
    if (s >= 3600) {
      return lang === "vi" ? `${Math.floor(s / 3600)} ${W.h} ${two(Math.floor(s % 3600 / 60))} ${W.m} ${two(s % 60)} ${W.s}`
        : `${Math.floor(s / 3600)}h${two(Math.floor(s % 3600 / 60))}m${two(s % 60)}s`;
    }
    if (s >= 60) {
      return lang === "vi" ? `${Math.floor(s / 60)} ${W.m} ${two(s % 60)} ${W.s}` : `${Math.floor(s / 60)}m${two(s % 60)}s`;
    }
    const tenths = decimal(Number(seconds).toFixed(1));
    return lang === "vi" ? `${tenths} ${W.s}` : `${tenths}s`;
  }
  // One line per reason: "sai tài khoản/mật khẩu 1× 3 giờ 30 phút 00 giây".
  const reasonLines = (list) => (list.length === 0 ? ["-"]
    : list.map((r) => el("span", {}, `${W.reasons[r.reason] || r.reason} ${r.outages}× ${duration(r.seconds)}`)));
  const reasonCell = (list) => el("td", { class: "reasons" }, ...reasonLines(list));
  // An ISO time of the recorder ("2026-12-06T00:00:00+07:00") shown in the recorder's own zone.
  function wallClock(iso) {
    const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)/.exec(iso || "");
    if (!m) {
      return iso || "";
    }
    return lang === "vi" ? `${m[4]}:${m[5]} ${m[3]}/${m[2]}/${m[1]}` : `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}`;
  }

  // ---- the period ------------------------------------------------------------------------------
  const isoDate = (d) => `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
  function parseDate(text) {
    const m = /^(\d{4})-(\d\d)-(\d\d)$/.exec(text || "");
    return m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : null;
  }
  // [first day, day after the last] of the day, week (Monday first) or month holding `date`.
  function bounds(kind, date) {
    const d = new Date(date.getFullYear(), date.getMonth(), date.getDate());
    if (kind === "week") {
      const start = new Date(d.getFullYear(), d.getMonth(), d.getDate() - (d.getDay() + 6) % 7);
      return [start, new Date(start.getFullYear(), start.getMonth(), start.getDate() + 7)];
    }
    if (kind === "month") {
      return [new Date(d.getFullYear(), d.getMonth(), 1), new Date(d.getFullYear(), d.getMonth() + 1, 1)];
    }
    return [d, new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1)];
  }
  function shift(kind, date, step) {
    if (kind === "month") {
      return new Date(date.getFullYear(), date.getMonth() + step, 1);
    }
    return new Date(date.getFullYear(), date.getMonth(), date.getDate() + step * (kind === "week" ? 7 : 1));
  }
  // The API's from and to, as typed on the command line.
  function range() {
    const kind = $("kind").value;
    if (kind === "custom") {
      return [$("from").value, $("to").value];
    }
    const [from, to] = bounds(kind, parseDate($("date").value) || new Date());
    return [isoDate(from) + "T00:00", isoDate(to) + "T00:00"];
  }

  // ---- the page --------------------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => (k === "class" ? (e.className = v) : e.setAttribute(k, v)));
    children.forEach((c) => e.append(c));
    return e;
  }
  const cell = (cls, text, title) => el("td", title ? { class: cls, title } : { class: cls }, text);
  function upCell(ratio) {
    const bar = el("span", { class: "bar", "aria-hidden": "true" }, el("i"));
    bar.firstChild.style.width = (ratio * 100).toFixed(1) + "%";
    return el("td", { class: "num up" }, bar, " ", el("span", { class: "pct" }, percent(ratio)));
  }
  const health = (ratio) => (ratio < 0.5 ? "bad" : ratio < 0.9 ? "low" : "ok");

  function siteSection(site, from, until) {
    const thead = el("thead", {},
      el("tr", { class: "site-title" }, el("th", { colspan: "7" },
        el("span", { class: "site-name" }, site.name === site.site ? site.site : `${site.name} (${site.site})`),
        el("span", { class: "site-range" }, ` · ${wallClock(from)} – ${wallClock(until)}`))),
      el("tr", {}, ...["colCamera", "colName", "colUp", "colRecorded", "colOutages", "colLongest", "colReasons"]
        .map((k) => el("th", { class: ["colCamera", "colName", "colReasons"].includes(k) ? "" : "num" }, W[k]))));
    const tbody = el("tbody");
    site.cameras.forEach((c) => {
      tbody.append(el("tr", {
        class: "camera " + health(c.up_ratio), "data-site": site.site, "data-camera": c.camera,
        "data-up-ratio": String(c.up_ratio), "data-recorded-s": String(c.recorded_s), "data-outages": String(c.outages),
        "data-longest-s": String(c.longest_outage_s),
      }, cell("id", c.camera), cell("name", c.name || ""), upCell(c.up_ratio), cell("num recorded", duration(c.recorded_s)),
      cell("num outages", String(c.outages)), cell("num longest", duration(c.longest_outage_s)),
      reasonCell(c.top_reasons)));
    });
    const tfoot = el("tfoot", {}, el("tr", {
      class: "total " + health(site.up_ratio), "data-site": site.site, "data-up-ratio": String(site.up_ratio),
      "data-outages": String(site.outages),
    }, el("td", { colspan: "2" }, W.siteTotal), upCell(site.up_ratio), cell("num recorded", duration(site.recorded_s)),
    cell("num outages", String(site.outages)), cell("num longest", duration(site.longest_outage_s)),
    reasonCell(site.top_reasons)));
    const cols = el("colgroup", {}, ...["camera", "name", "up", "recorded", "outages", "longest", "reasons"]
      .map((c) => el("col", { class: "col-" + c })));
    return el("section", { class: "site", "data-site": site.site }, el("table", { class: "uptime" }, cols, thead, tbody, tfoot));
  }

  function render(report, apiUrl) {
    $("range-from").textContent = wallClock(report.from);
    $("range-to").textContent = wallClock(report.until);
    const now = new Date();
    $("generated").textContent = lang === "vi"
      ? `${two(now.getHours())}:${two(now.getMinutes())} ${two(now.getDate())}/${two(now.getMonth() + 1)}/${now.getFullYear()}`
      : `${isoDate(now)} ${two(now.getHours())}:${two(now.getMinutes())}`;
    const rows = $("summary-rows");
    rows.replaceChildren(...report.sites.map((s) => el("tr", {
      class: "site-summary " + health(s.up_ratio), "data-site": s.site, "data-up-ratio": String(s.up_ratio),
    }, cell("name", s.name === s.site ? s.site : `${s.name} (${s.site})`), cell("num", String(s.cameras.length)),
    upCell(s.up_ratio), cell("num outages", String(s.outages)), cell("num longest", duration(s.longest_outage_s)),
    reasonCell(s.top_reasons))));
    $("sites").replaceChildren(...report.sites.map((s) => siteSection(s, report.from, report.until)));
    const article = $("report");
    article.dataset.api = apiUrl;
    article.hidden = false;
    $("status").textContent = report.sites.length === 0 ? W.empty : "";
    document.title = `${W.title} · ${wallClock(report.from)} – ${wallClock(report.until)}`;
  }

  function fillSites(report) {
    const select = $("site");
    const chosen = new URLSearchParams(location.search).get("site") || "";
    report.sites.forEach((s) => select.append(el("option", { value: s.site }, s.name === s.site ? s.site : `${s.name} (${s.site})`)));
    select.value = chosen;
  }

  let generation = 0;
  async function load() {
    const [from, to] = range();
    if (!from || !to || to <= from) {
      $("status").textContent = W.badRange;
      return;
    }
    const params = new URLSearchParams({ from, to });
    if ($("site").value) {
      params.set("site", $("site").value);
    }
    const apiUrl = "/api/uptime?" + params;
    remember();
    const mine = ++generation;
    $("status").textContent = W.loading;
    document.body.classList.add("loading");
    try {
      const response = await fetch(apiUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
      const body = await response.json().catch(() => ({}));
      if (mine !== generation) {
        return;
      }
      if (response.status === 401) {
        location.reload(); // the session ended: the server shows the login form
        return;
      }
      if (!response.ok) {
        $("report").hidden = true;
        $("status").textContent = response.status === 403 ? W.forbidden : W.failed + (body.error || response.status);
        return;
      }
      render(body, apiUrl);
    } catch (e) {
      if (mine === generation) {
        $("status").textContent = W.failed + e.message;
      }
    } finally {
      if (mine === generation) {
        document.body.classList.remove("loading");
        document.body.dataset.ready = String(mine);
      }
    }
  }

  // The period and site in the address (history, bookmarks, the language switch).
  function remember() {
    const q = new URLSearchParams({ lang, kind: $("kind").value });
    if ($("kind").value === "custom") {
      q.set("from", $("from").value);
      q.set("to", $("to").value);
    } else {
      q.set("date", $("date").value);
    }
    if ($("site").value) {
      q.set("site", $("site").value);
    }
    history.replaceState(null, "", "?" + q);
    q.set("lang", lang === "vi" ? "en" : "vi");
    $("switch-lang").href = "?" + q;
  }

  function showInputs() {
    const custom = $("kind").value === "custom";
    $("by-date").hidden = custom;
    $("by-range").hidden = !custom;
  }

  function start() {
    document.querySelectorAll("[data-t]").forEach((e) => (e.textContent = W[e.dataset.t]));
    document.querySelectorAll("[data-t-title]").forEach((e) => (e.title = W[e.dataset.tTitle]));
    $("switch-lang").textContent = W.switchLang;
    const q = new URLSearchParams(location.search);
    const kind = ["day", "week", "month", "custom"].includes(q.get("kind")) ? q.get("kind") : "month";
    $("kind").value = kind;
    $("date").value = parseDate(q.get("date")) ? q.get("date") : isoDate(new Date());
    const [from, to] = bounds("day", new Date());
    $("from").value = q.get("from") || isoDate(from) + "T00:00";
    $("to").value = q.get("to") || isoDate(to) + "T00:00";
    showInputs();
    $("kind").addEventListener("change", () => { showInputs(); load(); });
    $("date").addEventListener("change", load);
    $("site").addEventListener("change", load);
    $("prev").addEventListener("click", () => { $("date").value = isoDate(shift($("kind").value, parseDate($("date").value) || new Date(), -1)); load(); });
    $("next").addEventListener("click", () => { $("date").value = isoDate(shift($("kind").value, parseDate($("date").value) || new Date(), 1)); load(); });
    $("period").addEventListener("submit", (e) => { e.preventDefault(); load(); });
    $("print").addEventListener("click", () => window.print());
    // The sites (with their names) for the selector: a one-second report costs nothing.
    fetch("/api/uptime?from=-1s&to=now", { credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : { sites: [] }))
      .then(fillSites)
      .catch(() => {})
      .finally(load);
  }
  start();
})();
