/**
 * Sends outbox entries while connected, at QoS 1, a bounded window at a time, and deletes each
 * on its PUBACK. On every (re)connection everything still on disk is sent again: events written
 * during an outage, and those whose PUBACK was lost with the connection (a duplicate at worst).
 */
import type { MqttConnection } from '../../sdk/internal.ts';
import type { Outbox } from './outbox.ts';

/** Unacknowledged publishes at once; bounds memory when thousands wait after an outage. */
const WINDOW = 64;

export class EventPublisher {
  private readonly inFlight = new Set<string>();
  private connection: MqttConnection | undefined;
  private draining = false;
  delivered = 0;

  constructor(
    private readonly outbox: Outbox,
    private readonly topic: string,
    private readonly onError: (error: Error) => void,
  ) {}

  /** A (re)connection: forget what was in flight on the old one, and send everything. */
  connected(connection: MqttConnection): void {
    this.connection = connection;
    this.inFlight.clear();
    this.kick();
  }

  disconnected(): void {
    this.inFlight.clear();
  }

  /** New entries are on disk: send what the window allows. */
  kick(): void {
    if (this.draining) return;
    const connection = this.connection;
    if (!connection?.connected) return;
    this.draining = true;
    try {
      for (const file of this.outbox.pendingFiles()) {
        if (this.inFlight.size >= WINDOW) break;
        if (this.inFlight.has(file)) continue;
        const payload = this.outbox.read(file);
        if (payload === undefined) continue;
        const entry = { file };
        this.inFlight.add(file);
        connection.publish(this.topic, payload, { qos: 1 }).then(
          () => {
            this.outbox.remove(entry.file);
            this.inFlight.delete(entry.file);
            this.delivered++;
            this.kick();
          },
          (error: Error) => {
            // Connection lost before PUBACK: the file stays; the next connect sends it again.
            this.inFlight.delete(entry.file);
            if (!/disconnect|closed|connection/i.test(error.message)) this.onError(error);
          },
        );
      }
    } finally {
      this.draining = false;
    }
  }
}
