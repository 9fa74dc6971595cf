// The header's menu on a phone: the Menu button shows and hides the navigation. Without this script the
// navigation is simply shown (the CSS folds it only when the header has the class "has-menu").
(function () {
  "use strict";
  var header = document.querySelector(".site-header");
  var button = header && header.querySelector(".menu-button");
  if (!button) return;
  header.classList.add("has-menu");
  button.hidden = false;
  button.addEventListener("click", function () {
    var open = header.classList.toggle("open");
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });
})();
