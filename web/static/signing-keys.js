// The signer's own signing key on this device (Electronic Signature Law
// Art. 13: the signature-creation data is held by the signer alone). The
// key is made by WebCrypto as Ed25519 with a non-extractable private half,
// kept in this browser's IndexedDB under its key id; only the public half
// leaves the device. Pages: /me/signing-keys (make, mark, revoke) and the
// sign-off forms (find a key on this device, sign the statement shown;
// each form on its own, as a page may hold two).
(function () {
  'use strict';
  var DB_NAME = 'canyu-signing-keys';
  var STORE = 'keys';

  function openDB() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, { keyPath: 'keyId' }); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function withStore(mode, fn) {
    return openDB().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var req = fn(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(req ? req.result : undefined); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function getKey(id) { return withStore('readonly', function (s) { return s.get(id); }); }
  function putKey(rec) { return withStore('readwrite', function (s) { return s.put(rec); }); }
  function deleteKey(id) { return withStore('readwrite', function (s) { return s.delete(id); }); }

  function base64(buf) {
    var bytes = new Uint8Array(buf), s = '';
    for (var i = 0; i < bytes.length; i++) { s += String.fromCharCode(bytes[i]); }
    return btoa(s);
  }

  function hex(buf) {
    return Array.prototype.map.call(new Uint8Array(buf), function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  }

  // keyID is the platform's id of a public key: the first 16 hex
  // characters of the SHA-256 of its raw 32 bytes.
  function keyID(raw) {
    return crypto.subtle.digest('SHA-256', raw).then(function (d) { return hex(d).slice(0, 16); });
  }

  // Making a key and sending its public half (/me/signing-keys).
  function setUpEnrol() {
    var form = document.getElementById('enrol-key');
    if (!form) { return; }
    var unsupported = function () {
      document.getElementById('no-webcrypto').hidden = false;
      document.getElementById('enrol-button').disabled = true;
    };
    if (!window.crypto || !crypto.subtle || !window.indexedDB) { unsupported(); return; }
    var busy = false;
    form.addEventListener('submit', function (ev) {
      if (document.getElementById('public-key').value) { return; }
      ev.preventDefault();
      if (busy) { return; }
      busy = true;
      var pair;
      crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']).then(function (p) {
        pair = p;
        return crypto.subtle.exportKey('raw', pair.publicKey);
      }).then(function (raw) {
        return keyID(raw).then(function (id) {
          return putKey({ keyId: id, privateKey: pair.privateKey, publicKey: pair.publicKey, createdAt: new Date().toISOString() })
            .then(function () { return raw; });
        });
      }).then(function (raw) {
        document.getElementById('public-key').value = base64(raw);
        form.submit();
      }).catch(function () { busy = false; unsupported(); });
    });
  }

  // Marking the keys kept on this device, forgetting a revoked one.
  function setUpList() {
    document.querySelectorAll('li.signing-key[data-key-id]').forEach(function (li) {
      getKey(li.dataset.keyId).then(function (rec) {
        if (rec) { li.querySelector('.on-device').hidden = false; }
      }).catch(function () {});
    });
    document.querySelectorAll('form.revoke-key[data-key-id]').forEach(function (form) {
      form.addEventListener('submit', function (ev) {
        if (form.dataset.forgotten) { return; }
        ev.preventDefault();
        form.dataset.forgotten = '1';
        deleteKey(form.dataset.keyId).catch(function () {}).then(function () { form.submit(); });
      });
    });
  }

  // Offering a key found on this device in each sign-off form of the page.
  function setUpOffer() {
    if (!window.indexedDB) { return; }
    document.querySelectorAll('section.device-signing[data-keys]').forEach(function (section) {
      var form = section.closest('form');
      var ids = (section.dataset.keys || '').split(' ').filter(Boolean);
      // data-checked marks the search over this device's keys as finished.
      var done = function () { section.dataset.checked = '1'; };
      (function next(i) {
        if (i >= ids.length) { done(); return; }
        getKey(ids[i]).then(function (rec) {
          if (!rec) { next(i + 1); return; }
          done();
          form.elements.signing_key_id.value = ids[i];
          section.hidden = false;
          section.querySelector('.prepare-signature').addEventListener('click', function () {
            form.elements.prepare.value = '1';
            // The page comes back at the statement to confirm, not at its top.
            form.action = form.action.split('#')[0] + '#' + section.id.replace(/device-signing$/, 'confirm-signature');
            form.submit();
          });
        }).catch(done);
      })(0);
    });
  }

  // Signing the statement the server showed in a form, and sending it.
  function setUpConfirm() {
    document.querySelectorAll('section.device-confirm[data-key]').forEach(function (box) {
      var form = box.closest('form');
      var button = box.querySelector('.confirm-sign');
      var fail = function (msg) {
        var p = box.querySelector('.device-error');
        p.textContent = msg;
        p.hidden = false;
        button.disabled = false;
      };
      button.addEventListener('click', function () {
        button.disabled = true;
        getKey(box.dataset.key).then(function (rec) {
          if (!rec) { throw new Error('missing'); }
          var bytes = new TextEncoder().encode(box.dataset.statement);
          return crypto.subtle.sign({ name: 'Ed25519' }, rec.privateKey, bytes);
        }).then(function (sig) {
          form.elements.signature.value = base64(sig);
          form.submit();
        }).catch(function (e) {
          var other = box.dataset.fallback || '输入密码签署';
          fail(e && e.message === 'missing' ? '本设备上没有找到这把签名密钥，请在登记它的设备上签署，或' + other + '。' : '签署失败，请重试或' + other + '。');
        });
      });
    });
  }

  setUpEnrol();
  setUpList();
  setUpOffer();
  setUpConfirm();
})();
