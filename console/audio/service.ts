import type { Clock } from '../../infra/clock.ts';
import type { Logger } from '../../infra/logger.ts';
import { ConsoleError, fail } from '../errors.ts';
import type { AudioMeta } from '../model.ts';
import type { Store } from '../store/index.ts';
import type { AudioFiles } from './files.ts';
import type { TextToSpeech } from './tts.ts';
import { inspectAudio, type AudioLimits } from './validate.ts';

/** Uploads and synthesized speech both end as validated, content-addressed audio with an index row. */
export class AudioService {
  constructor(
    private readonly deps: { store: Store; files: AudioFiles; tts: TextToSpeech; limits: AudioLimits; clock: Clock; log: Logger },
  ) {}

  /** audio belongs to the commune that uploaded (or spoke) it: another commune cannot use it by its hash */
  upload(bytes: Buffer, by: string, commune: string): AudioMeta {
    const meta = inspectAudio(bytes, this.deps.limits);
    this.#keep(meta, bytes, `upload:${by}`, commune);
    return meta;
  }

  async speak(text: string, commune: string): Promise<AudioMeta> {
    let wav: Buffer;
    try {
      wav = await this.deps.tts.synthesize(text);
    } catch (err) {
      this.deps.log.error({ err }, 'text to speech failed');
      fail('TTS_FAILED');
    }
    let meta: AudioMeta;
    try {
      meta = inspectAudio(wav, this.deps.limits);
    } catch (err) {
      // the person typed text: speak of the text, not of an audio file they never chose
      if (err instanceof ConsoleError && (err.code === 'AUDIO_TOO_LARGE' || err.code === 'AUDIO_TOO_LONG')) {
        const minutes = Math.max(1, Math.floor(this.deps.limits.maxDurationS / 60));
        fail('SPEECH_TOO_LONG', `Khi đọc ra, nội dung này dài hơn mức cho phép (khoảng ${minutes} phút nghe). Hãy rút ngắn văn bản (các con số và ngày tháng được đọc thành nhiều chữ) hoặc chia thành nhiều thông báo.`);
      }
      throw err;
    }
    this.#keep(meta, wav, `tts:${this.deps.tts.name}`, commune);
    return meta;
  }

  /** an uploaded file's metadata, or AUDIO_UNKNOWN when its bytes are gone or it is another commune's */
  require(sha256: string, commune: string): AudioMeta {
    const meta = this.deps.store.audio.get(sha256);
    if (!meta || !this.deps.files.has(sha256) || !this.deps.store.audio.ownedBy(sha256, commune)) fail('AUDIO_UNKNOWN');
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
