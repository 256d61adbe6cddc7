// The console works without JavaScript; this only keeps empty fields out
// of the URL, so a bookmarked filter stays short and readable.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form.filters");
  if (!form) return;
  form.addEventListener("submit", function () {
    form.querySelectorAll("input, select").forEach(function (el) {
      if (el.name && el.value === "") el.disabled = true;
    });
  });
});
