import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateScheduleKeys } from '../devices/schedule-signature.ts';

export type CommuneKey = {
  commune: string;
  privateKey: KeyObject;
  publicKeyPem: string /** base64 SPKI DER, for registry commune.broadcastKey */;
  publicKeyDer: string;
  created: boolean;
};

/**
 * The commune's Ed25519 signing key lives in <dataDir>/keys/<commune>.pem (mode 0600), generated on first start.
 * Its public half must be put in the registry (commune.broadcastKey) and the speakers' config.
 */
export function loadOrCreateKey(dataDir: string, commune: string): CommuneKey {
  const dir = join(dataDir, 'keys');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `${commune}.pem`);
  let created = false;
  if (!existsSync(file)) {
    writeFileSync(file, generateScheduleKeys().privateKey, { mode: 0o600, flag: 'wx' });
    created = true;
  }
  const privateKey = createPrivateKey(readFileSync(file, 'utf8'));
  const publicKey = createPublicKey(privateKey);
  return {
    commune,
    privateKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    publicKeyDer: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    created,
  };
}
