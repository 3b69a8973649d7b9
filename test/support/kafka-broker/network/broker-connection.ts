import { Socket } from 'node:net';
import { ApiHandler, ConnectionInfo } from '../apis';
import { ApiKey, apiName } from '../protocol/api-keys';
import { KafkaReader, ProtocolDecodeError } from '../protocol/kafka-reader';
import { KafkaWriter } from '../protocol/kafka-writer';
import { MAX_QUEUED_FRAMES_PER_CONNECTION } from '../protocol/limits';
import { frameResponse, readRequestHeader, RequestHeader } from '../protocol/request-header';
import { BrokerState } from '../state/broker-state';
import { FrameDecoder } from './frame-decoder';

export interface ConnectionHooks {
  readonly handlers: ReadonlyMap<number, ApiHandler>;
  readonly state: BrokerState;
  /** Asked after each handled request; a returned fault runs instead of sending the response. */
  takeFault(apiKey: number): ((connection: BrokerConnection) => void) | undefined;
  closed(connection: BrokerConnection): void;
}

/**
 * One client socket. Requests are handled strictly one after the other, and the next one is not even
 * looked at until the previous response is written: that is how Kafka's network layer behaves (it mutes
 * the channel), and what gives clients in-order responses on a connection. Anything a client sends that
 * the broker cannot make sense of closes this connection and nothing else.
 */
export class BrokerConnection {
  readonly info: ConnectionInfo;
  private readonly decoder = new FrameDecoder();
  private readonly queue: Buffer[] = [];
  private readonly abort = new AbortController();
  private processing = false;

  constructor(
    readonly id: number,
    private readonly socket: Socket,
    private readonly hooks: ConnectionHooks,
  ) {
    this.info = { id, clientHost: `/${socket.remoteAddress ?? 'unknown'}`, closed: this.abort.signal };
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.received(chunk));
    // ECONNRESET and friends: the close event that follows does the cleanup.
    socket.on('error', (error) => this.log(`socket error: ${error.message}`));
    socket.on('close', () => {
      this.abort.abort();
      this.queue.length = 0;
      this.hooks.closed(this);
    });
  }

  get isClosed(): boolean {
    return this.abort.signal.aborted || this.socket.destroyed;
  }

  close(reason: string): void {
    if (!this.socket.destroyed) {
      this.log(`closing: ${reason}`);
      this.socket.destroy();
    }
  }

  private received(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
    } catch (error) {
      this.close(messageOf(error));
      return;
    }
    this.queue.push(...frames);
    if (this.queue.length >= MAX_QUEUED_FRAMES_PER_CONNECTION) {
      this.socket.pause();
    }
    void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.processing) {
      return;
    }
    this.processing = true;
    try {
      // Bounded by the queue, which holds at most MAX_QUEUED_FRAMES_PER_CONNECTION plus one chunk's frames.
      while (!this.isClosed && this.queue.length > 0) {
        const frame = this.queue.shift() as Buffer;
        if (this.socket.isPaused() && this.queue.length < MAX_QUEUED_FRAMES_PER_CONNECTION) {
          this.socket.resume();
        }
        await this.process(frame);
      }
    } catch (error) {
      this.close(`internal error: ${messageOf(error)}`);
    } finally {
      this.processing = false;
    }
  }

  private async process(frame: Buffer): Promise<void> {
    const reader = new KafkaReader(frame);
    let header: RequestHeader;
    try {
      header = readRequestHeader(reader);
    } catch (error) {
      this.close(`malformed request header: ${messageOf(error)}`);
      return;
    }
    const name = `${apiName(header.apiKey)} v${header.apiVersion}`;
    const handler = this.hooks.handlers.get(header.apiKey);
    if (!handler) {
      this.close(`unsupported API key ${header.apiKey}`);
      return;
    }
    // Only ApiVersions answers an unknown version (so clients can negotiate); Kafka drops the rest.
    const versionKnown = header.apiVersion >= handler.minVersion && header.apiVersion <= handler.maxVersion;
    if (!versionKnown && header.apiKey !== ApiKey.ApiVersions) {
      this.close(`unsupported version ${name}`);
      return;
    }
    let response: KafkaWriter | null;
    try {
      response = await handler.handle({
        header,
        body: reader,
        connection: this.info,
        broker: this.hooks.state,
      });
    } catch (error) {
      const kind = error instanceof ProtocolDecodeError ? 'malformed' : 'failed';
      this.close(`${name} ${kind}: ${error instanceof Error && kind === 'failed' ? error.stack : messageOf(error)}`);
      return;
    }
    if (this.isClosed) {
      return;
    }
    const fault = this.hooks.takeFault(header.apiKey);
    if (fault) {
      this.log(`injected fault after ${name}: response dropped`);
      fault(this);
      return;
    }
    if (response !== null) {
      await this.write(frameResponse(header.correlationId, response.toBuffer()));
    }
  }

  /** Waits for the socket to drain so a slow reader throttles its own connection only. */
  private write(frame: Buffer): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed || this.socket.write(frame)) {
        resolve();
        return;
      }
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  private log(message: string): void {
    this.hooks.state.log(`connection ${this.id} (${this.info.clientHost}): ${message}`);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
