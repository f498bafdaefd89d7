// "Phát trực tiếp": speak into the microphone to chosen hamlets. The microphone goes out as MediaRecorder
// chunks (WebM/Opus, every 100 ms) over the session's WebSocket; the console feeds them to the stream server.
// Text goes in via textContent only.
const STATUS = { requested: 'Chờ lãnh đạo duyệt', ready: 'Sẵn sàng', 'on-air': 'Đang phát', ended: 'Đã kết thúc' };
const CHUNK_MS = 100;

let session = null;
let recorder = null;
let socket = null;
let mic = null;

/** `api`, `el`, `say` are app.js's helpers; `hamlets` the user's hamlets; `me` the signed-in user. */
export async function loadLive({ api, el, say, hamlets, me }) {
  const view = document.querySelector('#live-view');
  const boxes = view.querySelector('.hamlet-boxes');
  if (!boxes.children.length)
    boxes.replaceChildren(
      ...hamlets.map((h) =>
        el('label', {}, el('input', { type: 'checkbox', name: 'hamlet', value: h.id }), ` ${h.name}`),
      ),
    );
  const status = view.querySelector('#live-status');
  const startBtn = view.querySelector('#live-start');
  const endBtn = view.querySelector('#live-end');
  const show = () => {
    status.textContent = session
      ? `${STATUS[session.status]}${session.approvedBy && session.approvedBy !== session.by ? ` (duyệt: ${session.approvedBy})` : ''}`
      : 'Chưa phát';
    startBtn.disabled = !!session && session.status !== 'ended';
    endBtn.disabled = !session || session.status === 'ended';
  };

  startBtn.onclick = async () => {
    try {
      const form = view.querySelector('form');
      const all = form['all-hamlets'].checked;
      const chosen = [...form.querySelectorAll('[name=hamlet]:checked')].map((b) => b.value);
      session = await api('POST', '/api/live', { hamlets: all ? 'all' : chosen, emergency: form.emergency.checked });
      show();
      while (session.status === 'requested') {
        await new Promise((r) => setTimeout(r, 1000));
        session = await api('GET', `/api/live/${session.id}`);
        show();
      }
      const refresh = async () => {
        // the session goes on air with the first chunk the console receives
        for (let i = 0; i < 50 && session.status === 'ready'; i++) {
          await new Promise((r) => setTimeout(r, 200));
          session = await api('GET', `/api/live/${session.id}`);
        }
        show();
      };
      if (session.status === 'ready') await speak(session.id, say, refresh);
      session = await api('GET', `/api/live/${session.id}`);
      show();
    } catch (e) {
      say(e.message);
    }
  };
  endBtn.onclick = async () => {
    try {
      stopMic();
      if (session) session = await api('POST', `/api/live/${session.id}/end`);
      show();
    } catch (e) {
      say(e.message);
    }
  };

  // a leader sees the staff's requests and approves them from their own account
  const requests = view.querySelector('#live-requests');
  const list = me.role === 'leader' ? (await api('GET', '/api/live')).filter((s) => s.status === 'requested') : [];
  requests.replaceChildren(
    ...list.map((s) =>
      el(
        'li',
        {},
        `${s.by}: ${s.hamlets === 'all' ? 'tất cả thôn/ấp' : s.hamlets.join(', ')} `,
        el('button', {
          type: 'button',
          textContent: 'Duyệt phát',
          onclick: async () => {
            await api('POST', `/api/live/${s.id}/approve`);
            loadLive({ api, el, say, hamlets, me });
          },
        }),
      ),
    ),
  );
  show();
}

async function speak(id, say, onStarted) {
  mic = await navigator.mediaDevices.getUserMedia({
    audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
  });
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  socket = new WebSocket(`${proto}//${location.host}/api/live/${id}/feed`);
  socket.binaryType = 'arraybuffer';
  const opened = await new Promise((resolve) => {
    socket.onmessage = (m) => {
      const msg = JSON.parse(m.data);
      if (msg.error) say(msg.error.message);
      resolve(!!msg.ok);
    };
    socket.onclose = () => resolve(false);
  });
  if (!opened) return stopMic();
  recorder = new MediaRecorder(mic, { mimeType: 'audio/webm;codecs=opus', audioBitsPerSecond: 32000 });
  recorder.ondataavailable = async (e) => {
    if (e.data.size && socket?.readyState === WebSocket.OPEN) socket.send(await e.data.arrayBuffer());
  };
  recorder.start(CHUNK_MS);
  const closed = new Promise((resolve) => (socket.onclose = resolve));
  await onStarted();
  await closed;
  stopMic();
}

function stopMic() {
  if (recorder?.state === 'recording') recorder.stop();
  recorder = null;
  mic?.getTracks().forEach((t) => t.stop());
  mic = null;
  if (socket && socket.readyState <= WebSocket.OPEN) socket.close();
  socket = null;
}
