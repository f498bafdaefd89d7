import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { ReleaseAnnouncementPayload, ReleaseManifest } from '../../devices/contract/index.ts';
import { signManifest } from '../../devices/release-signature.ts';

export function provinceKey() {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return { publicKey, privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

const LOCK = JSON.stringify({ name: 'thanthien', lockfileVersion: 3, packages: {} });

/** a Pi's /opt/thanthien with one release installed and current pointing at it */
export function installedRoot(dir: string, version: string): string {
  const root = join(dir, 'opt');
  const rel = join(root, 'releases', version);
  mkdirSync(join(rel, 'node_modules/some-dep'), { recursive: true });
  writeFileSync(join(rel, 'VERSION'), `${version}\ncommit\n`);
  writeFileSync(join(rel, 'package-lock.json'), LOCK);
  writeFileSync(join(rel, 'node_modules/some-dep/index.js'), 'module.exports = 1;\n');
  symlinkSync(join('releases', version), join(root, 'current'));
  return root;
}

/** a release tarball shaped like scripts/build/release.ts makes (top folder thanthien-<version>/) */
export function releaseTarball(dir: string, version: string, opts: { lock?: string } = {}): string {
  const top = join(dir, `src-${version}`, `thanthien-${version}`);
  mkdirSync(join(top, 'firmware-bridge'), { recursive: true });
  writeFileSync(join(top, 'VERSION'), `${version}\ncommit\n`);
  writeFileSync(join(top, 'package-lock.json'), opts.lock ?? LOCK);
  writeFileSync(join(top, 'firmware-bridge/main.js'), `console.log(${JSON.stringify(version)});\n`);
  const file = join(dir, `thanthien-${version}.tar.gz`);
  execFileSync('tar', ['-czf', file, '-C', join(dir, `src-${version}`), `thanthien-${version}`]);
  return file;
}

export function announce(
  file: string,
  version: string,
  privatePem: string,
  url: string,
  over: Partial<ReleaseManifest> = {},
): ReleaseAnnouncementPayload {
  const bytes = readFileSync(file);
  const manifest: ReleaseManifest = {
    v: 1,
    version,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    bytes: bytes.length,
    signedAt: new Date().toISOString(),
    ...over,
  };
  return { manifest, sig: signManifest(manifest, privatePem), url, healthTimeoutS: 180 };
}

/** serves files by name; `override` replaces what one name serves (a corrupted mirror) */
export async function fileServer(dir: string): Promise<{
  url: (name: string) => string;
  requests: string[];
  override: Map<string, Buffer>;
  close(): Promise<void>;
}> {
  const requests: string[] = [];
  const override = new Map<string, Buffer>();
  const server: Server = createServer((req, res) => {
    const name = (req.url ?? '/').slice(1);
    requests.push(name);
    try {
      const body = override.get(name) ?? readFileSync(join(dir, name));
      res.writeHead(200, { 'content-type': 'application/gzip' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: (name) => `http://127.0.0.1:${port}/${name}`,
    requests,
    override,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
