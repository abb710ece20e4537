import { createHash } from 'node:crypto';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { Objm, type ObjectStore } from '@nats-io/obj';
import { TransportError } from '../errors/index.js';
import { CLAIM_HEADER_LC } from './headers.js';

/**
 * Claim check for bodies larger than the server's max_payload: the body goes into a JetStream object
 * store bucket under its SHA-256 (so a repeat stores nothing new) and the message carries only the
 * reference. Objects expire after the bucket's TTL.
 */
export class ClaimCheck {
  readonly #nc: NatsConnection;
  readonly #bucket: string;
  readonly #ttlMs: number;
  #store: Promise<ObjectStore> | undefined;

  constructor(nc: NatsConnection, bucket: string, ttlMs: number) {
    this.#nc = nc;
    this.#bucket = bucket;
    this.#ttlMs = ttlMs;
  }

  /** Store a body; returns the reference `<bucket>/<sha256>`. */
  async store(body: Uint8Array): Promise<string> {
    const name = createHash('sha256').update(body).digest('hex');
    const os = await this.#open();
    const existing = await os.info(name).catch(() => null);
    if (!existing || existing.deleted) await os.putBlob({ name }, body);
    return `${this.#bucket}/${name}`;
  }

  /**
   * Fetch a body by reference. A missing object, or one over `maxBytes`, is permanent; any other
   * failure (the store briefly unavailable) is retryable.
   */
  async fetch(ref: string, maxBytes = Number.MAX_SAFE_INTEGER): Promise<Uint8Array> {
    const slash = ref.indexOf('/');
    const bucket = ref.slice(0, slash);
    const name = ref.slice(slash + 1);
    if (slash <= 0 || bucket !== this.#bucket || !/^[0-9a-f]{64}$/.test(name)) {
      throw new TransportError('ERR_TRANSPORT_CLAIM_MISSING', `invalid claim reference "${ref.slice(0, 100)}"`);
    }
    try {
      const os = await this.#open();
      const info = await os.info(name);
      if (!info || info.deleted) throw new TransportError('ERR_TRANSPORT_CLAIM_MISSING', `claim-checked body ${ref} is not in the object store (expired after transport.claimCheck.ttlMs?)`);
      if (info.size > maxBytes) throw new TransportError('ERR_CODEC_TOO_LARGE', `claim-checked body ${ref} has ${info.size} bytes, more than codec.maxBodyBytes (${maxBytes})`);
      const body = await os.getBlob(name);
      if (!body) throw new TransportError('ERR_TRANSPORT_CLAIM_MISSING', `claim-checked body ${ref} vanished from the object store`);
      return body;
    } catch (cause) {
      if (cause instanceof TransportError) throw cause;
      throw new TransportError('ERR_TRANSPORT_CLOSED', `cannot read claim-checked body ${ref}: ${(cause as Error).message}`, { cause, retryable: true });
    }
  }

  /**
   * A received message's body: `data` itself, or, when its headers (as `readHeaders` keys them) carry
   * a claim reference, the stored body ({@link ClaimCheck.fetch}).
   */
  bodyOf(data: Uint8Array, headers: Readonly<Record<string, string>>, maxBytes?: number): Promise<Uint8Array> | Uint8Array {
    const ref = headers[CLAIM_HEADER_LC];
    return ref === undefined ? data : this.fetch(ref, maxBytes);
  }

  #open(): Promise<ObjectStore> {
    this.#store ??= new Objm(this.#nc).create(this.#bucket, { ttl: nanos(this.#ttlMs) }).catch((cause: unknown) => {
      this.#store = undefined;
      throw new TransportError('ERR_TRANSPORT_CLOSED', `cannot open object store bucket ${this.#bucket}: ${(cause as Error).message}`, { cause, retryable: true });
    });
    return this.#store;
  }
}
