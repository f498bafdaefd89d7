import { useRef, useState } from 'preact/hooks';
import type { AudioEnvelope } from '../api/audio.ts';
import { api, say } from './api.ts';
import { Button } from './ui.tsx';

/**
 * Recording an announcement in the browser (MediaRecorder): record, listen, then save it as the
 * announcement's audio. The console normalizes its loudness like any upload.
 */
export function Recorder(props: { hidden: boolean; onSaved(sha256: string): void }) {
  const [state, setState] = useState<'idle' | 'recording' | 'recorded'>('idle');
  const [info, setInfo] = useState('');
  const [saved, setSaved] = useState<string | undefined>();
  const [preview, setPreview] = useState<string | undefined>();
  const recorder = useRef<MediaRecorder | null>(null);
  const blob = useRef<Blob | null>(null);

  const start = async () => {
    try {
      const mic = await navigator.mediaDevices.getUserMedia({ audio: true });
      const chunks: Blob[] = [];
      blob.current = null;
      const r = new MediaRecorder(mic, { mimeType: 'audio/webm;codecs=opus' });
      r.ondataavailable = (e) => e.data.size && chunks.push(e.data);
      r.onstop = () => {
        blob.current = new Blob(chunks, { type: 'audio/webm' });
        setPreview(URL.createObjectURL(blob.current));
        setInfo('Đã ghi xong: nghe lại rồi bấm "Dùng bản ghi này".');
        for (const t of mic.getTracks()) t.stop();
        recorder.current = null;
        setState('recorded');
      };
      recorder.current = r;
      r.start(250);
      setInfo('Đang ghi âm…');
      setState('recording');
    } catch (e) {
      say(`Không mở được micrô: ${(e as Error).message}`);
    }
  };
  const save = async () => {
    try {
      const fd = new FormData();
      fd.append('recording', blob.current!, 'ghi-am.webm');
      const { audio: meta } = await api<AudioEnvelope>('POST', '/api/audio', fd);
      props.onSaved(meta.sha256);
      setSaved(meta.sha256);
      setInfo(`Đã lưu bản ghi âm (${meta.durationS.toLocaleString('vi-VN')} giây).`);
    } catch (e) {
      say((e as Error).message);
    }
  };

  return (
    <div id="recorder" hidden={props.hidden}>
      <Button id="rec-start" disabled={state === 'recording'} onClick={start}>
        Ghi âm
      </Button>
      <Button id="rec-stop" disabled={state !== 'recording'} onClick={() => recorder.current?.stop()}>
        Dừng
      </Button>
      {/* biome-ignore lint/a11y/useMediaCaption: the preview of a recording the user just made has no captions */}
      <audio controls src={preview} />
      <Button id="rec-save" disabled={state !== 'recorded'} onClick={save}>
        Dùng bản ghi này
      </Button>
      <span id="rec-info" data-sha256={saved}>
        {info}
      </span>
    </div>
  );
}
