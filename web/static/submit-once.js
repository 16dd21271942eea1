// Forms marked data-submit-once (the registration, which sends an SMS code;
// the pages with such a form load this script)
// disable their submit button once sent, saying 正在提交…, so that a second
// tap does not send the form again; the server answers a form sent twice as
// it answered the first anyway (the form's one-time key), so the page works
// the same without this script. Coming back to the page (the back button)
// enables the button again.
(function () {
  document.querySelectorAll('form[data-submit-once]').forEach(function (f) {
    f.addEventListener('submit', function () {
      f.querySelectorAll('button[type=submit]').forEach(function (b) {
        if (!b.dataset.label) b.dataset.label = b.textContent;
        b.disabled = true;
        b.setAttribute('aria-disabled', 'true');
        b.textContent = '正在提交…';
      });
    });
  });
  window.addEventListener('pageshow', function () {
    document.querySelectorAll('form[data-submit-once] button[type=submit]').forEach(function (b) {
      b.disabled = false;
      b.removeAttribute('aria-disabled');
      if (b.dataset.label) b.textContent = b.dataset.label;
    });
  });
})();
