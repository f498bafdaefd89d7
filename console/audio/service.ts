import { createHash } from 'node:crypto';
import type { Clock } from '../../infra/clock.ts';
import type { Logger } from '../../infra/logger.ts';
import { ConsoleError, fail } from '../errors.ts';
import type { AudioMeta } from '../model.ts';
import type { Store } from '../store/index.ts';
import type { AudioFiles } from './files.ts';
import type { LoudnessNormalizer } from './loudness.ts';
import type { TextToSpeech } from './tts.ts';
import { inspectAudio, inspectRecording, type AudioLimits } from './validate.ts';

/**
 * Uploads, recordings and synthesized speech all end as validated, loudness-normalized, content-addressed
 * audio with an index row. The original is validated first (type, size, length), then normalized, then the
 * result is validated again: what is stored is exactly what a speaker plays.
 */
export class AudioService {
  /**
   * Speech already made, by engine and text: a leader hears the speech of an emergency before issuing it
   * (POST /api/speech), so issuing it does not wait for the synthesis again. In memory only; bounded.
   */
  #spoken = new Map<string, Promise<AudioMeta>>();
  static readonly SPOKEN_KEPT = 200;

  constructor(
    private readonly deps: {
      store: Store;
      files: AudioFiles;
      tts: TextToSpeech;
      loudness: LoudnessNormalizer;
      limits: AudioLimits;
      clock: Clock;
      log: Logger;
    },
  ) {}

  /** audio belongs to the commune that uploaded (or spoke) it: another commune cannot use it by its hash */
  /** `source` 'record': recorded in the browser (WebM/Ogg, decoded by ffmpeg) */
  async upload(bytes: Buffer, by: string, commune: string, source: 'upload' | 'record' = 'upload'): Promise<AudioMeta> {
    if (source === 'record') inspectRecording(bytes, this.deps.limits);
    else inspectAudio(bytes, this.deps.limits);
    return this.#normalizeAndKeep(bytes, `${source}:${by}`, commune);
  }

  async speak(text: string, commune: string): Promise<AudioMeta> {
    const key = createHash('sha256').update(`${this.deps.tts.name}\n${text}`).digest('hex');
    let made = this.#spoken.get(key);
    // the same words spoken before are reused while their file is still there
    const kept =
      made &&
      (await made.then(
        (m) => this.deps.files.has(m.sha256) && !!this.deps.store.audio.get(m.sha256),
        () => false,
      ));
    if (!kept) {
      made = this.#synthesize(text, commune);
      this.#spoken.delete(key);
      this.#spoken.set(key, made);
      // a failed synthesis is not kept; the oldest entries go first
      made.catch(() => this.#spoken.get(key) === made && this.#spoken.delete(key));
      if (this.#spoken.size > AudioService.SPOKEN_KEPT) this.#spoken.delete(this.#spoken.keys().next().value!);
    }
    const meta = await made!;
    // the same words spoken for another commune are that commune's too
    this.deps.store.audio.addOwner(meta.sha256, commune);
    return meta;
  }

  async #synthesize(text: string, commune: string): Promise<AudioMeta> {
    let wav: Buffer;
    try {
      wav = await this.deps.tts.synthesize(text);
    } catch (err) {
      this.deps.log.error({ err }, 'text to speech failed');
      fail('TTS_FAILED');
    }
    try {
      inspectAudio(wav, this.deps.limits);
    } catch (err) {
      // the person typed text: speak of the text, not of an audio file they never chose
      if (err instanceof ConsoleError && (err.code === 'AUDIO_TOO_LARGE' || err.code === 'AUDIO_TOO_LONG')) {
        const minutes = Math.max(1, Math.floor(this.deps.limits.maxDurationS / 60));
        fail(
          'SPEECH_TOO_LONG',
          `Khi đọc ra, nội dung này dài hơn mức cho phép (khoảng ${minutes} phút nghe). Hãy rút ngắn văn bản (các con số và ngày tháng được đọc thành nhiều chữ) hoặc chia thành nhiều thông báo.`,
        );
      }
      throw err;
    }
    return this.#normalizeAndKeep(wav, `tts:${this.deps.tts.name}`, commune);
  }

  /** an uploaded file's metadata, or AUDIO_UNKNOWN when its bytes are gone or it is another commune's */
  require(sha256: string, commune: string): AudioMeta {
    const meta = this.deps.store.audio.get(sha256);
    if (!meta || !this.deps.files.has(sha256) || !this.deps.store.audio.ownedBy(sha256, commune)) fail('AUDIO_UNKNOWN');
    return meta;
  }

  async #normalizeAndKeep(bytes: Buffer, source: string, commune: string): Promise<AudioMeta> {
    let normalized: Buffer;
    try {
      normalized = await this.deps.loudness.normalize(bytes);
    } catch (err) {
      this.deps.log.error({ err }, 'loudness normalization failed');
      fail('AUDIO_NORMALIZE_FAILED');
    }
    // the encoder adds a few ms of padding: the length limit was checked on the original
    const meta = inspectAudio(normalized, {
      ...this.deps.limits,
      maxDurationS: this.deps.limits.maxDurationS + 1,
      maxBytes: Math.max(this.deps.limits.maxBytes, normalized.length),
    });
    this.#keep(meta, normalized, source, commune);
    return meta;
  }

  #keep(meta: AudioMeta, bytes: Buffer, source: string, commune: string): void {
    // file first, then the index row: an index row never points at a missing file
    this.deps.files.put(meta.sha256, bytes);
    this.deps.store.tx(() => {
      this.deps.store.audio.add(meta, source, new Date(this.deps.clock.now()).toISOString());
      this.deps.store.audio.addOwner(meta.sha256, commune);
    });
  }
}
