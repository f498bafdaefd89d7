import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse as parseYaml, stringify } from 'yaml';
import { parseConfig } from '../config.ts';
import { ClaimResponse } from '../../devices/contract/provisioning.ts';
import { issuesDetail } from '../../infra/zod-issues.ts';

/**
 * A new Pi claims its identity with the one-time code the commune console showed (typed, or read from the QR):
 *   node firmware-bridge/provision/claim.js --console https://may-chu.xa.local:8443 --code ABCD-EFGH-JKMN \
 *        [--ca /boot/firmware/thanthien-ca.pem] [--template /etc/thanthien/bridge.template.yaml] [--out /etc/thanthien]
 * Writes <out>/password (0600), <out>/ca.pem (the broker's CA) and <out>/bridge.yaml: the template (pins, units,
 * io) with the device id, broker URL and files filled in, and for a speaker the commune's schedule key. The code
 * works once: run again with a new code from the console if this fails halfway.
 */
export type { ClaimResponse };

export function postClaim(consoleUrl: string, code: string, ca?: Buffer): Promise<{ status: number; body: unknown }> {
  const url = new URL('/api/provisioning/claim', consoleUrl);
  const payload = JSON.stringify({ code: code.replace(/^thanthien-claim:/, '') });
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        timeout: 30_000,
        ...(ca ? { ca } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(payload);
  });
}

/** the bridge config for the claimed identity, validated as the bridge will validate it */
export function bridgeConfigFor(
  claim: ClaimResponse,
  template: Record<string, unknown>,
  outDir: string,
  consoleUrl?: string,
): Record<string, unknown> {
  const units = { ...((template.units as Record<string, unknown> | undefined) ?? {}) };
  if (claim.kind === 'speaker' && units.speaker && typeof units.speaker === 'object') {
    // the identity comes from the claim; the wiring (relay pin, player) from the Pi's own template
    const identity = {
      commune: claim.commune,
      ...(claim.hamlet ? { hamlet: claim.hamlet } : {}),
      ...(consoleUrl ? { consoleUrl } : {}),
    };
    units.speaker = {
      ...identity,
      ...(units.speaker as Record<string, unknown>),
      ...(claim.broadcastKey ? { schedulePublicKey: claim.broadcastKey } : {}),
    };
  }
  const config = {
    dataDir: '/var/lib/thanthien',
    io: { kind: 'gpiod', chip: 'gpiochip0' },
    ...template,
    deviceId: claim.deviceId,
    broker: {
      url: claim.broker.url,
      passwordFile: join(outDir, 'password'),
      ...(claim.broker.caPem ? { ca: join(outDir, 'ca.pem') } : {}),
    },
    units,
  };
  parseConfig(config, 'bridge.yaml');
  return config;
}

function writeAtomic(path: string, text: string, mode: number): void {
  writeFileSync(`${path}.tmp`, text, { mode });
  chmodSync(`${path}.tmp`, mode);
  renameSync(`${path}.tmp`, path);
}

export async function claimDevice(opts: {
  console: string;
  code: string;
  ca?: string;
  template?: string;
  out: string;
}): Promise<ClaimResponse> {
  const template =
    opts.template && existsSync(opts.template)
      ? ((parseYaml(readFileSync(opts.template, 'utf8')) ?? {}) as Record<string, unknown>)
      : {};
  const res = await postClaim(opts.console, opts.code, opts.ca ? readFileSync(opts.ca) : undefined);
  if (res.status !== 200) {
    const e = (res.body as { error?: { code?: string; message?: string } })?.error;
    throw new Error(`${e?.code ?? `HTTP ${res.status}`}: ${e?.message ?? String(res.body).slice(0, 200)}`);
  }
  const parsed = ClaimResponse.safeParse(res.body);
  if (!parsed.success) throw new Error(`console's claim answer is not a claim: ${issuesDetail(parsed.error.issues)}`);
  const claim = parsed.data;
  mkdirSync(opts.out, { recursive: true });
  const config = bridgeConfigFor(claim, template, opts.out, opts.console);
  writeAtomic(join(opts.out, 'password'), `${claim.password}\n`, 0o600);
  if (claim.broker.caPem) writeAtomic(join(opts.out, 'ca.pem'), claim.broker.caPem, 0o644);
  writeAtomic(join(opts.out, 'bridge.yaml'), stringify(config), 0o640);
  return claim;
}

if (process.argv[1]?.match(/provision[\\/]claim\.(ts|js)$/)) {
  const { values } = parseArgs({
    options: {
      console: { type: 'string' },
      code: { type: 'string' },
      ca: { type: 'string' },
      template: { type: 'string', default: '/etc/thanthien/bridge.template.yaml' },
      out: { type: 'string', default: '/etc/thanthien' },
    },
  });
  if (!values.console || !values.code) {
    console.error(
      'cách dùng / usage: claim --console <https://console> --code <mã kích hoạt> [--ca ca.pem] [--template bridge.template.yaml] [--out /etc/thanthien]',
    );
    process.exit(2);
  }
  claimDevice({
    console: values.console,
    code: values.code,
    out: values.out!,
    ...(values.ca ? { ca: values.ca } : {}),
    ...(values.template ? { template: values.template } : {}),
  }).then(
    (c) =>
      console.log(`đã nhận danh tính ${c.deviceId} (${c.communeName}); cấu hình: ${join(values.out!, 'bridge.yaml')}`),
    (err: Error) => {
      console.error(`không kích hoạt được / claim failed: ${err.message}`);
      process.exit(1);
    },
  );
}
