import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import type { ReleaseAnnouncementPayload, UpdateState, UpdateStatusPayload } from '../../devices/contract/index.ts';
import type { Clock } from '../../infra/clock.ts';
import type { Logger } from '../../infra/logger.ts';
import { verifyManifest } from '../../devices/release-signature.ts';
import { readPending, writePending, type ReleaseDir } from './release-dir.ts';
import { compareVersions } from './versions.ts';

export type UpdateAgentDeps = {
  releases: ReleaseDir;
  /** the unit's own folder: the pending-update record, the downloaded tarball, versions refused for good */
  stateDir: string;
  running: string;
  releaseKey: KeyObject;
  clock: Clock;
  log: Logger;
  publishStatus(s: UpdateStatusPayload): void;
  download(url: string, maxBytes: number): Promise<Buffer>;
  npmCi(dir: string): Promise<void>;
  /** leave so the service manager starts the new `current` (the bridge exits; systemd restarts it) */
  restart(): void;
  /** how long the new release must stay up after it first hears from the broker before it counts as healthy */
  settleMs: number;
};

class Refused extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Signed updates on the Pi: a retained release announcement is verified against the province's key, the tarball
 * downloaded and checked against the signed SHA-256 and size, unpacked beside the running release, prepared, and
 * `current` switched; then the bridge restarts into it. The new release is healthy once it has heard from the
 * broker again and stayed up `settleMs`; until then a record with a deadline lets the root watchdog
 * (deploy/pi/update-watchdog.sh) switch back. A version that failed or was rolled back is not tried again.
 */
export class UpdateAgent {
  #busy = false;
  #healthTimer?: { cancel(): void };
  #confirmed = false;

  constructor(private readonly deps: UpdateAgentDeps) {}

  get pendingFile(): string {
    return join(this.deps.stateDir, 'pending');
  }

  #refusedFile(): string {
    return join(this.deps.stateDir, 'refused');
  }

  #refusedVersions(): string[] {
    return existsSync(this.#refusedFile()) ? readFileSync(this.#refusedFile(), 'utf8').split('\n').filter(Boolean) : [];
  }

  #refuse(version: string): void {
    if (!this.#refusedVersions().includes(version))
      writeFileSync(this.#refusedFile(), `${[...this.#refusedVersions(), version].join('\n')}\n`);
  }

  #status(target: string, state: UpdateState, reason?: string): void {
    this.deps.publishStatus({
      running: this.deps.running,
      target,
      state,
      ...(reason ? { reason } : {}),
      at: new Date(this.deps.clock.now()).toISOString(),
    });
  }

  /** at start: finish what the previous process began (a switch to confirm, or a rollback to report) */
  resume(): void {
    const p = readPending(this.pendingFile);
    if (!p) return;
    if (p.state === 'rolled-back' || this.deps.running === p.from) {
      this.deps.log.warn({ from: p.to, to: p.from }, 'update rolled back: the new release did not come up healthy');
      this.#refuse(p.to);
      rmSync(this.pendingFile, { force: true });
      this.#status(p.to, 'rolled-back', 'unhealthy');
    }
  }

  /** the broker delivered something to us: the link works; after settleMs in this state the update holds */
  heardFromBroker(): void {
    const p = readPending(this.pendingFile);
    if (p?.state !== 'switched' || p.to !== this.deps.running || this.#healthTimer || this.#confirmed) return;
    this.#healthTimer = this.deps.clock.setTimeout(() => {
      this.#confirmed = true;
      rmSync(this.pendingFile, { force: true });
      this.deps.releases.prune([p.to, p.from]);
      this.deps.log.info({ version: p.to }, 'update healthy');
      this.#status(p.to, 'updated');
    }, this.deps.settleMs);
  }

  stop(): void {
    this.#healthTimer?.cancel();
  }

  async onAnnouncement(a: ReleaseAnnouncementPayload): Promise<void> {
    const { manifest } = a;
    const target = manifest.version;
    if (target === this.deps.running || this.#busy) return;
    if (readPending(this.pendingFile)) return; // a switch is being confirmed or rolled back
    if (this.#refusedVersions().includes(target)) return;
    this.#busy = true;
    try {
      if (!verifyManifest(manifest, a.sig, this.deps.releaseKey))
        throw new Refused('bad-signature', 'release announcement not signed by the province key');
      if (compareVersions(target, this.deps.running) < 0)
        throw new Refused('downgrade', `release ${target} is older than ${this.deps.running}`);
      this.#status(target, 'downloading');
      let bytes: Buffer;
      try {
        bytes = await this.deps.download(a.url, manifest.bytes);
      } catch (err) {
        throw new Refused(
          (err as { reason?: string }).reason ?? 'download',
          `download failed: ${(err as Error).message}`,
        );
      }
      if (bytes.length !== manifest.bytes)
        throw new Refused('size-mismatch', `got ${bytes.length} bytes, signed ${manifest.bytes}`);
      if (createHash('sha256').update(bytes).digest('hex') !== manifest.sha256)
        throw new Refused('sha256-mismatch', 'tarball does not match the signed SHA-256');
      this.#status(target, 'verified');
      const tarball = join(this.deps.stateDir, `thanthien-${target}.tar.gz`);
      writeFileSync(tarball, bytes);
      try {
        await this.deps.releases.unpack(tarball, target);
        await this.deps.releases.prepare(target, this.deps.npmCi);
      } catch (err) {
        throw new Refused(
          (err as { reason?: string }).reason ?? 'install',
          `install failed: ${(err as Error).message}`,
        );
      } finally {
        rmSync(tarball, { force: true });
      }
      writePending(this.pendingFile, {
        from: this.deps.running,
        to: target,
        deadline: this.deps.clock.now() + a.healthTimeoutS * 1000,
        state: 'switched',
      });
      this.deps.releases.switchTo(target);
      this.deps.log.info({ from: this.deps.running, to: target }, 'release switched: restarting into it');
      this.deps.restart();
    } catch (err) {
      const reason = err instanceof Refused ? err.reason : 'install';
      this.deps.log.error({ target, reason, err: (err as Error).message }, 'release refused');
      // only what will fail again is refused for good; a forged announcement or a broken download says nothing
      // about the real release, which may be announced (or fetched) again
      if (['downgrade', 'install', 'invalid'].includes(reason)) this.#refuse(target);
      this.#status(target, 'failed', reason);
    } finally {
      this.#busy = false;
    }
  }
}
