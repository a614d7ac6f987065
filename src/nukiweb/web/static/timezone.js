// Shows the UTC times of a page in the browser's time zone, and lets its forms take times in it.
//
// - <time datetime="…" data-utc> gets its text in local time (also inside live regions that
//   are swapped in later).
// - <span data-daily-window data-week-days data-from data-until> (UTC days and minutes) gets
//   the days and daily times at the browser's offset.
// - A form[data-local-times] rendered in UTC (tz_name "UTC", tz_offset "0") gets its
//   datetime-local, time and week-day fields moved to local time, and tz_name and tz_offset
//   set, so that the server reads what was typed in the same zone (domain/local_times.py).
//   A form rendered again after an error already holds local times and names its zone.
(function () {
  "use strict";

  var offset = new Date().getTimezoneOffset(); // minutes, UTC minus local time
  var zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (e) {
    zone = "";
  }
  var zoneLabel = zone || "UTC" + (offset > 0 ? "-" : "+") + clock(Math.abs(offset));
  var DAYS = [[64, "Mon"], [32, "Tue"], [16, "Wed"], [8, "Thu"], [4, "Fri"], [2, "Sat"], [1, "Sun"]];
  var DAY = 24 * 60;

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function clock(minutes) {
    return pad(Math.floor(minutes / 60)) + ":" + pad(minutes % 60);
  }

  function localText(date, withSeconds) {
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) +
      " " + pad(date.getHours()) + ":" + pad(date.getMinutes()) +
      (withSeconds ? ":" + pad(date.getSeconds()) : "");
  }

  function localInput(date) {
    return localText(date, false).replace(" ", "T");
  }

  // The week days one day later (+1) or earlier (-1): Monday's bit becomes Tuesday's.
  function rotated(days, by) {
    var steps = ((by % 7) + 7) % 7;
    for (var i = 0; i < steps; i++) {
      days = (days >> 1) | (days & 1 ? 64 : 0);
    }
    return days;
  }

  // A UTC daily window at the browser's offset: the days follow the opening time.
  function localWindow(days, from, until) {
    var shift = -offset;
    var start = from + shift;
    var carried = Math.floor(start / DAY);
    return {
      days: rotated(days, carried),
      from: ((start % DAY) + DAY) % DAY,
      until: (((until + shift) % DAY) + DAY) % DAY
    };
  }

  function showTimes(root) {
    root.querySelectorAll("time[data-utc]").forEach(function (el) {
      var date = new Date(el.getAttribute("datetime"));
      if (isNaN(date.getTime())) return;
      el.textContent = localText(date, /:\d\d:\d\d UTC$/.test(el.textContent));
      el.title = el.getAttribute("datetime");
      el.removeAttribute("data-utc");
    });
    root.querySelectorAll("[data-daily-window]").forEach(function (el) {
      var from = el.getAttribute("data-from");
      var until = el.getAttribute("data-until");
      var days = Number(el.getAttribute("data-week-days")) || 0;
      var parts = [];
      if (from !== "" && until !== "" && from !== until) {
        var shown = localWindow(days, Number(from), Number(until));
        if (shown.days && shown.days !== 127) parts.push(dayNames(shown.days));
        parts.push(clock(shown.from) + " to " + clock(shown.until));
      } else if (days && days !== 127) {
        parts.push(dayNames(days) + " (UTC days)");
      }
      el.textContent = parts.join("; ");
      el.removeAttribute("data-daily-window");
    });
    root.querySelectorAll("[data-zone-note]").forEach(function (el) {
      if (el.closest("form[data-local-times]")) return;
      el.textContent = "Dates and times are shown in " + zoneLabel + ".";
    });
  }

  function dayNames(days) {
    return DAYS.filter(function (d) { return days & d[0]; }).map(function (d) { return d[1]; }).join(", ");
  }

  function localizeForm(form) {
    var name = form.querySelector("input[name=tz_name]");
    var off = form.querySelector("input[name=tz_offset]");
    if (!name || !off || name.value !== "UTC" || off.value !== "0") return;
    form.querySelectorAll("input[type=datetime-local]").forEach(function (input) {
      if (!input.value) return;
      var date = new Date(input.value + "Z");
      if (!isNaN(date.getTime())) input.value = localInput(date);
    });
    var fromInput = form.querySelector("input[name=from_time]");
    var untilInput = form.querySelector("input[name=until_time]");
    var boxes = form.querySelectorAll("input[name=week_day]");
    if (fromInput && untilInput && fromInput.value && untilInput.value) {
      var days = 0;
      boxes.forEach(function (box) { if (box.checked) days |= Number(box.value); });
      var shown = localWindow(days, minutes(fromInput.value), minutes(untilInput.value));
      fromInput.value = clock(shown.from);
      untilInput.value = clock(shown.until);
      boxes.forEach(function (box) { box.checked = Boolean(shown.days & Number(box.value)); });
    }
    name.value = zone || "UTC";
    off.value = String(offset);
    form.querySelectorAll("[data-zone-note]").forEach(function (el) {
      el.textContent = "Times are in " + zoneLabel + ".";
    });
  }

  function minutes(value) {
    var parts = value.split(":");
    return Number(parts[0]) * 60 + Number(parts[1]);
  }

  showTimes(document);
  document.querySelectorAll("form[data-local-times]").forEach(localizeForm);
  // Live regions are swapped in with UTC text again.
  new MutationObserver(function (changes) {
    changes.forEach(function (change) {
      change.addedNodes.forEach(function (node) {
        if (node.nodeType === 1) showTimes(node.parentNode || node);
      });
    });
  }).observe(document.body, { childList: true, subtree: true });
})();
