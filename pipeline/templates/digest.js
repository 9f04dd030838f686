// Citation viewer and filters. The page is complete without this script (print shows every
// citation); it reads only the page's own markup, never builds HTML from strings.
(function () {
  "use strict";
  var viewer = document.getElementById("viewer");
  var viewerBody = document.getElementById("viewer-body");
  var opener = null;

  function openCitation(button) {
    var detail = document.getElementById(button.getAttribute("aria-controls"));
    viewerBody.replaceChildren.apply(viewerBody, Array.prototype.map.call(detail.childNodes, function (node) {
      return node.cloneNode(true);
    }));
    opener = button;
    button.setAttribute("aria-expanded", "true");
    viewer.showModal();
    viewer.querySelector(".close").focus();
  }

  viewer.addEventListener("close", function () {
    if (opener) {
      opener.setAttribute("aria-expanded", "false");
      opener.focus();
      opener = null;
    }
  });
  viewer.querySelector(".close").addEventListener("click", function () { viewer.close(); });
  viewer.addEventListener("click", function (event) { if (event.target === viewer) { viewer.close(); } });
  document.querySelectorAll("button.cite").forEach(function (button) {
    button.addEventListener("click", function () { openCitation(button); });
  });

  // Partial dates ("2023", "2023-10") cover a range; an event shows when its range meets the filter's.
  function first(date) { return (date + "-01-01").slice(0, 10); }
  function last(date) { return date.length === 4 ? date + "-12-31" : date.length === 7 ? date + "-31" : date; }

  var from = document.getElementById("from");
  var to = document.getElementById("to");
  var outlets = document.querySelectorAll("input[name=outlet]");
  var shown = document.getElementById("shown");

  function applyFilters() {
    var chosen = {};
    outlets.forEach(function (box) { chosen[box.value] = box.checked; });
    var visible = 0, total = 0;
    document.querySelectorAll(".event").forEach(function (event) {
      var date = event.getAttribute("data-date");
      var inDates = date ? (!from.value || last(date) >= from.value) && (!to.value || first(date) <= to.value)
                         : !from.value && !to.value;
      var anySentence = false;
      event.querySelectorAll(".summary > li").forEach(function (sentence) {
        var keep = sentence.getAttribute("data-outlets").split(" ").some(function (o) { return chosen[o]; });
        sentence.classList.toggle("filtered-out", !keep);
        anySentence = anySentence || keep;
      });
      var keepEvent = inDates && anySentence;
      event.classList.toggle("filtered-out", !keepEvent);
      total += 1;
      visible += keepEvent ? 1 : 0;
    });
    shown.textContent = visible === total ? "Showing all " + total + " sections"
                                          : "Showing " + visible + " of " + total + " sections";
  }
  document.getElementById("filters").addEventListener("submit", function (event) { event.preventDefault(); });
  [from, to].forEach(function (input) { input.addEventListener("input", applyFilters); });
  outlets.forEach(function (box) { box.addEventListener("change", applyFilters); });
  applyFilters();
})();
