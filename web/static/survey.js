// Display conditions on the survey page (progressive enhancement).
// Without this script every question is shown with a line saying when to
// answer it, and the server ignores answers to questions whose condition
// is not met. With it, a conditional question appears only when an
// earlier answer includes one of its options, and a hidden question's
// inputs are disabled so its answer is not sent. The server still checks
// every condition.
(function () {
  "use strict";
  var form = document.querySelector("form.survey-form[data-conditional]");
  if (!form) {
    return;
  }
  var conditional = form.querySelectorAll("fieldset[data-cond-name]");
  if (!conditional.length) {
    return;
  }
  function chosen(name) {
    var out = [];
    var inputs = form.querySelectorAll("input");
    for (var i = 0; i < inputs.length; i++) {
      var el = inputs[i];
      if (el.name === name && el.checked && !el.disabled) {
        out.push(el.value);
      }
    }
    return out;
  }
  function update() {
    // In page order, so a question whose source is hidden is hidden too.
    for (var i = 0; i < conditional.length; i++) {
      var fs = conditional[i];
      var want = fs.getAttribute("data-cond-options").split(" ");
      var have = chosen(fs.getAttribute("data-cond-name"));
      var show = false;
      for (var j = 0; j < have.length; j++) {
        if (want.indexOf(have[j]) >= 0) {
          show = true;
        }
      }
      fs.hidden = !show;
      var fields = fs.querySelectorAll("input, select, textarea");
      for (var k = 0; k < fields.length; k++) {
        fields[k].disabled = !show;
      }
    }
  }
  form.addEventListener("change", update);
  update();
})();
