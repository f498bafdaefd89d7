import { useEffect, useRef, useState } from 'preact/hooks';
import type { LiveList, LiveSessionView } from '../api/live.ts';
import { api, guard, say, type Me } from './api.ts';
import { Button, checkedValues, HamletBoxes, type Hamlet } from './ui.tsx';

/**
 * "Phát trực tiếp": speak into the microphone to chosen hamlets. The microphone goes out as MediaRecorder
 * chunks (WebM/Opus, every 100 ms) over the session's WebSocket; the console feeds them to the stream server.
 * The view stays mounted while another tab is open, so switching tabs does not cut a broadcast; the session's
 * state (approval, on air, a lost feed being restored, ended by quiet hours) is read from the console every second.
 */
const CHUNK_MS = 100;

/** the browser side of one session: microphone → recorder → the feed socket */
class Microphone {
  private stream: MediaStream | null = null;
  private socket: WebSocket | null = null;
  private recorder: MediaRecorder | null = null;

  /** resolves once the console accepted the feed (true) or refused it (false: the reason is in the banner) */
  async start(id: string, onClosed: () => void): Promise<boolean> {
    this.stream = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
    });
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(`${proto}//${location.host}/api/live/${id}/feed`);
    this.socket = socket;
    socket.binaryType = 'arraybuffer';
    const opened = await new Promise<boolean>((resolve) => {
      socket.onmessage = (m) => {
        const msg = JSON.parse(String(m.data)) as { ok?: boolean; error?: { message: string } };
        if (msg.error) say(msg.error.message);
        resolve(!!msg.ok);
      };
      socket.onclose = () => resolve(false);
    });
    if (!opened) {
      this.stop();
      return false;
    }
    socket.onclose = () => {
      this.stop();
      onClosed();
    };
    const recorder = new MediaRecorder(this.stream, { mimeType: 'audio/webm;codecs=opus', audioBitsPerSecond: 32000 });
    this.recorder = recorder;
    recorder.ondataavailable = async (e) => {
      if (e.data.size && socket.readyState === WebSocket.OPEN) socket.send(await e.data.arrayBuffer());
    };
    recorder.start(CHUNK_MS);
    return true;
  }

  stop(): void {
    if (this.recorder?.state === 'recording') this.recorder.stop();
    this.recorder = null;
    for (const t of this.stream?.getTracks() ?? []) t.stop();
    this.stream = null;
    if (this.socket && this.socket.readyState <= WebSocket.OPEN) this.socket.close();
    this.socket = null;
  }
}

/** `shown`: the view stays mounted (a session outlives a tab change) but asks for requests only when open */
export function LiveView(props: { me: Me; hamlets: Hamlet[]; visit: number; shown: boolean }) {
  const [session, setSession] = useState<LiveSessionView | null>(null);
  const [all, setAll] = useState(true);
  const [requests, setRequests] = useState<LiveSessionView[]>([]);
  const mic = useRef<Microphone | null>(null);
  const leader = props.me.role === 'leader';

  const loadRequests = async () => {
    if (!leader) return;
    const { items } = await api<LiveList>('GET', '/api/live');
    setRequests(items.filter((s) => s.status === 'requested'));
  };
  useEffect(() => void (props.shown && guard(loadRequests)()), [props.visit, props.shown]);
  useEffect(() => () => mic.current?.stop(), []);

  const open = session !== null && session.status !== 'ended';
  const refresh = async (id: string) => setSession(await api<LiveSessionView>('GET', `/api/live/${id}`));
  // while a session is open its state is read every second
  useEffect(() => {
    if (!session || !open) return;
    const t = setInterval(
      guard(() => refresh(session.id)),
      1_000,
    );
    return () => clearInterval(t);
  }, [session?.id, open]);
  // ready (at once for a leader, after a leader's approval for staff): the microphone goes on; ended: off
  useEffect(() => {
    if (!session) return;
    if (session.status === 'ready' && !mic.current) {
      const m = new Microphone();
      mic.current = m;
      const id = session.id;
      void m
        .start(id, () => void refresh(id).catch(() => undefined))
        .then((ok) => {
          if (!ok) mic.current = null;
        })
        .catch((e: Error) => {
          mic.current = null;
          say(e.message);
        });
    }
    if (session.status === 'ended') {
      mic.current?.stop();
      mic.current = null;
    }
  }, [session?.id, session?.status]);

  const start = async (ev: Event) => {
    const form = (ev.currentTarget as HTMLElement).closest('form')!;
    const emergency = (form.elements.namedItem('emergency') as HTMLInputElement).checked;
    mic.current = null;
    setSession(
      await api<LiveSessionView>('POST', '/api/live', {
        hamlets: all ? 'all' : checkedValues(form, 'hamlet'),
        emergency,
      }),
    );
  };
  const end = async () => {
    mic.current?.stop();
    mic.current = null;
    if (session) setSession(await api<LiveSessionView>('POST', `/api/live/${session.id}/end`));
  };
  const approve = async (id: string) => {
    await api('POST', `/api/live/${id}/approve`);
    say('Đã duyệt phiên phát trực tiếp.', true);
    await loadRequests();
  };

  return (
    <>
      <p>Nói vào micrô của máy tính; loa các thôn/ấp đã chọn phát ngay. Cán bộ cần lãnh đạo duyệt trước khi phát.</p>
      <form onSubmit={(e) => e.preventDefault()}>
        <fieldset>
          <legend>Thôn/ấp nhận</legend>
          <HamletBoxes hamlets={props.hamlets} all={all} onAll={setAll} />
        </fieldset>
        <label>
          <input type="checkbox" name="emergency" /> Khẩn cấp (được phát cả trong giờ yên tĩnh)
        </label>
        <Button type="button" id="live-start" disabled={open} onClick={guard(start)}>
          Bắt đầu phát
        </Button>
        <Button type="button" id="live-end" disabled={!open} onClick={guard(end)}>
          Kết thúc
        </Button>
        <p>
          Trạng thái: <strong id="live-status">{session ? session.statusLabel : 'Chưa phát'}</strong>
        </p>
        {session?.feed && session.feed.restarts > 0 && (
          <p id="live-feed">Đường truyền tới máy chủ phát đã được nối lại {session.feed.restarts} lần.</p>
        )}
      </form>
      {leader && (
        <>
          <h3>Yêu cầu chờ duyệt</h3>
          <ul id="live-requests">
            {requests.map((s) => (
              <li key={s.id}>
                {s.by}: {s.hamlets === 'all' ? 'tất cả thôn/ấp' : s.hamlets.join(', ')}{' '}
                <Button type="button" onClick={guard(() => approve(s.id))}>
                  Duyệt phát
                </Button>
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}
