// Read-aloud buttons (issue 17, 适老化): each button reads the text of the
// element its data-read selector names within its parent (an article) or
// in the page (the notice) with the browser's speech synthesis in zh-CN.
// Buttons stay hidden where the browser has no speech synthesis.
(function () {
  if (!('speechSynthesis' in window)) return;
  document.querySelectorAll('button.read-aloud').forEach(function (b) {
    b.hidden = false;
    b.addEventListener('click', function () {
      var sel = b.getAttribute('data-read');
      var el = sel.charAt(0) === '#' ? document.querySelector(sel) : b.parentElement.querySelector(sel);
      if (!el) return;
      window.speechSynthesis.cancel();
      var text = el.innerText.replace(/朗读公告|朗读/g, '');
      var u = new SpeechSynthesisUtterance(text);
      u.lang = 'zh-CN';
      u.rate = 0.9;
      window.speechSynthesis.speak(u);
    });
  });
})();
