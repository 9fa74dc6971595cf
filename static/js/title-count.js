// A title's length as one types it ("12 of 50 characters"), counted as DingTalk counts (UTF-16 units, like
// String.length); a character past the limit is refused with a message, never cut silently. Inputs with
// data-max-length; their texts come from the page (data-count-text, data-refused-text), in its language.
(function () {
  "use strict";
  function fill(text, count, limit) {
    return text.replace("%(count)s", count).replace("%(limit)s", limit);
  }
  document.querySelectorAll("input[data-max-length]").forEach(function (input) {
    var limit = Number(input.dataset.maxLength);
    var counter = document.createElement("p");
    counter.className = "help char-count";
    counter.id = input.id + "_count";
    var refused = document.createElement("p");
    refused.className = "error";
    refused.id = input.id + "_refused";
    refused.setAttribute("aria-live", "assertive");
    input.insertAdjacentElement("afterend", refused);
    input.insertAdjacentElement("afterend", counter);
    var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    input.setAttribute("aria-describedby", described.concat([counter.id, refused.id]).join(" "));
    var accepted = input.value;
    function show() {
      counter.textContent = fill(input.dataset.countText, input.value.length, limit);
    }
    input.addEventListener("input", function () {
      if (input.value.length > limit && input.value.length > accepted.length) {
        var at = input.selectionStart - (input.value.length - accepted.length);
        input.value = accepted;
        input.setSelectionRange(Math.max(at, 0), Math.max(at, 0));
        refused.textContent = fill(input.dataset.refusedText, input.value.length, limit);
      } else {
        accepted = input.value;
        refused.textContent = "";
      }
      show();
    });
    show();
  });
})();
