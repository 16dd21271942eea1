// Recomputes a hearing draw in the browser from the revealed seed and the
// published applications (the rows of the tables), as the page describes:
// the seed must hash to the commitment; each application's score is the hex
// SHA-256 of seed + ":" + code; per side the smallest scores (ties by code)
// are selected, as many as the seats per side.
(async function () {
  const box = document.getElementById('browser-check');
  if (!box || !window.crypto || !crypto.subtle) return;
  const hex = async (s) => Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s))))
    .map((b) => b.toString(16).padStart(2, '0')).join('');
  const seed = document.getElementById('seed').textContent.trim();
  const seats = parseInt(document.getElementById('seats').textContent, 10);
  const problems = [];
  if (await hex(seed) !== document.getElementById('commitment').textContent.trim()) {
    problems.push('公开的种子与事先公布的校验码不一致');
  }
  let total = 0;
  for (const table of document.querySelectorAll('table.draw')) {
    const rows = Array.from(table.querySelectorAll('tbody tr'));
    const list = [];
    for (const tr of rows) {
      const code = tr.dataset.code;
      list.push({ code, score: await hex(seed + ':' + code), shown: tr.dataset.selected === 'true' });
    }
    list.sort((a, b) => (a.score < b.score ? -1 : a.score > b.score ? 1 : a.code < b.code ? -1 : 1));
    list.forEach((e, i) => {
      total++;
      if ((i < seats) !== e.shown) problems.push(table.dataset.side + ' ' + e.code + ' 的结果与重新计算不一致');
    });
  }
  box.dataset.state = problems.length ? 'mismatch' : 'match';
  box.className = 'notice ' + (problems.length ? 'error' : 'ok');
  box.innerHTML = '';
  const p = document.createElement('p');
  p.textContent = problems.length
    ? '浏览器重新计算的结果不一致：' + problems.join('；')
    : '浏览器重新计算一致：种子与事先公布的校验码相符，' + total + '份报名的得分和入选结果均与公布结果相同。';
  box.appendChild(p);
})();
