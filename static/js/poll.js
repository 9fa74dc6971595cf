// A page that waits (an import, a bulk rename, a save being checked with DingTalk) asks its JSON endpoint
// every few seconds instead of reloading itself: <div data-poll="url" data-poll-seconds="2">. The answer's
// HTML goes in place (by element id), its sentence to the page's live region ([data-poll-live]); once done
// it stops, and goes to `next` if the answer names one. Without this script the page's plain link does it.
(function () {
  "use strict";
  var source = document.querySelector("[data-poll]");
  if (!source) return;
  var live = document.querySelector("[data-poll-live]");
  var seconds = Number(source.dataset.pollSeconds || 2);
  var said = "";

  function apply(answer) {
    Object.keys(answer.html || {}).forEach(function (id) {
      var element = document.getElementById(id);
      if (element) element.innerHTML = answer.html[id];
    });
    if (live && answer.announce && answer.announce !== said) {
      said = answer.announce;
      live.textContent = said;
    }
    if (answer.done) {
      var next = answer.next || source.dataset.pollNext;
      if (next) window.location.assign(next);
      return;
    }
    window.setTimeout(ask, seconds * 1000);
  }

  function ask() {
    fetch(source.dataset.poll, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(apply)
      .catch(function () {
        window.setTimeout(ask, seconds * 4000); // a dropped connection: ask again, less often
      });
  }

  document.querySelectorAll("[data-poll-fallback]").forEach(function (link) {
    link.hidden = true; // the script keeps the page current; the link is for pages without it
  });
  window.setTimeout(ask, seconds * 1000);
})();
