// Display conditions and the separate consent on the survey page
// (progressive enhancement). Without this script every question is shown
// with a line saying when to answer it, and the server ignores answers to
// questions whose condition is not met. With it, a conditional question
// appears only when an earlier answer includes one of its options, and a
// hidden question's inputs are disabled so its answer is not sent. While
// the separate consent for sensitive personal information (PIPL Art. 29)
// is not ticked, the sensitive questions are skipped: their inputs are
// disabled, so what was typed there is not sent, and a note says so; the
// rest of the survey submits (PIPL Art. 16). The server still checks every
// condition and the consent.
(function () {
  "use strict";
  var form = document.querySelector("form.survey-form[data-conditional]");
  if (!form) {
    return;
  }
  var questions = form.querySelectorAll("fieldset.question");
  var consent = document.getElementById("f-sensitive_consent");
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
  function shown(fs) {
    var name = fs.getAttribute("data-cond-name");
    if (!name) {
      return true;
    }
    var want = fs.getAttribute("data-cond-options").split(" ");
    var have = chosen(name);
    for (var j = 0; j < have.length; j++) {
      if (want.indexOf(have[j]) >= 0) {
        return true;
      }
    }
    return false;
  }
  function update() {
    // In page order, so a question whose source is hidden or skipped is
    // hidden too.
    for (var i = 0; i < questions.length; i++) {
      var fs = questions[i];
      var show = shown(fs);
      var skipped = fs.hasAttribute("data-sensitive") && consent !== null && !consent.checked;
      fs.hidden = !show;
      fs.classList.toggle("skipped", show && skipped);
      var note = fs.querySelector("[data-skip-note]");
      if (note) {
        note.hidden = !skipped;
      }
      var fields = fs.querySelectorAll("input, select, textarea");
      for (var k = 0; k < fields.length; k++) {
        fields[k].disabled = !show || skipped;
      }
    }
  }
  form.addEventListener("change", update);
  update();
})();
