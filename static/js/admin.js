// Django 5.2's SelectFilter2 (filter_horizontal) labels its search icons with aria-label on a plain <span>,
// which screen readers may ignore (axe: aria-prohibited-attr): give them the image role such a label needs.
// SelectFilter2 builds its widgets on "load"; this runs just after.
"use strict";
window.addEventListener("load", () => {
  window.setTimeout(() => {
    for (const icon of document.querySelectorAll("span.help-tooltip[aria-label]:not([role])")) {
      icon.setAttribute("role", "img");
    }
  });
});
