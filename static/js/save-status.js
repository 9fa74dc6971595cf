// A form with data-saving, while it is being sent: its buttons are disabled (a second click cannot send it
// again) and the element named by data-status says what is happening, for everyone and for screen readers
// (it is an aria-live region). The server recognizes a repeated submission anyway; this is what people see.
(function () {
  "use strict";

  function buttonsOf(form) {
    return form.querySelectorAll("button[type=submit], button:not([type])");
  }

  function reset(form) {
    delete form.dataset.sending;
    buttonsOf(form).forEach(function (button) {
      button.disabled = false;
    });
    var status = document.getElementById(form.dataset.status);
    if (status) {
      status.textContent = "";
    }
  }

  document.querySelectorAll("form[data-saving]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sending) {
        event.preventDefault();
        return;
      }
      form.dataset.sending = "true";
      // Disabled after the submit event has started: the form is still sent, once.
      buttonsOf(form).forEach(function (button) {
        button.disabled = true;
      });
      var status = document.getElementById(form.dataset.status);
      if (status) {
        status.textContent = form.dataset.saving;
      }
    });
  });

  // Back to a page the browser kept in its cache: its form can be used again.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      document.querySelectorAll("form[data-saving]").forEach(reset);
    }
  });
})();
