// Recording an announcement in the browser (MediaRecorder): record, listen, then save it as the announcement's
// audio. The console normalizes its loudness like any upload. Text goes in via textContent only.
let recorder = null;
let chunks = [];
let mic = null;
let blob = null;

/** `api` and `say` are app.js's helpers; the saved recording's hash goes to the form's data-audio. */
export function initRecorder({ api, say }) {
  const form = document.querySelector('#ann-form');
  const box = document.querySelector('#recorder');
  const [start, stop, save] = ['#rec-start', '#rec-stop', '#rec-save'].map((s) => box.querySelector(s));
  const preview = box.querySelector('audio');
  const info = box.querySelector('#rec-info');
  const sync = () => {
    start.disabled = !!recorder;
    stop.disabled = !recorder;
    save.disabled = !blob || !!recorder;
  };
  form.addEventListener('change', () => (box.hidden = form.source.value !== 'audio'));
  box.hidden = form.source.value !== 'audio';

  start.onclick = async () => {
    try {
      mic = await navigator.mediaDevices.getUserMedia({ audio: true });
      chunks = [];
      blob = null;
      recorder = new MediaRecorder(mic, { mimeType: 'audio/webm;codecs=opus' });
      recorder.ondataavailable = (e) => e.data.size && chunks.push(e.data);
      recorder.onstop = () => {
        blob = new Blob(chunks, { type: 'audio/webm' });
        preview.src = URL.createObjectURL(blob);
        info.textContent = 'Đã ghi xong: nghe lại rồi bấm "Dùng bản ghi này".';
        mic?.getTracks().forEach((t) => t.stop());
        mic = null;
        recorder = null;
        sync();
      };
      recorder.start(250);
      info.textContent = 'Đang ghi âm…';
      sync();
    } catch (e) {
      say(`Không mở được micrô: ${e.message}`);
    }
  };
  stop.onclick = () => recorder?.stop();
  save.onclick = async () => {
    try {
      const fd = new FormData();
      fd.append('recording', blob, 'ghi-am.webm');
      const meta = await api('POST', '/api/audio', fd);
      form.dataset.audio = meta.sha256;
      form.file.value = '';
      info.textContent = `Đã lưu bản ghi âm (${meta.durationS.toLocaleString('vi-VN')} giây).`;
      info.dataset.sha256 = meta.sha256;
    } catch (e) {
      say(e.message);
    }
  };
  sync();
}
