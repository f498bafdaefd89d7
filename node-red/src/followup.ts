import { EventsAnswer } from '../../console/api/followup.ts';
import { consoleOf } from './config-node.ts';
import type { RedApi, RedNode } from './red.ts';

export const FOLLOWUP_TYPE = 'thanthien-followup';

export type FollowupProps = { name?: string; config?: string; intervalS?: number | string; fromStart?: boolean };

/**
 * "followup": follow-up cases of unhappy citizens, from the console's event feed (opened, assigned, updated,
 * closed), one message each: msg.topic "followup/<kind>", msg.payload the event with the case. For
 * integrators who forward to Zalo or SMS. Polls with the commune leader's account; starts after
 * the latest event at deploy time unless "fromStart", so a restart of Node-RED does not resend old cases.
 */
export function registerFollowup(RED: RedApi): void {
  RED.nodes.registerType(
    FOLLOWUP_TYPE,
    function (this: RedNode, props: FollowupProps) {
      RED.nodes.createNode(this, props);
      const { config, client } = consoleOf(RED, this, props.config);
      const intervalMs = Math.max(1, Number(props.intervalS) || 30) * 1000;
      let after: number | undefined = props.fromStart ? 0 : undefined;
      let sent = 0;
      let closed = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      let running: Promise<void> = Promise.resolve();

      const poll = async () => {
        const res = await client.request('GET', `/api/followup/events?after=${after === undefined ? 'latest' : after}`);
        if (!res.ok) {
          this.status({ fill: 'red', shape: 'dot', text: `lỗi: ${res.error.message}`.slice(0, 120) });
          return;
        }
        // the console's own answer schema: a console of another version is noticed, not half-read
        const body = EventsAnswer.safeParse(res.body);
        if (!body.success) {
          this.status({ fill: 'red', shape: 'dot', text: 'lỗi: bảng điều khiển trả lời không đúng dạng' });
          return;
        }
        for (const e of body.data.items) {
          this.send({ topic: `followup/${e.kind}`, payload: e });
          sent++;
        }
        after = body.data.last;
        this.status({ fill: 'green', shape: 'dot', text: `${sent} sự kiện theo dõi` });
      };
      const loop = () => {
        if (closed) return;
        running = poll().finally(() => {
          if (!closed) timer = setTimeout(loop, intervalMs);
        });
      };
      this.status(config ? {} : { fill: 'red', shape: 'dot', text: 'chưa chọn cấu hình kết nối' });
      if (config) loop();
      this.on('close', (_removed, done) => {
        closed = true;
        if (timer) clearTimeout(timer);
        void running.finally(done);
      });
    },
    { credentials: { username: { type: 'text' }, password: { type: 'password' } } },
  );
}
