/* agentdesk web chat widget. Embed with
 *   <script src="https://desk.example.com/widget.js" data-site="shop" async></script>
 * Optional: data-user-id + data-user-hash (HMAC-SHA256 of the id with the
 * site secret) for logged-in customers, data-user-name, data-lang (zh|en),
 * data-open="true". No framework; the window lives in a shadow root, every
 * text is set with textContent. Protocol: docs/channels.md. */
(function () {
  'use strict';
  var script = document.currentScript || document.querySelector('script[src*="widget.js"][data-site]');
  if (!script || window.agentdeskWidget) return;
  var site = script.getAttribute('data-site') || '';
  var src = new URL(script.src, location.href);
  var base = src.origin + src.pathname.replace(/\/widget\.js$/, '');
  var attr = function (n) { return script.getAttribute('data-' + n) || ''; };
  var lang = /^zh/i.test(attr('lang') || document.documentElement.lang || navigator.language || '') ? 'zh' : 'en';

  var TEXT = {
    en: {
      title: 'Chat with us', open: 'Open chat', close: 'Close chat', placeholder: 'Write a message…', send: 'Send',
      attach: 'Attach a file', human: 'Talk to a person', bot: 'Our assistant answers right away',
      queued: 'Waiting for a person — someone will reply here shortly', assigned: 'You are chatting with {name}',
      resolved: 'This chat has ended. Write again any time.', typing: '{name} is typing…', agentTyping: 'An agent',
      offline: 'Reconnecting…', sending: 'sending…', failed: 'not sent', ended: 'Chat ended',
      rate: 'How was your conversation?', rateComment: 'Anything to add? (optional)', rateSend: 'Send rating',
      thanks: 'Thank you for your feedback!', tooFast: 'You are sending too fast; wait a moment.',
      identity: 'We could not verify your account; reload the page.', upload: 'Uploading {name}…', you: 'You',
      greeting: 'Hi! Ask us anything — our assistant answers at once, and a person is one click away.'
    },
    zh: {
      title: '在线客服', open: '打开聊天', close: '关闭聊天', placeholder: '请输入消息…', send: '发送',
      attach: '发送文件', human: '转人工', bot: '智能助手为您服务，随时可转人工',
      queued: '正在为您转接人工客服，请稍候', assigned: '{name} 正在为您服务',
      resolved: '本次对话已结束，如有问题可随时再发消息。', typing: '{name} 正在输入…', agentTyping: '客服',
      offline: '正在重新连接…', sending: '发送中…', failed: '未发送', ended: '对话已结束',
      rate: '这次服务您满意吗？', rateComment: '还有想说的吗？（选填）', rateSend: '提交评价',
      thanks: '感谢您的评价！', tooFast: '发送太快了，请稍等片刻。',
      identity: '无法验证您的账号，请刷新页面。', upload: '正在上传 {name}…', you: '我',
      greeting: '您好！有什么可以帮您？智能助手会立即回答，也可以随时转人工。'
    }
  }[lang];
  var fmt = function (s, name) { return s.replace('{name}', name); };

  // ---- storage: the visitor token in a first-party cookie, the outbox in localStorage ----
  var cookieName = 'agentdesk_vt_' + site.replace(/[^a-z0-9_-]/gi, '_');
  function readVisitor() {
    var m = document.cookie.match(new RegExp('(?:^|; )' + cookieName + '=([^;]*)'));
    if (m) return decodeURIComponent(m[1]);
    try { return localStorage.getItem(cookieName) || ''; } catch (e) { return ''; }
  }
  function saveVisitor(v) {
    document.cookie = cookieName + '=' + encodeURIComponent(v) + '; path=/; max-age=31536000; SameSite=Lax' +
      (location.protocol === 'https:' ? '; Secure' : '');
    try { localStorage.setItem(cookieName, v); } catch (e) { /* private mode */ }
  }
  var outboxKey = 'agentdesk_outbox_' + site;
  function loadOutbox() { try { return JSON.parse(localStorage.getItem(outboxKey) || '[]'); } catch (e) { return []; } }
  function saveOutbox() { try { localStorage.setItem(outboxKey, JSON.stringify(outbox)); } catch (e) { /* full */ } }

  // ---- state ----
  var ws = null, session = '', backoff = 1000, stopped = false, online = false;
  var chats = [];          // {id, status, agent, csat, el}, oldest first
  var byChat = {};
  var shown = {};          // message id -> element
  var pending = {};        // client id -> element
  var outbox = loadOutbox();
  var files = [];          // uploaded, not yet sent: {id, name}
  var unread = 0, typingTimer = 0, limits = {max_text: 4000, max_file: 10485760, max_files: 10};

  // ---- DOM ----
  var host = document.createElement('div');
  host.id = 'agentdesk-widget';
  var root = host.attachShadow({mode: 'open'});
  var style = document.createElement('style');
  style.textContent = [
    ':host{all:initial}', '*{box-sizing:border-box;font-family:system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif}',
    '.launch{position:fixed;right:20px;bottom:20px;width:56px;height:56px;border-radius:50%;border:0;background:#2457d6;color:#fff;',
    'display:flex;align-items:center;justify-content:center;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);z-index:2147483000}',
    '.badge{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;border-radius:10px;background:#d93025;font-size:12px;line-height:20px;padding:0 5px}',
    '.panel{position:fixed;right:20px;bottom:88px;width:370px;height:min(600px,calc(100vh - 110px));display:none;flex-direction:column;',
    'background:#fff;color:#1d2433;border-radius:14px;box-shadow:0 8px 30px rgba(0,0,0,.25);overflow:hidden;z-index:2147483000}',
    '.panel.open{display:flex}', '.head{background:#2457d6;color:#fff;padding:12px 14px;display:flex;gap:8px;align-items:center}',
    '.head .t{flex:1;min-width:0}', '.head b{display:block;font-size:16px}', '.head small{display:block;font-size:12px;opacity:.9;overflow:hidden;text-overflow:ellipsis}',
    '.head button{background:rgba(255,255,255,.18);color:#fff;border:0;border-radius:8px;padding:6px 9px;font-size:13px;cursor:pointer}',
    '.head button[disabled]{opacity:.45;cursor:default}',
    '.log{flex:1;overflow-y:auto;padding:12px;background:#f4f6fb;-webkit-overflow-scrolling:touch}',
    '.msg{max-width:82%;margin:6px 0;display:flex;flex-direction:column}', '.msg.me{margin-left:auto;align-items:flex-end}',
    '.who{font-size:11px;color:#667;margin:0 4px 2px}',
    '.bub{padding:8px 11px;border-radius:12px;background:#fff;white-space:pre-wrap;word-wrap:break-word;overflow-wrap:anywhere;font-size:14px;line-height:1.45;box-shadow:0 1px 2px rgba(0,0,0,.08)}',
    '.me .bub{background:#2457d6;color:#fff}', '.me .bub a{color:#fff}', '.sys{text-align:center;color:#667;font-size:12px;margin:10px 0}',
    '.state{font-size:11px;color:#889;margin:2px 4px}', '.msg.failed .state{color:#d93025}',
    '.file{display:flex;gap:4px;align-items:center;margin-top:6px;color:inherit;font-size:13px}', '.file img{max-width:220px;max-height:220px;border-radius:8px;display:block;background:#fff}',
    '.typing{font-size:12px;color:#667;padding:0 14px 4px;height:18px}', '.note{font-size:12px;color:#8a5a00;background:#fff6e0;padding:6px 12px;display:none}',
    '.note.on{display:block}', '.tray{display:flex;gap:6px;flex-wrap:wrap;padding:0 10px}', '.tray span{font-size:12px;background:#e8ecf7;border-radius:6px;padding:2px 6px}',
    '.compose{display:flex;gap:6px;padding:8px 10px 10px;border-top:1px solid #e3e7ef;align-items:flex-end;background:#fff}',
    'textarea{flex:1;resize:none;border:1px solid #cfd6e4;border-radius:10px;padding:8px 10px;font-size:16px;max-height:120px;min-height:40px;color:#1d2433}',
    '.compose button{border:0;border-radius:10px;height:40px;padding:0 12px;cursor:pointer;font-size:14px}',
    '.send{background:#2457d6;color:#fff}', '.clip{background:#e8ecf7;color:#1d2433;display:flex;align-items:center}',
    '.csat{background:#fff;border:1px solid #e3e7ef;border-radius:12px;padding:10px;margin:10px 0;text-align:center;font-size:14px}',
    '.stars button{background:none;border:0;font-size:26px;cursor:pointer;color:#c4cad6}', '.stars button.on{color:#f4b400}',
    '.csat input{width:100%;margin:6px 0;padding:6px 8px;border:1px solid #cfd6e4;border-radius:8px;font-size:14px}',
    '.csat .go{background:#2457d6;color:#fff;border:0;border-radius:8px;padding:6px 12px;cursor:pointer}',
    '@media (max-width:520px){.panel{right:0;bottom:0;width:100vw;height:100vh;height:100dvh;border-radius:0;',
    'padding-bottom:env(safe-area-inset-bottom)}.launch{right:14px;bottom:14px}.panel.open~.launch{display:none}}'
  ].join('');
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  // Icons are drawn, not emoji: not every system has an emoji font.
  function icon(d, px, stroke) {
    var NS = 'http://www.w3.org/2000/svg', svg = document.createElementNS(NS, 'svg'), path = document.createElementNS(NS, 'path');
    svg.setAttribute('viewBox', '0 0 24 24'); svg.setAttribute('width', px); svg.setAttribute('height', px); svg.setAttribute('aria-hidden', 'true');
    path.setAttribute('d', d);
    if (stroke) { path.setAttribute('fill', 'none'); path.setAttribute('stroke', 'currentColor'); path.setAttribute('stroke-width', '2'); path.setAttribute('stroke-linecap', 'round'); }
    else path.setAttribute('fill', 'currentColor');
    svg.append(path);
    return svg;
  }
  var CHAT = 'M5 4h14a3 3 0 0 1 3 3v8a3 3 0 0 1-3 3h-7l-5 4v-4H5a3 3 0 0 1-3-3V7a3 3 0 0 1 3-3z';
  var CLIP = 'M16 7v9a4 4 0 0 1-8 0V6a2.5 2.5 0 0 1 5 0v9a1 1 0 0 1-2 0V7';
  var DOC = 'M6 2h8l5 5v15H6zM14 2v5h5';
  var panel = el('div', 'panel'); panel.setAttribute('role', 'dialog'); panel.setAttribute('aria-label', TEXT.title);
  var head = el('div', 'head'), titles = el('div', 't'), title = el('b', '', TEXT.title), sub = el('small', '', TEXT.bot);
  var humanBtn = el('button', 'human', TEXT.human), closeBtn = el('button', 'x', '✕');
  closeBtn.setAttribute('aria-label', TEXT.close);
  titles.append(title, sub); head.append(titles, humanBtn, closeBtn);
  var note = el('div', 'note'), log = el('div', 'log'), typing = el('div', 'typing'), tray = el('div', 'tray');
  log.setAttribute('aria-live', 'polite');
  var compose = el('div', 'compose'), input = el('textarea'), clip = el('button', 'clip'), sendBtn = el('button', 'send', TEXT.send);
  var picker = el('input'); picker.type = 'file'; picker.multiple = true; picker.hidden = true;
  picker.accept = 'image/*,application/pdf,text/plain,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.csv,audio/*,video/*';
  input.rows = 1; input.placeholder = TEXT.placeholder; input.setAttribute('aria-label', TEXT.placeholder);
  clip.setAttribute('aria-label', TEXT.attach); clip.title = TEXT.attach; clip.append(icon(CLIP, 20, true));
  compose.append(clip, input, sendBtn, picker);
  panel.append(head, note, log, typing, tray, compose);
  var launch = el('button', 'launch'), badge = el('span', 'badge');
  launch.append(icon(CHAT, 28));
  badge.hidden = true; launch.append(badge); launch.setAttribute('aria-label', TEXT.open);
  root.append(style, panel, launch);
  var greeting = el('div', 'sys', TEXT.greeting);
  log.append(greeting);

  function setOpen(on) {
    panel.classList.toggle('open', on);
    try { sessionStorage.setItem('agentdesk_open_' + site, on ? '1' : ''); } catch (e) { /* ignore */ }
    if (on) { unread = 0; badge.hidden = true; input.focus(); scroll(); markSeen(); }
  }
  launch.onclick = function () { setOpen(!panel.classList.contains('open')); };
  closeBtn.onclick = function () { setOpen(false); };
  humanBtn.onclick = function () { frame({type: 'human', id: cid()}); humanBtn.disabled = true; };
  clip.onclick = function () { picker.click(); };
  picker.onchange = function () { Array.prototype.forEach.call(picker.files, upload); picker.value = ''; };
  sendBtn.onclick = submit;
  input.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) { e.preventDefault(); submit(); }
  });
  // The agent sees "typing…" while the customer writes in an open chat (at
  // most one frame every 3 s; the server passes on one per 2 s).
  var typedAt = 0;
  input.addEventListener('input', function () {
    var c = chats[chats.length - 1];
    if (!c || c.status === 'resolved' || !input.value.trim() || Date.now() - typedAt < 3000) return;
    typedAt = Date.now(); frame({type: 'typing', conversation_id: c.id});
  });

  // ---- rendering ----
  function scroll() { log.scrollTop = log.scrollHeight; }
  function showNote(text) { note.textContent = text; note.classList.toggle('on', !!text); }
  function cid() { return 'c' + Date.now().toString(36) + Math.random().toString(36).slice(2, 10); }
  function timeOf(ms) { var d = new Date(ms); return ('0' + d.getHours()).slice(-2) + ':' + ('0' + d.getMinutes()).slice(-2); }
  function size(n) { return n >= 1048576 ? (n / 1048576).toFixed(1) + ' MB' : Math.max(1, Math.round(n / 1024)) + ' KB'; }

  // text with http(s) links made clickable; everything else stays text.
  function fill(node, text) {
    // Control characters and bidi overrides are not text anyone meant to read.
    text = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g, '');
    var re = /https?:\/\/[^\s<>"'`]+/g, at = 0, m;
    while ((m = re.exec(text))) {
      node.append(document.createTextNode(text.slice(at, m.index)));
      var a = el('a', '', m[0]); a.href = m[0]; a.target = '_blank'; a.rel = 'noopener noreferrer nofollow';
      node.append(a); at = m.index + m[0].length;
    }
    node.append(document.createTextNode(text.slice(at)));
  }
  function fileNode(f) {
    if (typeof f.url !== 'string' || f.url.indexOf('/v1/widget/attachments/') !== 0) return null;
    var a = el('a', 'file'); a.href = base + f.url; a.target = '_blank'; a.rel = 'noopener'; a.download = f.name;
    if (/^image\/(png|jpeg|gif|webp)$/.test(f.content_type)) {
      var img = el('img'); img.src = base + f.url; img.alt = f.name; a.append(img);
    } else {
      a.append(icon(DOC, 16, true), document.createTextNode(' ' + f.name + ' · ' + size(f.size)));
    }
    return a;
  }
  function bubble(m, mine) {
    var row = el('div', 'msg' + (mine ? ' me' : ''));
    if (!mine && m.name) row.append(el('div', 'who', m.name));
    var b = el('div', 'bub');
    fill(b, m.text || '');
    (m.attachments || []).forEach(function (f) { var n = fileNode(f); if (n) b.append(n); });
    row.append(b);
    row.dataset.seq = m.seq || '';
    return row;
  }
  function chatOf(id) {
    var c = byChat[id];
    if (!c) {
      c = byChat[id] = {id: id, status: 'bot', agent: '', csat: '', el: el('section')};
      chats.push(c);
      log.append(c.el);
    }
    return c;
  }
  function addMessage(m) {
    if (shown[m.id]) return;
    var c = chatOf(m.conversation_id), mine = m.author === 'customer';
    if (mine) { // adopt our own pending bubble rather than show it twice
      for (var k in pending) {
        if (pending[k].dataset.text === m.text) { pending[k].remove(); delete pending[k]; break; }
      }
    }
    var row = m.author === 'system' ? el('div', 'sys', m.text) : bubble(m, mine);
    row.dataset.seq = m.seq;
    var after = null; // keep seq order should a message arrive late
    for (var n = c.el.lastChild; n && n.dataset && +n.dataset.seq > m.seq; n = n.previousSibling) after = n;
    c.el.insertBefore(row, after);
    shown[m.id] = row;
    if (!mine) {
      if (!panel.classList.contains('open')) { unread++; badge.textContent = unread; badge.hidden = false; }
      if (m.author === 'agent') { typing.textContent = ''; }
    }
    scroll();
  }
  function setStatus(c, status, agent, csat, at) {
    c.status = status; c.agent = agent || ''; c.csat = csat || '';
    if (c !== chats[chats.length - 1]) return;
    sub.textContent = status === 'assigned' ? fmt(TEXT.assigned, c.agent) : TEXT[status] || TEXT.bot;
    humanBtn.disabled = status !== 'bot';
    var card = root.querySelector('.csat');
    if (card && card.dataset.chat !== c.id) card.remove();
    if (status === 'resolved' && c.csat === 'pending' && !root.querySelector('.csat')) csatCard(c);
    if (status === 'resolved' && !c.el.querySelector('.sys.end')) c.el.append(el('div', 'sys end', TEXT.ended + ' · ' + timeOf(at || Date.now())));
  }
  function csatCard(c) {
    var card = el('div', 'csat'), stars = el('div', 'stars'), comment = el('input'), go = el('button', 'go', TEXT.rateSend), score = 0;
    card.dataset.chat = c.id; comment.placeholder = TEXT.rateComment; comment.maxLength = 500;
    for (var i = 1; i <= 5; i++) {
      (function (n) {
        var s = el('button', '', '★'); s.setAttribute('aria-label', n + '/5');
        s.onclick = function () { score = n; Array.prototype.forEach.call(stars.children, function (b, j) { b.classList.toggle('on', j < n); }); };
        stars.append(s);
      })(i);
    }
    go.onclick = function () {
      if (!score) return;
      frame({type: 'csat', id: cid(), conversation_id: c.id, score: score, comment: comment.value});
      c.csat = ''; card.textContent = TEXT.thanks;
    };
    card.append(el('div', '', TEXT.rate), stars, comment, go);
    log.append(card); scroll();
  }
  function pendingBubble(item) {
    var row = bubble({text: item.text, attachments: (item.files || []).map(function (f) { return {name: f.name}; })}, true);
    row.dataset.text = item.text;
    row.append(el('div', 'state', TEXT.sending));
    log.append(row); pending[item.id] = row; scroll();
  }

  // ---- sending ----
  function frame(f) { if (ws && online) ws.send(JSON.stringify(f)); }
  function submit() {
    var text = input.value.replace(/^\s+|\s+$/g, ''); // a chat line has no leading or trailing blank
    if (!text.trim() && !files.length) return;
    if (new Blob([text]).size > limits.max_text) { showNote(TEXT.tooFast); return; }
    var item = {id: cid(), text: text, files: files.slice()};
    files = []; tray.textContent = ''; input.value = '';
    outbox.push(item); saveOutbox(); pendingBubble(item);
    sendItem(item);
  }
  function sendItem(item) {
    frame({type: 'send', id: item.id, text: item.text, attachments: (item.files || []).map(function (f) { return f.id; })});
  }
  function upload(file) {
    if (file.size > limits.max_file || files.length >= limits.max_files) { showNote(file.name + ': ' + size(file.size)); return; }
    var tag = el('span', '', fmt(TEXT.upload, file.name)); tray.append(tag);
    var body = new FormData(); body.append('file', file, file.name);
    fetch(base + '/v1/widget/attachments?site=' + encodeURIComponent(site), {method: 'POST', body: body, headers: {Authorization: 'Bearer ' + session}})
      .then(function (r) { return r.json().then(function (j) { return {ok: r.ok, j: j}; }); })
      .then(function (res) {
        if (!res.ok) { tag.textContent = file.name + ': ' + (res.j.message || 'error'); return; }
        files.push({id: res.j.attachment.id, name: res.j.attachment.name}); tag.textContent = res.j.attachment.name;
      }, function () { tag.textContent = file.name + ': ' + TEXT.failed; });
  }
  var seenTimer = 0;
  function markSeen() {
    clearTimeout(seenTimer);
    seenTimer = setTimeout(function () {
      var c = chats[chats.length - 1];
      if (!c || !panel.classList.contains('open') || document.hidden) return;
      var last = c.el.lastElementChild;
      while (last && !(+last.dataset.seq)) last = last.previousElementSibling;
      if (last) frame({type: 'seen', conversation_id: c.id, seq: +last.dataset.seq});
    }, 400);
  }
  document.addEventListener('visibilitychange', markSeen);

  // ---- the connection ----
  function resumePoint() {
    var c = chats[chats.length - 1];
    if (!c) return null;
    var seq = 0;
    Array.prototype.forEach.call(c.el.children, function (n) { seq = Math.max(seq, +n.dataset.seq || 0); });
    return {conversation_id: c.id, seq: seq};
  }
  function connect() {
    var url = base.replace(/^http/, 'ws') + '/v1/widget/ws?site=' + encodeURIComponent(site);
    try { ws = new WebSocket(url, 'agentdesk.widget.v1'); } catch (e) { retry(); return; }
    ws.onopen = function () {
      online = true;
      var hello = {type: 'hello', visitor: readVisitor(), lang: lang};
      var r = resumePoint(); if (r) hello.resume = r;
      if (attr('user-id')) hello.user = {id: attr('user-id'), hash: attr('user-hash'), name: attr('user-name')};
      ws.send(JSON.stringify(hello));
    };
    ws.onmessage = function (e) { var f; try { f = JSON.parse(e.data); } catch (x) { return; } receive(f); };
    ws.onclose = function (e) {
      online = false;
      if (e.code === 4003) { stopped = true; showNote(TEXT.identity); return; }
      if (e.code === 4400) { stopped = true; return; }
      retry();
    };
  }
  function retry() {
    if (stopped) return;
    showNote(TEXT.offline);
    var wait = backoff * (0.8 + Math.random() * 0.4);
    backoff = Math.min(backoff * 2, 30000);
    setTimeout(connect, wait);
  }
  function receive(f) {
    switch (f.type) {
      case 'welcome':
        backoff = 1000; showNote(''); session = f.session; limits = f.limits || limits;
        if (f.visitor) saveVisitor(f.visitor);
        if (f.site && f.site.name) title.textContent = f.site.name;
        if (!f.resumed) { chats.forEach(function (c) { c.el.remove(); }); chats = []; byChat = {}; shown = {}; }
        (f.chats || []).forEach(function (c) {
          var ch = chatOf(c.id);
          c.messages.forEach(addMessage);
          setStatus(ch, c.status, c.agent, c.csat, c.resolved_at);
        });
        outbox.forEach(function (item) { if (!pending[item.id]) pendingBubble(item); sendItem(item); });
        markSeen();
        break;
      case 'message':
        addMessage(f.message);
        if (panel.classList.contains('open')) markSeen();
        break;
      case 'ack':
        if (f.message) {
          outbox = outbox.filter(function (i) { return i.id !== f.id; }); saveOutbox();
          if (pending[f.id]) { pending[f.id].remove(); delete pending[f.id]; }
          addMessage(f.message);
          var c = chatOf(f.message.conversation_id);
          if (f.status && c.status !== f.status) setStatus(c, f.status, c.agent, '');
          else if (c === chats[chats.length - 1]) humanBtn.disabled = c.status !== 'bot';
        }
        break;
      case 'status':
        setStatus(chatOf(f.conversation_id), f.status, f.agent, f.csat, f.at);
        break;
      case 'typing':
        typing.textContent = fmt(TEXT.typing, f.name || TEXT.agentTyping);
        clearTimeout(typingTimer);
        typingTimer = setTimeout(function () { typing.textContent = ''; }, 6000);
        break;
      case 'error':
        if (f.code === 'rate_limited') {
          showNote(TEXT.tooFast);
          var item = outbox.filter(function (i) { return i.id === f.id; })[0];
          if (item) setTimeout(function () { sendItem(item); }, f.retry_after_ms || 1000);
        } else if (f.id && pending[f.id]) { // refused for good: say so, keep the text
          outbox = outbox.filter(function (i) { return i.id !== f.id; }); saveOutbox();
          pending[f.id].classList.add('failed');
          pending[f.id].lastChild.textContent = TEXT.failed + ' — ' + f.message;
          delete pending[f.id];
        } else if (f.message) { showNote(f.message); }
        break;
    }
  }

  function start() {
    document.body.append(host);
    var open = attr('open') === 'true';
    try { open = open || sessionStorage.getItem('agentdesk_open_' + site) === '1'; } catch (e) { /* ignore */ }
    setOpen(open);
    connect();
  }
  window.agentdeskWidget = {open: function () { setOpen(true); }, close: function () { setOpen(false); }};
  if (document.body) start(); else document.addEventListener('DOMContentLoaded', start);
})();
