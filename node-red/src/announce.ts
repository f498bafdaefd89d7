import { announceInput, type AnnounceDefaults, type AnnounceInput } from './announce-request.ts';
import { consoleOf } from './config-node.ts';
import type { ConsoleClient, ConsoleResult } from './console-client.ts';
import type { NodeMessage, RedApi, RedNode } from './red.ts';

export const ANNOUNCE_TYPE = 'thanthien-announce';

/** submit: a draft announcement sent for the leader's approval (staff account); emergency: broadcast now (leader account). */
export type AnnounceProps = AnnounceDefaults & { name?: string; config?: string; mode?: 'submit' | 'emergency' };

async function submit(client: ConsoleClient, input: AnnounceInput): Promise<ConsoleResult> {
  if (!input.schedule) {
    return {
      ok: false,
      error: {
        code: 'schedule-missing',
        message: 'thông báo cần lịch phát (schedule); chỉ phát khẩn cấp mới không cần lịch',
      },
    };
  }
  const created = await client.request('POST', '/api/announcements', input);
  if (!created.ok) return created;
  const id = (created.body as { id?: unknown } | null)?.id;
  if (typeof id !== 'string' && typeof id !== 'number') {
    return { ok: false, error: { code: 'bad-response', message: 'máy chủ điều hành không trả mã thông báo (id)' } };
  }
  const submitted = await client.request('POST', `/api/announcements/${encodeURIComponent(String(id))}/submit`);
  if (!submitted.ok) return submitted;
  return { ok: true, status: submitted.status, body: { id, ...(submitted.body as object | null) } };
}

function emergency(client: ConsoleClient, input: AnnounceInput): Promise<ConsoleResult> {
  return client.request('POST', '/api/emergency', { title: input.title, text: input.text, hamlets: input.hamlets });
}

/**
 * "announce": msg.payload {title, text, hamlets?, schedule?, repeats?, volume?, priority?} (or a string text
 * with msg.topic as title). Output 1: the console's answer; output 2: { reason, detail, status? } with the
 * console's Vietnamese message. Messages are sent one at a time, in order.
 */
export function registerAnnounce(RED: RedApi): void {
  RED.nodes.registerType(
    ANNOUNCE_TYPE,
    function (this: RedNode, props: AnnounceProps) {
      RED.nodes.createNode(this, props);
      const { config, client } = consoleOf(RED, this, props.config);
      const mode = props.mode === 'emergency' ? 'emergency' : 'submit';
      let chain: Promise<void> = Promise.resolve();
      let sent = 0;
      let failed = 0;
      this.status(config ? {} : { fill: 'red', shape: 'dot', text: 'chưa chọn cấu hình kết nối' });

      const handle = async (msg: NodeMessage, send: (out: (NodeMessage | null)[]) => void) => {
        const input = announceInput(msg.payload, msg.topic, props);
        const result: ConsoleResult = !input.ok
          ? { ok: false, error: { code: 'input-invalid', message: input.detail } }
          : mode === 'emergency'
            ? await emergency(client, input.value)
            : await submit(client, input.value);
        if (result.ok) {
          sent++;
          this.status({
            fill: 'green',
            shape: 'dot',
            text: `${mode === 'emergency' ? 'đã phát khẩn cấp' : 'đã gửi duyệt'} · ${sent}`,
          });
          send([{ ...msg, payload: result.body, request: input.ok ? input.value : undefined }, null]);
        } else {
          failed++;
          this.status({ fill: 'red', shape: 'dot', text: `lỗi ${failed}: ${result.error.message}`.slice(0, 120) });
          send([
            null,
            {
              ...msg,
              payload: { reason: result.error.code, detail: result.error.message, status: result.error.status },
            },
          ]);
        }
      };

      this.on('input', (msg, send, done) => {
        chain = chain
          .then(() => handle(msg, send))
          .then(
            () => done(),
            (err: Error) => done(err),
          );
      });
      this.on('close', (_removed, done) => {
        void chain.finally(done);
      });
    },
    { credentials: { username: { type: 'text' }, password: { type: 'password' } } },
  );
}
