// "Copy" buttons: <button type="button" data-copy="text">. A file, not inline script: the CSP forbids inline.
document.addEventListener("click", function (event) {
  var button = event.target.closest("button[data-copy]");
  if (!button || !navigator.clipboard) return;
  navigator.clipboard.writeText(button.dataset.copy).then(function () {
    var label = button.textContent;
    button.textContent = button.dataset.copied || label;
    setTimeout(function () { button.textContent = label; }, 1500);
  });
});
